// The decision by hand: layers, exact edges, the Chicago week boundary at DST, expiry. Both engines
// (usage is read from the rollups the real write path upkeeps).
import { expect } from 'chai';
import type { Knex } from 'knex';
import { closeAll, freshDb } from '../helpers/db';
import { authorize } from '../../src/limits/authorize';
import { insertPolicy } from '../../src/limits/queries';
import { periodBounds } from '../../src/limits/decide';
import { createUser } from '../helpers/fixtures';
import { recordInteractions } from '../../src/ingest/write-path';
import { ev, limitsWorld, NOW, policy } from './fixture';

describe('limits: the decision', () => {
  let db: Knex;
  let w: Awaited<ReturnType<typeof limitsWorld>>;
  before(async () => {
    db = await freshDb();
    w = await limitsWorld(db);
  });
  after(closeAll);

  const ask = (who: string, body: Record<string, unknown>, now = NOW) => authorize(db, w.ws.id, { user: w.email(who), ...body } as any, now);
  const inf = (n: number) => ({ tokens: { inference: n } });

  it('periods: weeks start on Monday, months on the 1st', () => {
    expect(periodBounds('2026-03-10', 'week')).to.deep.equal({ start: '2026-03-09', end: '2026-03-15' });
    expect(periodBounds('2026-03-08', 'week')).to.deep.equal({ start: '2026-03-02', end: '2026-03-08' });
    expect(periodBounds('2026-02-10', 'month')).to.deep.equal({ start: '2026-02-01', end: '2026-02-28' });
  });

  it('lists every layer that applies to ada with used and remaining computed from the fixture', async () => {
    const r = await ask('ada', inf(0));
    expect(r.decision).to.equal('allow');
    expect(r.reasons).to.deep.equal([]);
    expect(r.limits).to.deep.equal([
      // user override beats the group and the workspace for the daily limit; 600 today
      { scope: 'user', name: 'ada@lim.test', metric: 'inference', period: 'day', limit: 1000, used: 600, remaining: 400, mode: 'hard', source: 'user_override', expires_at: null },
      // no user override for the month: Engineering's per-member limit wins over the workspace default; 600 + 1000 in March
      { scope: 'group', name: 'Engineering', metric: 'inference', period: 'month', limit: 3000, used: 1600, remaining: 1400, mode: 'soft', source: 'group_member', expires_at: null },
      // Engineering's shared budget on top: ada 1600 + bob 4000 + eve 100
      { scope: 'group', name: 'Engineering', metric: 'inference', period: 'month', limit: 8000, used: 5700, remaining: 2300, mode: 'hard', source: 'group_budget', expires_at: null },
      // workspace default for embedding per week: only the 300 from Monday 00:00 CDT
      { scope: 'workspace', name: 'Limits Co', metric: 'embedding', period: 'week', limit: 500, used: 300, remaining: 200, mode: 'hard', source: 'workspace_default', expires_at: null },
    ]);
  });

  it('allows exactly up to a hard limit and denies one token past it', async () => {
    expect((await ask('ada', inf(400))).decision).to.equal('allow'); // 600 + 400 = 1000
    const over = await ask('ada', inf(401));
    expect(over.decision).to.equal('deny');
    expect(over.reasons).to.have.length(1);
    expect(over.reasons[0]).to.match(/Hard limit.*user override.*600 used \+ 401 requested = 1,001 inference tokens, over the limit of 1,000/);
  });

  it('counts the week from Monday 00:00 in Chicago after the DST change', async () => {
    expect((await ask('ada', { tokens: { embedding: 200 } })).decision).to.equal('allow'); // 300 + 200
    expect((await ask('ada', { tokens: { embedding: 201 } })).decision).to.equal('deny');
    // one second before the week turned (Sunday 23:59:59 CDT): the 400 of Sunday count, the 300 of Monday not yet
    const sunday = new Date('2026-03-09T04:59:59Z');
    const r = await ask('ada', { tokens: { embedding: 100 } }, sunday);
    expect(r.limits.find((l) => l.metric === 'embedding')).to.include({ used: 400, remaining: 100 });
    expect(r.decision).to.equal('allow');
    expect((await ask('ada', { tokens: { embedding: 101 } }, sunday)).decision).to.equal('deny');
    // and at 05:00:00 UTC exactly, the new week holds only Monday's 300
    const monday = await ask('ada', { tokens: { embedding: 200 } }, new Date('2026-03-09T05:00:00Z'));
    expect(monday.limits.find((l) => l.metric === 'embedding')).to.include({ used: 300 });
    expect(monday.decision).to.equal('allow');
  });

  it('a month starts at local midnight: 23:59:59 CST on 28 February is last month', async () => {
    // 00:00 CST on 1 March: March holds 600 + 1000 (the fixture's later March usage), none of February's 550
    const r = await ask('ada', inf(0), new Date('2026-03-01T06:00:00Z'));
    expect(r.limits.find((l) => l.source === 'group_member')).to.include({ used: 1600 });
    const feb = await ask('ada', inf(0), new Date('2026-03-01T05:59:59Z'));
    expect(feb.limits.find((l) => l.source === 'group_member')).to.include({ used: 550 }); // 500 + 50
  });

  it('soft limits warn and allow; the shared group budget denies past it', async () => {
    const one = await ask('bob', inf(1)); // bob 4000 + 1 > 3000 (soft); group 5701 <= 8000
    expect(one.decision).to.equal('allow_with_warning');
    expect(one.reasons[0]).to.match(/Soft limit exceeded.*group Engineering/);
    expect((await ask('bob', inf(2300))).decision).to.equal('allow_with_warning'); // group exactly 8000
    const deny = await ask('bob', inf(2301));
    expect(deny.decision).to.equal('deny');
    expect(deny.reasons.join(' ')).to.match(/Hard limit.*Engineering budget \(shared\).*8,001/);
  });

  it('a member of two groups gets the more generous per-member limit', async () => {
    const r = await ask('eve', inf(2300));
    expect(r.limits.map((l) => [l.source, l.name, l.limit])).to.deep.equal([
      ['group_member', 'Research', 6000],
      ['group_budget', 'Engineering', 8000],
      ['workspace_default', 'Limits Co', 500], // embedding per week
    ]);
    expect(r.decision).to.equal('allow'); // Research 100 + 2300; Engineering 5700 + 2300 = 8000
  });

  it("the user's allocation is the user layer (monthly, soft) and beats the workspace default", async () => {
    const r = await ask('cy', inf(5001));
    expect(r.limits.map((l) => l.source)).to.deep.equal(['user_allocation', 'workspace_default']); // + embedding/week
    expect(r.limits[0]).to.include({ source: 'user_allocation', limit: 5000, mode: 'soft', scope: 'user' });
    expect(r.decision).to.equal('allow_with_warning');
  });

  it('the workspace default applies to everyone else', async () => {
    expect((await ask('fay', inf(10_000))).decision).to.equal('allow');
    expect((await ask('fay', inf(10_001))).decision).to.equal('deny');
  });

  it('denies revoked and unknown users with a reason', async () => {
    const dee = await ask('dee', inf(1));
    expect(dee).to.deep.equal({ decision: 'deny', reasons: ['dee@lim.test has been revoked from this workspace.'], limits: [] });
    const nobody = await ask('nobody', inf(1));
    expect(nobody.decision).to.equal('deny');
    expect(nobody.reasons[0]).to.match(/Unknown user.*nobody@lim\.test/);
  });

  it('the 25-hour day of the November DST change is one day: every hour of it counts, and only it', async () => {
    const gus = await createUser(db, w.ws.id, { email: w.email('gus') });
    await insertPolicy(db, w.ws.id, policy({ scope: 'user', userId: gus, metric: 'inference', period: 'day', amount: 1000, mode: 'hard' }), null);
    const r = await recordInteractions(db, w.ws.id, [
      ev(w.email('gus'), '2026-11-01T04:59:59Z', 1), // 23:59:59 CDT on 31 October: the day before
      ev(w.email('gus'), '2026-11-01T05:00:00Z', 100), // 00:00 CDT on 1 November
      ev(w.email('gus'), '2026-11-01T06:30:00Z', 200), // 01:30 CDT
      ev(w.email('gus'), '2026-11-01T07:30:00Z', 300), // 01:30 CST, the repeated hour
      ev(w.email('gus'), '2026-11-02T05:59:59Z', 400), // 23:59:59 CST: still 1 November
      ev(w.email('gus'), '2026-11-02T06:00:00Z', 7), // 00:00 CST on 2 November
    ]);
    expect(r.rejected).to.deep.equal([]);
    const late = new Date('2026-11-02T05:59:59Z');
    const nov1 = await ask('gus', inf(0), late);
    expect(nov1.limits[0]).to.include({ period: 'day', used: 1000, remaining: 0 }); // 100 + 200 + 300 + 400
    expect((await ask('gus', inf(0), late)).decision).to.equal('allow'); // exactly at the limit
    expect((await ask('gus', inf(1), late)).decision).to.equal('deny');
    const nov2 = await ask('gus', inf(993), new Date('2026-11-02T06:00:00Z'));
    expect(nov2.limits[0]).to.include({ used: 7 });
    expect(nov2.decision).to.equal('allow'); // 7 + 993
  });

  it('a temporary boost applies until it expires, then the layer below takes over by itself', async () => {
    const until = new Date(NOW.getTime() + 3600_000);
    await insertPolicy(db, w.ws.id, policy({ scope: 'user', userId: w.ids.fay, metric: 'inference', period: 'month', amount: 20_000, mode: 'hard', expiresAt: until }), null);
    const during = await ask('fay', inf(15_000));
    expect(during.decision).to.equal('allow');
    expect(during.limits[0]).to.include({ source: 'user_override', limit: 20_000, expires_at: until.toISOString() });
    const after = await ask('fay', inf(15_000), new Date(until.getTime()));
    expect(after.decision).to.equal('deny');
    expect(after.limits[0]).to.include({ source: 'workspace_default', limit: 10_000 });
  });
});
