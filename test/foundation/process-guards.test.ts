// The last-resort handlers: an unhandled rejection or an uncaught exception is logged and the
// process keeps running (without them Node ends the process, and every request with it).
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';

const ROOT = path.resolve(__dirname, '../..');

function run(install: boolean) {
  const script = [
    "const { createLogger } = require('./src/logger');",
    "const { installLastResortHandlers } = require('./src/process-guards');",
    install ? "installLastResortHandlers(createLogger('error'));" : '',
    "Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' }));",
    "setTimeout(() => { throw new Error('thrown in a timer'); }, 20);",
    "setTimeout(() => { console.log('still serving'); }, 200);",
  ].join('\n');
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
}

describe('foundation: last-resort error handlers', function () {
  this.timeout(60_000);

  it('log an unhandled rejection and an uncaught exception, and the process carries on', () => {
    const out = run(true);
    expect(out.status, out.stderr).to.equal(0);
    const logs = out.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(logs.map((l) => l.msg)).to.deep.equal(['unhandled promise rejection (logged; still serving)', 'uncaught exception (logged; still serving)']);
    expect(logs[0].err.message).to.include('ECONNREFUSED');
    expect(out.stdout).to.include('still serving');
  });

  it('without them the same script ends the process (what the handlers prevent)', () => {
    const out = run(false);
    expect(out.status).to.not.equal(0);
    expect(out.stdout).to.not.include('still serving');
  });
});
