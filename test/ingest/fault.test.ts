// Idempotency under concurrent retries, and atomicity when the database connection dies mid-batch:
// a 503, nothing half-written (raw rows, rollups, credit charges), and the retry succeeds.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../helpers/app';
import { twoWorkspaces } from '../helpers/fixtures';
import { closeAll, isMySqlRun, testDatabaseUrl } from '../helpers/db';
import { createDb } from '../../src/db/knex';
import { count, daysAgoNoon, event, keyFor, post, sum } from './helpers';

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

  it('a database failure mid-batch answers 503, leaves nothing half-written, and the retry succeeds', async function () {
    // Waits for the batch to reach the held lock: slow on a loaded machine, so allow for it.
    this.timeout(90_000);
    const before = await snapshot(t.db, w.a.id);
    // Every event shares a (month, user, kind) rollup row with the first test's events, so the batch
    // must update rows written before: the failure happens after its raw rows were inserted.
    const events = batch('fault', 50, (i) => (i % 5 === 0 ? { billable: { category: 'api', units: 2 } } : {}));

    let res;
    if (isMySqlRun()) {
      // Hold a lock on the workspace's monthly rollup rows, wait until the batch's transaction blocks
      // on them (raw rows and daily rollups already written), then KILL its connection.
      const killer = createDb(testDatabaseUrl(), { poolMax: 2 });
      const lock = await killer.transaction();
      let pending: Promise<Awaited<ReturnType<typeof post>>> | null = null;
      try {
        await lock('rollup_monthly_user').where({ workspace_id: w.a.id }).forUpdate().select('user_id');
        pending = post(t.app, '/events', key, { events }).then((r) => r);
        let victim: { id: number; modified: number } | null = null;
        for (let i = 0; i < 1200 && victim == null; i++) {
          await new Promise((r) => setTimeout(r, 25));
          // Only this database's transactions: other test runs share the server.
          // The batch's statement waiting on the held rows (innodb_trx does not always say LOCK WAIT
          // while a statement with a time bound waits, so find it by what it runs).
          const [rows] = await killer.raw(
            "SELECT t.trx_mysql_thread_id AS id, t.trx_rows_modified AS modified FROM information_schema.innodb_trx t JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id WHERE p.db = DATABASE() AND (t.trx_state = 'LOCK WAIT' OR p.info LIKE 'insert into `rollup_monthly_user`%')",
          );
          if (rows.length) victim = { id: Number(rows[0].id), modified: Number(rows[0].modified) };
        }
        expect(victim, 'the batch transaction blocked on the held lock').to.not.equal(null);
        expect(victim!.modified, 'the batch had written rows before it was killed').to.be.greaterThan(0);
        await killer.raw(`KILL CONNECTION ${victim!.id}`);
      } finally {
        await lock.rollback().catch(() => undefined);
        if (pending) res = await pending;
        await killer.destroy();
      }
    } else {
      // SQLite: close the (single) connection as the batch starts its monthly rollup upserts.
      const conn = await t.db.client.acquireConnection();
      await t.db.client.releaseConnection(conn);
      let fired = false;
      const onQuery = (q: { sql: string }) => {
        if (!fired && /^insert into `rollup_monthly_user`/i.test(q.sql)) {
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
    expect(res.status, res.text).to.equal(503);
    expect(res.body.error.code).to.equal('unavailable');
    expect(res.headers['retry-after']).to.equal('1');
    expect(await snapshot(t.db, w.a.id)).to.deep.equal(before);
    expect(await count(t.db, 'interactions', { workspace_id: w.a.id, client_event_id: 'fault-0' })).to.equal(0);

    const retry = await post(t.app, '/events', key, { events });
    expect(retry.status, retry.text).to.equal(200);
    expect(retry.body).to.deep.equal({ accepted: 50, duplicates: 0, rejected: [] });
    const after = await snapshot(t.db, w.a.id);
    expect(after.interactions).to.equal(before.interactions + 50);
    expect(after.dailyUser).to.equal(before.dailyUser + tokensOf(50));
    expect(after.monthlyUser).to.equal(before.monthlyUser + tokensOf(50));
    expect(after.credits).to.equal(before.credits + 10);
  });
});
