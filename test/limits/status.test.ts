// The one definition of where users stand, read set-wise: period usage of every user of a workspace
// in one grouped read per period and rollup (never per user), the same figures by id for a page,
// the whole-workspace read cached until new usage arrives, and the scheduled report's "near" being
// the same 80 % as every page's.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { closeAll, freshDb } from '../helpers/db';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { periodUsageByUser, type UsageNeed } from '../../src/limits/queries';
import { clearLimitsCache } from '../../src/limits/service';
import { standings, type LimitedUser } from '../../src/limits/status';
import { recordInteractions } from '../../src/ingest/write-path';
import { buildDigest } from '../../src/digests/digest';
import { NEAR_SHARE, projectedUse, stateOf } from '../../src/domain/limits';

const ALL: UsageNeed[] = ['day', 'week', 'month'].flatMap((p) => ['inference', 'embedding', 'credits'].map((m) => `${p}:${m}` as UsageNeed));

describe('limits: standings read set-wise', () => {
  let db: Knex;
  let ws: number;
  let other: number;
  // Wednesday 18 November 2026 (Chicago): week 16-22 November
  const today = '2026-11-18';

  before(async () => {
    db = await freshDb();
    ws = (await createWorkspace(db, { slug: 'st', time_zone: 'America/Chicago' })).id;
    other = (await createWorkspace(db, { slug: 'stx', time_zone: 'America/Chicago' })).id;
    const daily = (w: number, day: string, user: number, kind: string, t: number) => ({ workspace_id: w, day, user_id: user, token_kind: kind, interactions: 1, iq_interactions: 0, total_tokens: t });
    await db('rollup_daily_user').insert([
      daily(ws, '2026-11-18', 1001, 'inference', 10), // today
      daily(ws, '2026-11-16', 1001, 'inference', 20), // Monday: this week
      daily(ws, '2026-11-15', 1001, 'inference', 40), // Sunday: last week, this month
      daily(ws, '2026-11-18', 1001, 'embedding', 5),
      daily(ws, '2026-11-17', 1002, 'inference', 7),
      daily(other, '2026-11-18', 1001, 'inference', 1000), // another workspace (same user id: never mixed in)
    ]);
    const monthly = (w: number, user: number, kind: string, t: number) => ({ workspace_id: w, month: '2026-11', user_id: user, token_kind: kind, interactions: 1, iq_interactions: 0, prompt_tokens: t, completion_tokens: 0, total_tokens: t });
    await db('rollup_monthly_user').insert([monthly(ws, 1001, 'inference', 70), monthly(ws, 1001, 'embedding', 5), monthly(ws, 1002, 'inference', 7), monthly(ws, 1003, 'inference', 99), monthly(other, 1001, 'inference', 1000)]);
    await db('rollup_monthly_user').insert({ ...monthly(ws, 1001, 'inference', 500), month: '2026-10' }); // last month
    const credits = (w: number, day: string, user: number, category: string, c: number) => ({ workspace_id: w, day, user_id: user, category, events: 1, credits: c, overage_credits: 0 });
    await db('rollup_daily_user_credits').insert([
      credits(ws, '2026-11-18', 1001, 'grid', 3),
      credits(ws, '2026-11-18', 1001, 'agents', 4), // two categories on one day: summed
      credits(ws, '2026-11-16', 1002, 'api', 6),
      credits(ws, '2026-11-02', 1002, 'api', 8), // this month, an earlier week
      credits(other, '2026-11-18', 1002, 'api', 1000),
    ]);
  });
  after(closeAll);

  it('sums each period for every user of the workspace, one grouped read per period and table', async () => {
    const queries: string[] = [];
    const onQuery = (q: { sql: string }) => queries.push(q.sql);
    db.on('query', onQuery);
    const all = await periodUsageByUser(db, ws, today, ALL);
    db.off('query', onQuery);
    expect(Object.fromEntries(all)).to.deep.equal({
      1001: { day: { inference: 10, embedding: 5, credits: 7 }, week: { inference: 30, embedding: 5, credits: 7 }, month: { inference: 70, embedding: 5, credits: 7 } },
      1002: { day: { inference: 0, embedding: 0, credits: 0 }, week: { inference: 7, embedding: 0, credits: 6 }, month: { inference: 7, embedding: 0, credits: 14 } },
      1003: { day: { inference: 0, embedding: 0, credits: 0 }, week: { inference: 0, embedding: 0, credits: 0 }, month: { inference: 99, embedding: 0, credits: 0 } },
    });
    // 3 periods x (tokens, credits), whatever the number of users
    expect(queries).to.have.length(6);
    // by id: the same figures for those users only
    const some = await periodUsageByUser(db, ws, today, ALL, [1002, 1003]);
    expect(Object.fromEntries(some)).to.deep.equal({ 1002: all.get(1002), 1003: all.get(1003) });
    // only what is needed is read
    queries.length = 0;
    db.on('query', onQuery);
    const month = await periodUsageByUser(db, ws, today, ['month:inference']);
    db.off('query', onQuery);
    expect(queries).to.have.length(1);
    expect(month.get(1001)).to.deep.include({ month: { inference: 70, embedding: 0, credits: 0 }, week: { inference: 0, embedding: 0, credits: 0 } });
  });

  it('a whole workspace is read once and cached until new usage arrives; a page is read by id', async () => {
    clearLimitsCache(db);
    const ada = await createUser(db, ws, { email: 'ada@st.test', maxInferenceTokens: 100 });
    // 250 users with a monthly allocation of 100: more than a page, so the workspace is read whole
    const users: LimitedUser[] = Array.from({ length: 250 }, (_, i) => ({ id: 1001 + i, email: `u${i}@st.test`, status: 'active', max_inference_tokens: 100, max_embedding_tokens: 0 }));
    users.push({ id: 9999, email: 'gone@st.test', status: 'revoked', max_inference_tokens: 100, max_embedding_tokens: 0 });
    users.push({ id: ada, email: 'ada@st.test', status: 'active', max_inference_tokens: 100, max_embedding_tokens: 0 });
    const now = new Date('2026-11-18T18:00:00Z');
    const rollupReads: string[] = [];
    // the data version's look at rollup_pending is not a read of usage
    const onQuery = (q: { sql: string }) => /rollup_(?!pending)/.test(q.sql) && rollupReads.push(q.sql);
    db.on('query', onQuery);
    const first = await standings(db, ws, users, now);
    const again = await standings(db, ws, users, now);
    db.off('query', onQuery);
    expect(rollupReads).to.have.length(1); // month:inference once; the second call is served from the cache
    expect(first.size).to.equal(251); // the revoked user has no standing
    expect(first.has(9999)).to.equal(false);
    // user 1001: 70 of 100 (70 %), projected 70 / 18 x 30 = 117: on track to exceed; 1003: 99 %: near
    expect(first.get(1001)!.standing).to.deep.include({ state: 'on_track_to_exceed', topShare: 0.7 });
    expect(first.get(1001)!.standing.worst).to.deep.include({ used: 70, projected: 117 });
    expect(first.get(1003)!.standing.state).to.equal('near');
    expect(first.get(1004)!.standing).to.deep.include({ state: 'within', topShare: 0 });
    expect(again.get(1003)!.standing.state).to.equal('near');
    // new usage in this workspace: read again
    const r = await recordInteractions(db, ws, [{ id: 'st-1', user: 'ada@st.test', occurredAt: new Date('2026-11-18T15:00:00Z'), kind: 'inference', model: 'm', promptTokens: 101, completionTokens: 0 }]);
    expect(r.rejected).to.deep.equal([]);
    const after = await standings(db, ws, users, now);
    expect(after.get(ada)!.standing).to.deep.include({ state: 'over' });
    // a page of users: read by id (not cached), same answer
    const page = await standings(db, ws, users.slice(0, 3), now);
    expect([...page.keys()]).to.deep.equal([1001, 1002, 1003]);
    expect(page.get(1001)!.standing.state).to.equal('on_track_to_exceed');
  });

  it('the definitions: near from 80 %, exactly at the limit is not over, the projection counts today', () => {
    expect(NEAR_SHARE).to.equal(0.8);
    expect(stateOf(100, 100, 100)).to.equal('near');
    expect(stateOf(79, 100, 101)).to.equal('on_track_to_exceed');
    // 10 on the first day of a 30-day period: 300 projected; on the last day: as used
    expect(projectedUse(10, '2026-11-01', '2026-11-01', '2026-11-30')).to.equal(300);
    expect(projectedUse(10, '2026-11-30', '2026-11-01', '2026-11-30')).to.equal(10);
  });

  it('the scheduled report lists users near or over their allocation from the same 80 %', async () => {
    const w = (await createWorkspace(db, { slug: 'dg', time_zone: 'America/Chicago' })).id;
    await createUser(db, w, { email: 'eighty@dg.test', maxInferenceTokens: 1000 });
    await createUser(db, w, { email: 'seventynine@dg.test', maxInferenceTokens: 1000 });
    await createUser(db, w, { email: 'over@dg.test', maxInferenceTokens: 1000 });
    const ev = (user: string, tokens: number) => ({ id: `dg-${user}`, user, occurredAt: new Date('2026-10-14T15:00:00Z'), kind: 'inference' as const, model: 'm', promptTokens: tokens, completionTokens: 0 });
    const r = await recordInteractions(db, w, [ev('eighty@dg.test', 800), ev('seventynine@dg.test', 799), ev('over@dg.test', 1200)]);
    expect(r.rejected).to.deep.equal([]);
    const d = await buildDigest(db, w, 'monthly', { from: '2026-10-01', to: '2026-10-31' }, new Date('2026-11-01T06:00:00Z'));
    expect(d.allocation.map((u) => [u.email, u.percent])).to.deep.equal([
      ['over@dg.test', 120],
      ['eighty@dg.test', 80],
    ]);
  });
});
