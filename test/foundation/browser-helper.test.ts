// A machine without Chromium: the browser tests are skipped with one clear line, unless CI asks
// for them (REQUIRE_BROWSER=1), where the missing browser fails the run.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';

const ROOT = path.resolve(__dirname, '../..');
const script = "const { browserTestsEnabled } = require('./test/helpers/browser'); console.log('enabled=' + browserTestsEnabled()); browserTestsEnabled();";

function run(env: Record<string, string>) {
  const { SKIP_BROWSER: _s, REQUIRE_BROWSER: _r, ...rest } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...rest, CHROMIUM_PATH: '/nonexistent/chromium', ...env } });
}

describe('foundation: browser tests without a browser', function () {
  this.timeout(60_000);

  it('locally: one skip line naming the missing browser, no error', () => {
    const out = run({});
    expect(out.status, out.stderr).to.equal(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines.filter((l) => l.includes('Browser tests skipped'))).to.have.length(1);
    expect(out.stdout).to.include('chromium not found at /nonexistent/chromium');
    expect(out.stdout).to.include('enabled=false');
  });

  it('with REQUIRE_BROWSER=1 the missing browser is an error', () => {
    const out = run({ REQUIRE_BROWSER: '1' });
    expect(out.status).to.not.equal(0);
    expect(out.stderr).to.include('REQUIRE_BROWSER=1');
  });
});
