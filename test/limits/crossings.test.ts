// Limit crossings found by the set-wise pass (src/limits/crossings.ts): every layer and period of the
// limits fixture, a shared budget announced once for its group, a limit met exactly is not crossed,
// a second pass announces nothing, and the periodic job finds what no pass after a batch saw.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { closeAll } from '../helpers/db';
import { createTestApp, type TestApp } from '../helpers/app';
import { recordInteractions } from '../../src/ingest/write-path';
import { checkWorkspaceCrossings } from '../../src/limits/crossings';
import { registeredJobs, runJobOnce } from '../../src/jobs/scheduler';
import { NOW, ev, limitsWorld, policy } from './fixture';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { insertPolicy } from '../../src/limits/queries';

describe('limits: crossings found by the set-wise pass', () => {
  let t: TestApp;
  let db: Knex;
  let w: Awaited<ReturnType<typeof limitsWorld>>;

  before(async () => {
    t = await createTestApp();
    db = t.db;
    w = await limitsWorld(db);
  });
  after(closeAll);

  const crossings = async () =>
    ((await db('limit_crossings').select('limit_key', 'subject', 'period_start', 'used', 'amount', 'mode').where({ workspace_id: w.ws.id }).orderBy('id')) as any[]).map(
      (r) => `${r.limit_key} ${r.subject} ${String(r.period_start).slice(0, 10)} ${Number(r.used)}/${Number(r.amount)} ${r.mode}`,
    );
  const record = async (...events: ReturnType<typeof ev>[]) => {
    const r = await recordInteractions(db, w.ws.id, events);
    expect(r.rejected).to.deep.equal([]);
  };

  it('the fixture as it stands: only bob is past a limit (4,000 of his group per-member 3,000, soft)', async () => {
    expect(await checkWorkspaceCrossings(db, w.ws.id, NOW)).to.equal(1);
    expect(await crossings()).to.deep.equal([`policy:${w.P.engMember} user:${w.ids.bob} 2026-03-01 4000/3000 soft`]);
  });

  it('day, week and shared-budget crossings; a limit met exactly is not crossed; each is announced once', async () => {
    await record(
      ev(w.email('ada'), '2026-03-10T17:00:00Z', 500), // ada today 600 + 500 = 1,100 > her day limit 1,000 (hard)
      ev(w.email('fay'), '2026-03-09T16:00:00Z', 501, 'embedding'), // fay this week 501 > workspace default 500 (hard)
      ev(w.email('eve'), '2026-03-06T16:00:00Z', 2000), // Engineering this month: ada 2,100 + bob 4,000 + eve 2,100 = 8,200 > 8,000 shared (hard)
      ev(w.email('cy'), '2026-03-04T16:00:00Z', 5000), // cy exactly at her 5,000 allocation: not crossed
    );
    expect(await checkWorkspaceCrossings(db, w.ws.id, NOW)).to.equal(3);
    expect((await crossings()).slice(1)).to.have.members([
      `policy:${w.P.adaDay} user:${w.ids.ada} 2026-03-10 1100/1000 hard`,
      `policy:${w.P.wsEmbeddingWeek} user:${w.ids.fay} 2026-03-09 501/500 hard`,
      `policy:${w.P.engShared} group:${w.groups.eng} 2026-03-01 8200/8000 hard`,
    ]);
    // admins hear of all four; the three users whose own limit it is hear of theirs; the group's members do not
    const notes = await db('notifications').where({ workspace_id: w.ws.id }).where('kind', 'like', 'limits.crossed%');
    expect(notes.filter((n: any) => n.recipient_user_id == null)).to.have.length(4);
    expect(notes.filter((n: any) => n.recipient_user_id != null).map((n: any) => Number(n.recipient_user_id))).to.have.members([w.ids.bob, w.ids.ada, w.ids.fay]);
    expect(notes.some((n: any) => /Group Engineering/.test(n.title))).to.equal(true);
    // nothing changed: nothing new, however often it runs
    expect(await checkWorkspaceCrossings(db, w.ws.id, NOW)).to.equal(0);
    expect(await crossings()).to.have.length(4);
  });

  it('the periodic job announces usage no pass after a batch looked at (a process that stopped first)', async () => {
    // written with no pass scheduled, at the real time (the job runs at the real time): cy 5,001 this
    // month > her 5,000 allocation (soft)
    await record({ ...ev(w.email('cy'), new Date(Date.now() - 1000).toISOString(), 5001), id: 'job-now-1' });
    const job = registeredJobs().find((j) => j.name === 'limit-crossings');
    expect(job, 'the limit-crossings job is registered by the app').to.not.equal(undefined);
    const before = (await crossings()).length;
    expect(await runJobOnce(t.ctx, job!)).to.equal(true);
    const after = await crossings();
    expect(after).to.have.length(before + 1);
    expect(after.at(-1)).to.match(new RegExp(`^allocation:inference user:${w.ids.cy} \\d{4}-\\d{2}-01 5001/5000 soft$`));
    expect(await runJobOnce(t.ctx, job!)).to.equal(true);
    expect(await crossings()).to.have.length(before + 1);
  });

  it('a revoked user is never announced, and another workspace is not looked at', async () => {
    const gus = await createUser(db, w.ws.id, { email: w.email('gus') });
    await record(ev(w.email('gus'), '2026-03-10T15:00:00Z', 10_001)); // over the workspace default 10,000 (hard)
    await db('users').where({ id: gus }).update({ status: 'revoked' });
    const other = await createWorkspace(db, { slug: 'lim2', name: 'Other Co', time_zone: 'America/Chicago' });
    await createUser(db, other.id, { email: 'zed@other.test' });
    await insertPolicy(db, other.id, policy({ scope: 'workspace', metric: 'inference', period: 'month', amount: 1, mode: 'hard' }), null);
    expect((await recordInteractions(db, other.id, [ev('zed@other.test', '2026-03-10T15:00:00Z', 100)])).rejected).to.deep.equal([]);
    expect(await checkWorkspaceCrossings(db, w.ws.id, NOW)).to.equal(0);
    expect(await db('limit_crossings').where({ workspace_id: other.id })).to.have.length(0);
    expect(await checkWorkspaceCrossings(db, other.id, NOW)).to.equal(1);
  });
});
