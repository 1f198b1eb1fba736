// The one write path: idempotency, partial acceptance, surface normalisation, and incremental
// rollup upkeep agreeing with a rebuild from raw rows.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import { rebuildRollups, ROLLUP_TABLES } from '../../src/ingest/rollups';
import { CREDIT_ROLLUP_TABLES } from '../../src/credits/rebuild';
import { addCredits } from '../../src/credits/admin';
import { dayOf } from '../../src/db/time';
import { upsertAgent } from '../../src/ingest/roster';
import type { InteractionInput } from '../../src/domain/model';
import { mulberry32 } from '../../seeds/demo';
import { freshDb, closeAll } from '../helpers/db';
import { createUser, createWorkspace } from '../helpers/fixtures';

function ev(id: string, user: string, iso: string, extra: Partial<InteractionInput> = {}): InteractionInput {
  return { id, user, occurredAt: new Date(iso), kind: 'inference', surface: 'chat', model: 'gpt-4.1', promptTokens: 10, completionTokens: 5, ...extra };
}

async function table(db: Knex, t: string, wsId: number): Promise<string[]> {
  const rows = await db(t).where('workspace_id', wsId);
  // Engine-neutral text form, sorted, so the comparison ignores row order and number types.
  return rows
    .map((r: Record<string, unknown>) =>
      Object.keys(r)
        .sort()
        .map((k) => `${k}=${r[k] === null ? 'null' : typeof r[k] === 'boolean' ? Number(r[k]) : String(r[k])}`)
        .join(' '),
    )
    .sort();
}

