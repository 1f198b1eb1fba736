// Limit reports by hand from the fixture: the status of each user (over, near, on track to exceed,
// within) and the per-group showback with its CSV in the data dictionary.
import { expect } from 'chai';
import type { Knex } from 'knex';
import type { Express } from 'express';
import { closeAll, freshDb } from '../helpers/db';
import { createTestApp, loginAs } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { groupShowback, limitStatuses } from '../../src/limits/reports';
import { stateOf } from '../../src/domain/limits';
import { monthOf } from '../../src/db/time';
import { limitsWorld, NOW } from './fixture';

describe('limits: reports', () => {
  let db: Knex;
  let app: Express;
  let w: Awaited<ReturnType<typeof limitsWorld>>;
  before(async () => {
    db = await freshDb();
    w = await limitsWorld(db);
    ({ app } = await createTestApp({ db }));
  });
  after(closeAll);

  it('states: over beats near beats on track to exceed', () => {
    expect(stateOf(101, 100, 101)).to.equal('over');
    expect(stateOf(100, 100, 300)).to.equal('near'); // exactly at the limit is not over
    expect(stateOf(80, 100, 80)).to.equal('near');
    expect(stateOf(79, 100, 101)).to.equal('on_track_to_exceed');
    expect(stateOf(79, 100, 100)).to.equal('within');
  });

  it('each user by the limit they are closest to (10 of 31 days of March, 2 of 7 days of the week gone)', async () => {
    const rows = await limitStatuses(db, w.ws.id, NOW);
    const by = Object.fromEntries(rows.map((r) => [r.email.split('@')[0], [r.state, r.limit.metric, r.limit.period, r.used, r.projected]]));
    expect(by).to.deep.equal({
      // embedding/week 300 of 500 (60 %), projected 300 / 2 x 7 = 1,050; (inference/month 1,600 of 3,000 is 53 %)
      ada: ['on_track_to_exceed', 'embedding', 'week', 300, 1050],
      bob: ['over', 'inference', 'month', 4000, 12400], // 4,000 of 3,000 (Engineering per member); 4,000 / 10 x 31
      eve: ['within', 'inference', 'month', 100, 310], // Research 6,000
      cy: ['within', 'inference', 'month', 0, 0], // allocation 5,000 and the weekly embedding default, both unused: the first listed wins the tie
      fay: ['within', 'inference', 'month', 0, 0], // the workspace default 10,000
      admin: ['within', 'inference', 'month', 0, 0],
    });
  });

  it('showback per group and month, with the shared budget', async () => {
    const rows = await groupShowback(db, w.ws.id, 12, NOW);
    expect(rows).to.have.length(24); // 2 groups x 12 months
    const at = (group: string, month: string) => rows.find((r) => r.group === group && r.month === month)!;
    expect(at('Engineering', '2026-03')).to.deep.include({ members: 3, inference_tokens: 5700, embedding_tokens: 700, credits: 0, inference_budget: 8000, embedding_budget: null });
    expect(at('Engineering', '2026-02')).to.deep.include({ inference_tokens: 550, embedding_tokens: 0 });
    expect(at('Research', '2026-03')).to.deep.include({ members: 1, inference_tokens: 100, inference_budget: null });
    expect(rows[0].month).to.equal('2026-03');
    expect(rows[11].month).to.equal('2025-04');
  });

  it('the status page filters and sorts; the showback CSV downloads (audited) and is in the data dictionary', async () => {
    const admin = await loginAs(app, w.email('admin'), PASSWORD);
    const status = await admin.get('/admin/settings/limits/status?state=all&sort=name');
    expect(status.status).to.equal(200);
    expect((await admin.get('/admin/settings/limits/status?state=bogus')).status).to.equal(400);
    const csv = await admin.get('/admin/settings/limits/showback.csv');
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.equal('text/csv; charset=utf-8');
    const lines = csv.text.trim().split('\r\n').map((l) => l.replace(/"/g, ''));
    expect(lines[0]).to.equal('group,month,members,inference_tokens,embedding_tokens,credits,inference_budget,embedding_budget,credits_budget');
    expect(lines).to.have.length(1 + 24);
    // the newest month first: this month, in which the fixture (March 2026) has no usage
    expect(lines[1]).to.equal(`Engineering,${monthOf(new Date(), 'America/Chicago')},3,0,0,0,8000,,`);
    expect(await db('audit_log').where({ workspace_id: w.ws.id, action: 'export.download', target_id: 'group-showback' })).to.have.length(1);
    const dict = await admin.get('/admin/data-dictionary');
    expect(dict.text).to.contain('group-showback.csv').and.contain('inference_budget');
  });
});
