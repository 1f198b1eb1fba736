// The write path under concurrency: batches of one workspace written together (group commit) give
// what writing them one after another gives; concurrent charges queue on the credit lock instead of
// deadlocking (also across app processes, i.e. separate connection pools, on MariaDB).
import { expect } from 'chai';
import type { Knex } from 'knex';
import { closeAll, freshDb, isMySqlRun, testDatabaseUrl } from '../helpers/db';
import { createDb } from '../../src/db/knex';
import { recordInteractions } from '../../src/ingest/write-path';
import { configureWriteQueue } from '../../src/ingest/write-queue';
import { lockPool, ensureCreditState } from '../../src/credits/pool';
import { addCredits } from '../../src/credits/admin';
import type { InteractionInput } from '../../src/domain/model';
import { creditWorld, DAY } from '../credits/fixture';

const HOUR = 3_600_000;

/** Event `i` of a batch: i+1 prompt tokens, 1 completion token; every 4th is one API call (2 credits). */
function batch(prefix: string, n: number, user: string, base: number): InteractionInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    user,
    occurredAt: new Date(base - i * 60_000),
    kind: 'inference' as const,
    surface: i % 4 === 0 ? 'api' : 'chat',
    model: 'gpt-test',
    promptTokens: i + 1,
    completionTokens: 1,
    billable: i % 4 === 0 ? { category: 'api' as const, units: 1 } : null,
  }));
}
const tokensOf = (n: number) => (n * (n + 1)) / 2 + n;

async function totals(db: Knex, wsId: number) {
  const n = async (table: string, col: string) => Number((await db(table).where({ workspace_id: wsId }).sum({ s: col }).first())?.s ?? 0);
  return {
    interactions: Number((await db('interactions').where({ workspace_id: wsId }).count({ c: '*' }).first())!.c),
    daily: await n('rollup_daily', 'interactions'),
    tokens: await n('rollup_daily', 'total_tokens'),
    monthlyUser: await n('rollup_monthly_user', 'total_tokens'),
    charged: await n('interactions', 'credits_charged'),
    ledger: await n('credit_ledger', 'amount'),
    creditEvents: await n('rollup_daily_credits', 'events'),
  };
}

