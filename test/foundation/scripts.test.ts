// The commands as a user runs them: npm run migrate, npm run seed (deterministic, refuses a
// second load, --reset), npm run rebuild-rollups (clear messages for bad flags), and npm test with an
// unreachable MariaDB (skip, or failure under REQUIRE_MYSQL=1). Each run is the
// real script in a child process on its own temporary SQLite file (SQLite pass only; the scripts
// share src/db with the server, whose MySQL path bootstrap.test.ts covers).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { expect } from 'chai';
import { createDb } from '../../src/db/knex';
import { isMySqlRun } from '../helpers/db';

const ROOT = path.resolve(__dirname, '../..');

function runScript(script: string, args: string[], url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' }, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Totals read straight from the raw rows, and the same totals from the rollups. */
async function totals(url: string) {
  const db = createDb(url);
  try {
    const raw = await db('interactions').select('workspace_id').count({ n: '*' }).sum({ tokens: 'total_tokens' }).groupBy('workspace_id').orderBy('workspace_id');
    const rolled = await db('rollup_daily').select('workspace_id').sum({ n: 'interactions' }).sum({ tokens: 'total_tokens' }).groupBy('workspace_id').orderBy('workspace_id');
    const norm = (rows: Record<string, unknown>[]) => rows.map((r) => ({ ws: Number(r.workspace_id), n: Number(r.n), tokens: Number(r.tokens) }));
    const users = Number((await db('users').count({ n: '*' }).first())?.n);
    const prompts = (await db('interactions').select('client_event_id', 'total_tokens').orderBy('client_event_id').limit(5)).map((r) => `${r.client_event_id}:${r.total_tokens}`);
    return { raw: norm(raw), rolled: norm(rolled), users, sample: prompts.join(' ') };
  } finally {
    await db.destroy();
  }
}

async function tableNames(url: string): Promise<string[]> {
  const db = createDb(url);
  try {
    const rows = await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    return (rows as { name: string }[]).map((r) => r.name);
  } finally {
    await db.destroy();
  }
}

describe('foundation: operator scripts (migrate, seed, rebuild-rollups)', function () {
  this.timeout(180_000);
  let dir: string;
  let url: string;
  before(function () {
    if (isMySqlRun()) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uc-scripts-'));
    url = `sqlite:${path.join(dir, 'console.sqlite')}`;
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('npm run migrate applies every migration once, then is up to date; --rollback-all removes every table', async () => {
    const first = await runScript('migrate', [], url);
    expect(first.code, first.stderr).to.equal(0);
    const migrations = fs.readdirSync(path.join(ROOT, 'migrations')).filter((f) => f.endsWith('.ts'));
    for (const m of migrations) expect(first.stdout).to.include(m);
    expect(await tableNames(url)).to.include.members(['workspaces', 'users', 'interactions', 'rollup_daily', 'api_keys', 'sessions']);
    const again = await runScript('migrate', [], url);
    expect(again.stdout).to.include('Already up to date.');
    const down = await runScript('migrate', ['--rollback-all'], url);
    expect(down.code, down.stderr).to.equal(0);
    expect((await tableNames(url)).filter((t) => !t.startsWith('knex_'))).to.deep.equal([]);
  });

  it('npm run seed is deterministic, refuses a second load, reloads with --reset; rebuild-rollups agrees with the raw rows', async () => {
    const bad = await runScript('seed', ['--users', 'many'], url);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include('--users must be a whole number from 5 to 100000');

    const seeded = await runScript('seed', ['--users', '12', '--months', '1', '--seed', '7'], url);
    expect(seeded.code, seeded.stderr).to.equal(0);
    expect(seeded.stdout).to.include('Demo data loaded');
    const a = await totals(url);
    // acme and globex, both with usage, and the rollups the write path kept equal the raw rows.
    expect(a.raw).to.have.length(2);
    expect(a.raw.every((r) => r.n > 0 && r.tokens > 0)).to.equal(true);
    expect(a.rolled).to.deep.equal(a.raw);

    const twice = await runScript('seed', ['--users', '12', '--months', '1', '--seed', '7'], url);
    expect(twice.code).to.equal(1);
    expect(twice.stderr).to.include('already exist; run with --reset');
    expect((await totals(url)).raw).to.deep.equal(a.raw); // nothing changed

    // --users=N works like --users N; the same flags and day give the same data.
    const reset = await runScript('seed', ['--users=12', '--months', '1', '--seed', '7', '--reset'], url);
    expect(reset.code, reset.stderr).to.equal(0);
    const b = await totals(url);
    expect(b.raw.map((r) => ({ n: r.n, tokens: r.tokens }))).to.deep.equal(a.raw.map((r) => ({ n: r.n, tokens: r.tokens })));
    expect(b.users).to.equal(a.users);
    expect(b.sample).to.equal(a.sample);

    const other = await runScript('seed', ['--users', '12', '--months', '1', '--seed', '8', '--reset'], url);
    expect(other.code, other.stderr).to.equal(0);
    expect((await totals(url)).sample).to.not.equal(a.sample); // the seed matters

    // Wipe one rollup, then rebuild: it equals the raw rows again.
    const db = createDb(url);
    try {
      await db('rollup_daily').del();
    } finally {
      await db.destroy();
    }
    expect((await totals(url)).rolled).to.deep.equal([]);
    const rebuilt = await runScript('rebuild-rollups', [], url);
    expect(rebuilt.code, rebuilt.stderr).to.equal(0);
    expect(rebuilt.stdout).to.match(/Rebuilt rollups and credit tables of acme/);
    expect(rebuilt.stdout).to.match(/Rebuilt rollups and credit tables of globex/);
    const c = await totals(url);
    expect(c.rolled).to.deep.equal(c.raw);

    const unknown = await runScript('rebuild-rollups', ['--workspace', 'nope'], url);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include('No workspace with slug nope');
  });

  it('npm test: an unreachable MariaDB is a skip, and a failure with REQUIRE_MYSQL=1', async () => {
    const npmTest = (env: Record<string, string>) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        // One small DB-free test file keeps the SQLite pass short; port 1 refuses connections at once.
        const e: Record<string, string | undefined> = { ...process.env, TEST_MYSQL_URL: 'mysql://root@127.0.0.1:1/uc_unreachable', ...env };
        delete e.TEST_DATABASE_URL;
        delete e.SKIP_MYSQL; // the outer run's switches must not decide what this run tests
        if (!env.REQUIRE_MYSQL) delete e.REQUIRE_MYSQL;
        execFile(process.execPath, ['--import', 'tsx', 'scripts/test.ts', 'test/foundation/time.test.ts'], { cwd: ROOT, env: e, timeout: 90_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        );
      });
    const skipped = await npmTest({});
    expect(skipped.code, skipped.out).to.equal(0);
    expect(skipped.out).to.include('unreachable: MySQL pass skipped');
    const passedLine = /\n(\d+) passed, 0 failed/.exec(skipped.out);
    expect(passedLine, skipped.out).to.not.equal(null);
    expect(Number(passedLine![1])).to.be.greaterThan(0);
    const required = await npmTest({ REQUIRE_MYSQL: '1' });
    expect(required.code).to.equal(1);
    expect(required.out).to.include('is unreachable and REQUIRE_MYSQL=1: failing');
    expect(required.out).to.match(/\n\d+ passed, 1 failed/);
  });
});
