// Idempotency under concurrent retries, and what a database connection dying mid-batch leaves: inside
// the batch's transaction a 503 and nothing half-written (raw rows, rollups, credit charges); while
// its per-user rollups are applied after the commit, a 200 (the events are stored) and those rows
// pending, applied by a repeat of the batch or by the user-rollups job.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../helpers/app';
import { twoWorkspaces } from '../helpers/fixtures';
import { closeAll, isMySqlRun, testDatabaseUrl } from '../helpers/db';
import { createDb } from '../../src/db/knex';
import { count, daysAgoNoon, event, keyFor, post, sum } from './helpers';
import { runJobOnce } from '../../src/jobs/scheduler';
import { USER_ROLLUPS_JOB } from '../../src/rollups/deferred';

/** A batch of n events with known token totals: event i has i+1 prompt and 1 completion tokens. */
function batch(prefix: string, n: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  return Array.from({ length: n }, (_, i) => event(`${prefix}-${i}`, { prompt_tokens: i + 1, completion_tokens: 1, occurred_at: daysAgoNoon(1 + (i % 3)).iso, ...extra(i) }));
}
const tokensOf = (n: number) => (n * (n + 1)) / 2 + n;

async function snapshot(db: Knex, wsId: number) {
  return {
    interactions: await count(db, 'interactions', { workspace_id: wsId }),
    daily: await sum(db, 'rollup_daily', 'total_tokens', { workspace_id: wsId }),
    dailyUser: await sum(db, 'rollup_daily_user', 'total_tokens', { workspace_id: wsId }),
    monthlyUser: await sum(db, 'rollup_monthly_user', 'total_tokens', { workspace_id: wsId }),
    model: await sum(db, 'rollup_daily_model', 'interactions', { workspace_id: wsId }),
    ledger: await sum(db, 'credit_ledger', 'amount', { workspace_id: wsId }),
    credits: await sum(db, 'rollup_daily_credits', 'events', { workspace_id: wsId }),
  };
}