describe('write path: concurrent batches and the credit lock', () => {
  let db: Knex;
  beforeEach(async () => {
    db = await freshDb();
  });
  afterEach(async () => {
    configureWriteQueue({ writers: 4, maxGroupEvents: 1000 });
    await closeAll();
  });

  it('batches sent at once are each answered for themselves, and every event counts once', async () => {
    const w = await creditWorld(db);
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 10_000, expiresAt: null, note: null, priceCents: null }, new Date(Date.now() - 10 * DAY));
    const base = Date.now() - 2 * HOUR;
    const a = batch('a', 100, w.email('alice'), base);
    const b = [...batch('b', 60, w.email('alice'), base), ...a.slice(0, 10)]; // 10 of A again
    const c = batch('c', 80, w.email('alice'), base);
    const d = [...c]; // a retry of C
    const e = [...batch('e', 40, w.email('alice'), base), a[5], a[5]]; // A's event 5, twice
    configureWriteQueue({ writers: 1, maxGroupEvents: 4000 }); // one writer: the later batches queue and are written as a group
    const [ra, rb, rc, rd, re] = await Promise.all([a, b, c, d, e].map((x) => recordInteractions(db, w.wsId, x)));
    for (const [r, x] of [[ra, a], [rb, b], [rc, c], [rd, d], [re, e]] as const) {
      expect(r.rejected).to.deep.equal([]);
      expect(r.accepted + r.duplicates, 'every event answered').to.equal(x.length);
    }
    // Which of two batches sharing ids is written first depends on arrival; the shared ids count once.
    expect(ra.accepted + rb.accepted + re.accepted).to.equal(100 + 60 + 40);
    expect(ra.duplicates + rb.duplicates + re.duplicates).to.equal(10 + 2);
    expect(re.duplicates).to.be.at.least(1); // its own repeat of A's event 5
    expect(rc.accepted + rd.accepted).to.equal(80);
    expect(rc.duplicates + rd.duplicates).to.equal(80);

    // 280 distinct events; tokens per batch of n: n(n+1)/2 + n; API calls: every 4th event.
    const calls = (n: number) => Math.ceil(n / 4);
    const t = await totals(db, w.wsId);
    expect(t.interactions).to.equal(280);
    expect(t.daily).to.equal(280);
    expect(t.tokens).to.equal(tokensOf(100) + tokensOf(60) + tokensOf(80) + tokensOf(40));
    expect(t.monthlyUser).to.equal(t.tokens);
    const creditsUsed = 2 * (calls(100) + calls(60) + calls(80) + calls(40));
    expect(t.charged).to.equal(creditsUsed);
    expect(t.creditEvents).to.equal(creditsUsed / 2);
    expect(t.ledger).to.equal(10_000 - creditsUsed);
  });

  it('a group with a batch of a user without credit permission and free Grid rows sets each row its own charge', async () => {
    const w = await creditWorld(db, { grid_free_test_rows: 3 });
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 1000, expiresAt: null, note: null, priceCents: null }, new Date(Date.now() - DAY));
    const at = (m: number) => new Date(Date.now() - m * 60_000);
    const ev = (id: string, user: string, category: 'grid' | 'api', units: number, m: number): InteractionInput => ({
      id, user, occurredAt: at(m), kind: 'inference', surface: category, model: 'x', promptTokens: 1, completionTokens: 1, billable: { category, units },
    });
    configureWriteQueue({ writers: 1, maxGroupEvents: 4000 });
    await Promise.all([
      recordInteractions(db, w.wsId, [ev('g1', w.email('alice'), 'grid', 2, 50), ev('g2', w.email('alice'), 'grid', 4, 40)]),
      recordInteractions(db, w.wsId, [ev('b1', w.email('bob'), 'api', 5, 30)]),
      recordInteractions(db, w.wsId, [ev('a1', w.email('alice'), 'api', 3, 20)]),
    ]);
    const rows = await db('interactions').where({ workspace_id: w.wsId }).orderBy('client_event_id');
    const got = Object.fromEntries(rows.map((r) => [r.client_event_id, [Number(r.credits_charged), !!r.overage, Number(r.billable_units), Number(r.billable_free_units)]]));
    // 3 free rows: g1 (2 rows) free, g2 gets 1 free and pays 3 rows x 1; bob may not spend: 10 credits, overage.
    expect(got).to.deep.equal({
      a1: [6, false, 3, 0],
      b1: [10, true, 5, 0],
      g1: [0, false, 2, 2],
      g2: [3, false, 4, 1],
    });
  });

  it('concurrent charges from separate connection pools queue on the credit lock (no deadlock, no double spend)', async function () {
    this.timeout(30_000);
    const w = await creditWorld(db);
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 500, expiresAt: null, note: null, priceCents: null }, new Date(Date.now() - DAY));
    await ensureCreditState(db, w.wsId);
    // Raw lock takers without any retry: each transaction locks the pool, as every charge does.
    const pools = isMySqlRun() ? [createDb(testDatabaseUrl(), { poolMax: 4 }), createDb(testDatabaseUrl(), { poolMax: 4 })] : [db];
    try {
      let inside = 0;
      let maxInside = 0;
      const lockers = Array.from({ length: 8 }, (_, i) =>
        pools[i % pools.length].transaction(async (trx) => {
          await lockPool(trx, w.wsId);
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 5));
          inside--;
        }),
      );
      await Promise.all(lockers); // a deadlock would reject one of them (no retry here)
      expect(maxInside, 'lock holders at a time').to.equal(1);

      // And charging batches through two "processes": 500 credits, 40 batches want 2 x 10 each = 800.
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => recordInteractions(pools[i % pools.length], w.wsId, batch(`p${i}`, 40, w.email('alice'), Date.now() - HOUR))),
      );
      expect(results.reduce((s, r) => s + r.accepted, 0)).to.equal(1600);
      const t = await totals(db, w.wsId);
      expect(t.charged).to.equal(40 * 10 * 2);
      const paid = Number((await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'consumption' }).sum({ s: 'amount' }).first())!.s);
      expect(paid).to.equal(-500); // never more than the pool held
      const unpaid = Number((await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'overage' }).sum({ s: 'amount' }).first())!.s);
      expect(unpaid).to.equal(-300);
    } finally {
      if (isMySqlRun()) for (const p of pools) await p.destroy();
    }
  });

  it('a charge with no credit_state row yet creates it and charges', async () => {
    const w = await creditWorld(db);
    await db('credit_state').where({ workspace_id: w.wsId }).delete();
    const r = await recordInteractions(db, w.wsId, batch('first', 8, w.email('alice'), Date.now() - HOUR));
    expect(r.accepted).to.equal(8);
    expect(await db('credit_state').where({ workspace_id: w.wsId })).to.have.length(1);
    // Nothing in the pool: both API calls (2 x 2 credits) are overage.
    expect(Number((await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'overage' }).sum({ s: 'amount' }).first())!.s)).to.equal(-4);
  });
});