describe('foundation: write path', () => {
  let db: Knex;
  let ws: number;
  before(async () => {
    db = await freshDb();
    ws = (await createWorkspace(db, { slug: 'wp', billing_mode: 'seat' })).id;
    await createUser(db, ws, { email: 'ann@wp.test' });
    await createUser(db, ws, { email: 'bob@wp.test' });
    await upsertAgent(db, ws, { externalId: 'ag-1', name: 'Agent One', kind: 'public' });
  });
  after(closeAll);

  const dailyTotal = async (day: string) => {
    const rows = await db('rollup_daily').where({ workspace_id: ws, day });
    return rows.reduce((s: { n: number; tokens: number }, r: { interactions: number; total_tokens: number }) => ({ n: s.n + Number(r.interactions), tokens: s.tokens + Number(r.total_tokens) }), { n: 0, tokens: 0 });
  };

  it('a repeated id inside one batch is stored once', async () => {
    const r = await recordInteractions(db, ws, [
      ev('dup-1', 'ann@wp.test', '2026-02-10T15:00:00Z', { promptTokens: 100, completionTokens: 20 }),
      ev('dup-1', 'ann@wp.test', '2026-02-10T15:00:00Z', { promptTokens: 100, completionTokens: 20 }),
      ev('dup-2', 'bob@wp.test', '2026-02-10T16:00:00Z', { promptTokens: 7, completionTokens: 3 }),
    ]);
    expect(r).to.deep.equal({ accepted: 2, duplicates: 1, rejected: [] });
    expect(await dailyTotal('2026-02-10')).to.deep.equal({ n: 2, tokens: 130 });
  });

  it('a repeated id in a later batch changes nothing', async () => {
    const r = await recordInteractions(db, ws, [ev('dup-1', 'ann@wp.test', '2026-02-10T15:00:00Z', { promptTokens: 100, completionTokens: 20 }), ev('dup-3', 'ann@wp.test', '2026-02-10T17:00:00Z')]);
    expect(r).to.deep.equal({ accepted: 1, duplicates: 1, rejected: [] });
    expect(await dailyTotal('2026-02-10')).to.deep.equal({ n: 3, tokens: 145 });
    const again = await recordInteractions(db, ws, [ev('dup-3', 'ann@wp.test', '2026-02-10T17:00:00Z')]);
    expect(again).to.deep.equal({ accepted: 0, duplicates: 1, rejected: [] });
    expect(Number((await db('interactions').where({ workspace_id: ws }).count({ n: '*' }).first())!.n)).to.equal(3);
  });

  it('rejected events do not block the valid ones in the same batch', async () => {
    const r = await recordInteractions(db, ws, [
      ev('ok-1', 'ann@wp.test', '2026-02-11T15:00:00Z'),
      ev('bad-user', 'nobody@wp.test', '2026-02-11T15:00:00Z'),
      ev('bad-agent', 'ann@wp.test', '2026-02-11T15:00:00Z', { agent: 'no-such-agent' }),
      ev('ok-2', 'bob@wp.test', '2026-02-11T16:00:00Z', { agent: 'ag-1' }),
      ev('too-new', 'bob@wp.test', '2026-02-20T16:00:00Z'),
    ], { notAfter: new Date('2026-02-12T00:00:00Z') });
    expect(r.accepted).to.equal(2);
    expect(r.duplicates).to.equal(0);
    expect(r.rejected.map((x) => [x.index, x.id])).to.deep.equal([[1, 'bad-user'], [2, 'bad-agent'], [4, 'too-new']]);
    expect(r.rejected[0].error).to.match(/^user:/);
    expect(r.rejected[1].error).to.match(/^agent:/);
    expect(await dailyTotal('2026-02-11')).to.deep.equal({ n: 2, tokens: 30 });
    const agentRow = await db('rollup_daily_agent').where({ workspace_id: ws, day: '2026-02-11' }).first();
    expect(Number(agentRow.interactions)).to.equal(1);
  });

  it('unknown or missing surfaces are stored as other; known ones are normalised', async () => {
    await recordInteractions(db, ws, [
      ev('s-1', 'ann@wp.test', '2026-02-12T15:00:00Z', { surface: 'mobile-app' }),
      ev('s-2', 'ann@wp.test', '2026-02-12T15:01:00Z', { surface: '' }),
      ev('s-3', 'ann@wp.test', '2026-02-12T15:02:00Z', { surface: null }),
      ev('s-4', 'ann@wp.test', '2026-02-12T15:03:00Z', { surface: ' Grid ' }),
      ev('s-5', 'ann@wp.test', '2026-02-12T15:04:00Z', { surface: 'API' }),
    ]);
    const rows = await db('interactions').where({ workspace_id: ws }).whereIn('client_event_id', ['s-1', 's-2', 's-3', 's-4', 's-5']).orderBy('client_event_id');
    expect(rows.map((r: { surface: string }) => r.surface)).to.deep.equal(['other', 'other', 'other', 'grid', 'api']);
    const daily = await db('rollup_daily').where({ workspace_id: ws, day: '2026-02-12' }).orderBy('surface');
    expect(daily.map((r: { surface: string; interactions: number }) => [r.surface, Number(r.interactions)])).to.deep.equal([['api', 1], ['grid', 1], ['other', 3]]);
  });

  it('stores the Chicago reporting day, also around a DST change', async () => {
    await recordInteractions(db, ws, [
      ev('d-1', 'bob@wp.test', '2026-03-08T05:59:00Z'), // Mar 7, 23:59 CST
      ev('d-2', 'bob@wp.test', '2026-03-09T04:59:00Z'), // Mar 8, 23:59 CDT
      ev('d-3', 'bob@wp.test', '2026-03-09T05:00:00Z'), // Mar 9, 00:00 CDT
    ]);
    const rows = await db('interactions').where({ workspace_id: ws }).whereIn('client_event_id', ['d-1', 'd-2', 'd-3']).orderBy('client_event_id');
    expect(rows.map((r: { day: string }) => String(r.day))).to.deep.equal(['2026-03-07', '2026-03-08', '2026-03-09']);
  });

  it('logins: a repeated (user, time) counts once; login_days keeps first and last', async () => {
    const r = await recordLogins(db, ws, [
      { user: 'ann@wp.test', occurredAt: new Date('2026-02-10T14:00:00Z') },
      { user: 'ann@wp.test', occurredAt: new Date('2026-02-10T14:00:00Z') },
      { user: 'ann@wp.test', occurredAt: new Date('2026-02-10T20:00:00Z') },
      { user: 'ghost@wp.test', occurredAt: new Date('2026-02-10T20:00:00Z') },
    ]);
    expect(r.accepted).to.equal(2);
    expect(r.duplicates).to.equal(1);
    expect(r.rejected.map((x) => x.index)).to.deep.equal([3]);
    const again = await recordLogins(db, ws, [{ user: 'ann@wp.test', occurredAt: new Date('2026-02-10T20:00:00Z') }]);
    expect(again.accepted).to.equal(0);
    const ld = await db('login_days').where({ workspace_id: ws, day: '2026-02-10' }).first();
    expect(Number(ld.logins)).to.equal(2);
    expect(ld.first_at).to.equal('2026-02-10 14:00:00.000');
    expect(ld.last_at).to.equal('2026-02-10 20:00:00.000');
  });

  it('rebuilding the rollups from raw rows gives exactly what incremental upkeep built', async function () {
    this.timeout(60_000);
    // A credit workspace: 5 free Grid test rows a month, PAYG capped at 150 a month, one pack of 400
    // recorded before the usage, and a user who may not spend credits (so every charging path runs).
    const FREE_ROWS = 5;
    const w2 = (await createWorkspace(db, { slug: 'wp2', billing_mode: 'credits', grid_free_test_rows: FREE_ROWS, payg_enabled: true, payg_monthly_cap: 150, included_credits_per_period: 0 })).id;
    const users = ['u1@wp2.test', 'u2@wp2.test', 'u3@wp2.test', 'u4@wp2.test'];
    for (const u of users) await createUser(db, w2, { email: u, maySpendCredits: u !== 'u4@wp2.test' });
    for (const a of ['a1', 'a2', 'a3']) await upsertAgent(db, w2, { externalId: a, name: a, kind: 'custom', type: a === 'a1' ? 'research' : 'other' });
    await addCredits(db, { userId: null, label: 'test', ip: null }, w2, { kind: 'purchase', amount: 400, expiresAt: null, note: 'pack', priceCents: 100 }, new Date('2026-02-01T00:00:00Z'));
    const rnd = mulberry32(20261125);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const base = Date.parse('2026-02-25T00:00:00Z'); // spans month ends and the Mar 8 DST change
    const sent: InteractionInput[] = [];
    for (let batch = 0; batch < 12; batch++) {
      const events: InteractionInput[] = [];
      const n = 20 + Math.floor(rnd() * 60);
      for (let i = 0; i < n; i++) {
        // re-send an earlier event now and then (duplicates across batches)
        if (sent.length && rnd() < 0.1) {
          events.push(pick(sent));
          continue;
        }
        const kind = rnd() < 0.15 ? 'embedding' : 'inference';
        const category = pick(['grid', 'api', 'agents'] as const);
        const e: InteractionInput = {
          id: `r-${batch}-${i}`,
          user: pick(users),
          occurredAt: new Date(base + Math.floor(rnd() * 20 * 86_400_000)),
          kind,
          surface: pick(['chat', 'agent', 'grid', 'api', 'weird', null]),
          output: rnd() < 0.1 ? 'image' : 'text',
          agent: rnd() < 0.3 ? pick(['a1', 'a2', 'a3']) : null,
          iqLayers: rnd() < 0.4 ? [pick(['knowledge', 'brand_voice', 'audience'])] : [],
          model: pick(['m1', 'm2']),
          promptTokens: Math.floor(rnd() * 900),
          completionTokens: kind === 'embedding' ? 0 : Math.floor(rnd() * 500),
          training: kind === 'embedding' && rnd() < 0.5,
          billable: rnd() < 0.3 ? { category, units: 1 + Math.floor(rnd() * 4) } : null,
        };
        events.push(e);
        sent.push(e);
      }
      await recordInteractions(db, w2, events);
      await recordLogins(db, w2, Array.from({ length: 5 }, () => ({ user: pick(users), occurredAt: new Date(base + Math.floor(rnd() * 20 * 86_400_000)) })));
    }
    const TABLES = [...ROLLUP_TABLES, ...CREDIT_ROLLUP_TABLES];
    const incremental: Record<string, string[]> = {};
    for (const t of TABLES) incremental[t] = await table(db, t, w2);
    // Grid rows per month, and the free test rows used (at most 5 a month), from what was sent.
    const stored = new Map<string, InteractionInput>();
    for (const e of sent) if (!stored.has(e.id)) stored.set(e.id, e);
    const gridByMonth = new Map<string, number>();
    for (const e of stored.values()) {
      if (e.billable?.category !== 'grid') continue;
      const month = dayOf(e.occurredAt, 'America/Chicago').slice(0, 7);
      gridByMonth.set(month, (gridByMonth.get(month) ?? 0) + e.billable.units);
    }
    const monthly = await db('credit_monthly').where({ workspace_id: w2 }).orderBy('month');
    const gridRows = monthly.filter((m) => Number(m.grid_rows) > 0).map((m) => [m.month, Number(m.grid_rows), Number(m.grid_free_rows)]);
    expect(gridRows).to.deep.equal([...gridByMonth.entries()].sort().map(([m, n]) => [m, n, Math.min(n, FREE_ROWS)]));
    expect(monthly.some((m) => Number(m.payg_credits) > 0), 'PAYG was used').to.equal(true);
    expect(monthly.some((m) => Number(m.overage_credits) > 0), 'overage was charged').to.equal(true);
    expect(incremental.rollup_daily_user_credits.length).to.be.greaterThan(10);
    expect(incremental.rollup_daily.length).to.be.greaterThan(10);
    expect(incremental.login_days.length).to.be.greaterThan(5);
    expect(incremental.rollup_daily_credits.length).to.be.greaterThan(0);
    expect(incremental.rollup_monthly_user_agent.length).to.be.greaterThan(0);
    // Corrupt the credit tables, then rebuild everything with the one command's function.
    await db('credit_monthly').where({ workspace_id: w2 }).update({ grid_rows: 999, grid_free_rows: 999, payg_credits: 1 });
    await db('rollup_daily_user_credits').where({ workspace_id: w2 }).delete();
    await rebuildRollups(db, w2);
    for (const t of TABLES) expect(await table(db, t, w2), t).to.deep.equal(incremental[t]);
    // the same in lanes (a bulk load's or a maintenance window's rebuild: two connections, MySQL)
    await db('credit_monthly').where({ workspace_id: w2 }).update({ grid_rows: 7, payg_credits: 3 });
    await db('rollup_monthly_user').where({ workspace_id: w2 }).delete();
    await db('user_totals').where({ workspace_id: w2 }).update({ interactions: 0 });
    await rebuildRollups(db, w2, { lanes: 2 });
    for (const t of TABLES) expect(await table(db, t, w2), `${t} (lanes)`).to.deep.equal(incremental[t]);
    // and the first workspace's rollups were left alone by the rebuild of the second
    expect(await dailyTotal('2026-02-10')).to.deep.equal({ n: 3, tokens: 145 });
  });

  it('a 1000-event batch is written with multi-row statements, not row by row', async () => {
    // 1000 events: 2 users x 10 days x 5 surfaces x 2 models (10 events each), i prompt tokens, 1 completion.
    const surfaces = ['chat', 'agent', 'grid', 'api', 'ask'];
    const events: InteractionInput[] = Array.from({ length: 1000 }, (_, i) =>
      ev(`bulk-${i}`, i % 2 ? 'bob@wp.test' : 'ann@wp.test', `2026-04-${String(1 + (i % 10)).padStart(2, '0')}T15:${String(i % 60).padStart(2, '0')}:00Z`, {
        surface: surfaces[Math.floor(i / 10) % 5],
        model: i % 3 ? 'm-a' : 'm-b',
        promptTokens: i,
        completionTokens: 1,
      }),
    );
    const statements: string[] = [];
    const listen = (q: { sql: string }) => statements.push(q.sql);
    db.on('query', listen);
    let r;
    try {
      r = await recordInteractions(db, ws, events);
    } finally {
      db.removeListener('query', listen);
    }
    expect(r.accepted).to.equal(1000);
    const inserts = (table: string) => statements.filter((q) => new RegExp(`^insert into [\`"]${table}[\`"]`, 'i').test(q)).length;
    // Raw rows: one statement per chunk of the engine's bound-parameter limit (1000 rows on MySQL;
    // SQLite's 999-parameter limit allows a few dozen rows of ~25 columns per statement).
    expect(inserts('interactions')).to.be.within(1, 40);
    // Every rollup table: one upsert statement for all its rows (at most 100 distinct rows here).
    for (const t of ['rollup_daily', 'rollup_daily_model', 'rollup_daily_user', 'rollup_monthly_user', 'rollup_monthly_user_surface']) expect(inserts(t), t).to.equal(1);
    // Row by row would take well over 1000 statements.
    expect(statements.length).to.be.below(100);
    // And the totals are right: 0 + 1 + ... + 999 prompt tokens plus 1000 completion tokens, over 10 days.
    const rows = await db('rollup_daily').where({ workspace_id: ws }).whereBetween('day', ['2026-04-01', '2026-04-10']);
    expect(rows.reduce((a: number, x: { total_tokens: number }) => a + Number(x.total_tokens), 0)).to.equal((999 * 1000) / 2 + 1000);
    expect(rows.length).to.equal(10 * 5);
  });
});