describe('ingestion API: concurrency and faults', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof twoWorkspaces>>;
  let key: string;

  before(async () => {
    t = await createTestApp();
    w = await twoWorkspaces(t.db);
    key = await keyFor(t.db, w.a.id);
  });
  after(closeAll);

  it('concurrent retries of the same batch count every event once', async () => {
    const n = 200;
    const events = batch('conc', n, (i) => (i % 10 === 0 ? { billable: { category: 'api', units: 1 } } : {}));
    const results = await Promise.all([0, 1, 2].map(() => post(t.app, '/events', key, { events })));
    for (const r of results) expect(r.status, r.text).to.equal(200);
    expect(results.reduce((a, r) => a + r.body.accepted, 0)).to.equal(n);
    expect(results.reduce((a, r) => a + r.body.duplicates, 0)).to.equal(2 * n);
    const s = await snapshot(t.db, w.a.id);
    expect(s.interactions).to.equal(n);
    expect(s.daily).to.equal(tokensOf(n));
    expect(s.dailyUser).to.equal(tokensOf(n));
    expect(s.monthlyUser).to.equal(tokensOf(n));
    expect(s.model).to.equal(n);
    expect(s.credits).to.equal(n / 10);
    const charged = await sum(t.db, 'interactions', 'credits_charged', { workspace_id: w.a.id });
    expect(s.ledger).to.equal(-charged);
  });

  /**
   * Posts `events` and makes the database connection fail while the batch upserts `table`: on
   * MariaDB a lock held on the workspace's rows of `table` stops the batch there and its connection
   * is killed; on SQLite the (single) connection is closed as the statement starts. Expects the
   * answer `status` (503 inside the batch's transaction, 200 once it committed) and returns it.
   */
  async function postFailingAt(table: string, events: unknown[], status = 503) {
    let res;
    if (isMySqlRun()) {
      const killer = createDb(testDatabaseUrl(), { poolMax: 2 });
      const lock = await killer.transaction();
      let pending: Promise<Awaited<ReturnType<typeof post>>> | null = null;
      try {
        await lock(table).where({ workspace_id: w.a.id }).forUpdate().select('workspace_id');
        pending = post(t.app, '/events', key, { events }).then((r) => r);
        let victim: { id: number } | null = null;
        for (let i = 0; i < 1200 && victim == null; i++) {
          await new Promise((r) => setTimeout(r, 25));
          // Only this database's connections (other test runs share the server), found by what they
          // run: innodb_trx does not always say LOCK WAIT while a statement with a time bound waits.
          const [rows] = await killer.raw('SELECT p.id AS id FROM information_schema.processlist p WHERE p.db = DATABASE() AND p.info LIKE ?', [`insert into \`${table}\`%`]);
          if (rows.length) victim = { id: Number(rows[0].id) };
        }
        expect(victim, `the batch blocked on the held ${table} rows`).to.not.equal(null);
        await killer.raw(`KILL CONNECTION ${victim!.id}`);
      } finally {
        await lock.rollback().catch(() => undefined);
        if (pending) res = await pending;
        await killer.destroy();
      }
    } else {
      const conn = await t.db.client.acquireConnection();
      await t.db.client.releaseConnection(conn);
      let fired = false;
      const onQuery = (q: { sql: string }) => {
        if (!fired && q.sql.toLowerCase().startsWith(`insert into \`${table}\``)) {
          fired = true;
          conn.close();
        }
      };
      t.db.on('query', onQuery);
      try {
        res = await post(t.app, '/events', key, { events });
      } finally {
        t.db.removeListener('query', onQuery);
      }
      expect(fired).to.equal(true);
      // The pool re-opens the database, as after a restart.
      await t.db.destroy();
      t.db.initialize();
    }
    if (!res) throw new Error('the batch request was not answered');
    expect(res.status, res.text).to.equal(status);
    if (status === 503) {
      expect(res.body.error.code).to.equal('unavailable');
      expect(res.headers['retry-after']).to.equal('1');
    }
    return res;
  }

  it('a database failure mid-batch answers 503, leaves nothing half-written, and the retry succeeds', async function () {
    // Waits for the batch to reach the held lock: slow on a loaded machine, so allow for it.
    this.timeout(90_000);
    const before = await snapshot(t.db, w.a.id);
    // Every event shares a (day, kind, surface, output) row of the workspace's daily rollup with the
    // first test's events, so the batch must update rows written before: the failure comes after
    // its raw rows, its charge and its pending per-user rows were written in the same transaction.
    const events = batch('fault', 50, (i) => (i % 5 === 0 ? { billable: { category: 'api', units: 2 } } : {}));
    await postFailingAt('rollup_daily', events);
    expect(await snapshot(t.db, w.a.id)).to.deep.equal(before);
    expect(await count(t.db, 'interactions', { workspace_id: w.a.id, client_event_id: 'fault-0' })).to.equal(0);
    expect(await count(t.db, 'rollup_pending', { workspace_id: w.a.id })).to.equal(0);

    const retry = await post(t.app, '/events', key, { events });
    expect(retry.status, retry.text).to.equal(200);
    expect(retry.body).to.deep.equal({ accepted: 50, duplicates: 0, rejected: [] });
    const after = await snapshot(t.db, w.a.id);
    expect(after.interactions).to.equal(before.interactions + 50);
    expect(after.dailyUser).to.equal(before.dailyUser + tokensOf(50));
    expect(after.monthlyUser).to.equal(before.monthlyUser + tokensOf(50));
    expect(after.credits).to.equal(before.credits + 10);
  });

  it('a failure while per-user rollups are applied acknowledges the stored batch; a repeat applies its rollups once', async function () {
    this.timeout(90_000);
    const before = await snapshot(t.db, w.a.id);
    // Same (month, user, kind) rows as the earlier events: the batch's per-user pass updates them.
    const events = batch('late', 50, (i) => (i % 5 === 0 ? { billable: { category: 'api', units: 2 } } : {}));
    // Stored means acknowledged: a 503 would tell the sender that nothing was stored.
    const first = await postFailingAt('rollup_monthly_user', events, 200);
    expect(first.body).to.deep.equal({ accepted: 50, duplicates: 0, rejected: [] });
    // The batch's own transaction committed: raw rows, charge and workspace-wide rollups are stored,
    // its per-user rows wait in rollup_pending.
    const mid = await snapshot(t.db, w.a.id);
    expect(mid.interactions).to.equal(before.interactions + 50);
    expect(mid.daily).to.equal(before.daily + tokensOf(50));
    expect(mid.credits).to.equal(before.credits + 10);
    expect(mid.dailyUser).to.equal(before.dailyUser);
    expect(mid.monthlyUser).to.equal(before.monthlyUser);
    expect(await count(t.db, 'rollup_pending', { workspace_id: w.a.id })).to.be.greaterThan(0);

    // A repeat finds every event stored and applies what they left pending before it answers.
    const retry = await post(t.app, '/events', key, { events });
    expect(retry.status, retry.text).to.equal(200);
    expect(retry.body).to.deep.equal({ accepted: 0, duplicates: 50, rejected: [] });
    const after = await snapshot(t.db, w.a.id);
    expect(after).to.deep.equal({ ...mid, dailyUser: before.dailyUser + tokensOf(50), monthlyUser: before.monthlyUser + tokensOf(50) });
    expect(await count(t.db, 'rollup_pending', { workspace_id: w.a.id })).to.equal(0);
  });
  it('with no repeat, the user-rollups job applies what a failed apply left pending', async function () {
    this.timeout(90_000);
    const before = await snapshot(t.db, w.a.id);
    const events = batch('orphan', 40);
    const first = await postFailingAt('rollup_daily_user', events, 200);
    expect(first.body.accepted).to.equal(40);
    expect(await count(t.db, 'rollup_pending', { workspace_id: w.a.id })).to.be.greaterThan(0);
    expect((await snapshot(t.db, w.a.id)).dailyUser).to.equal(before.dailyUser);
    expect(await runJobOnce(t.ctx, USER_ROLLUPS_JOB)).to.equal(true);
    const after = await snapshot(t.db, w.a.id);
    expect(after.interactions).to.equal(before.interactions + 40);
    expect(after.dailyUser).to.equal(before.dailyUser + tokensOf(40));
    expect(after.monthlyUser).to.equal(before.monthlyUser + tokensOf(40));
    expect(await count(t.db, 'rollup_pending', { workspace_id: w.a.id })).to.equal(0);
  });
});
