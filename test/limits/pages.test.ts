// The Limits page (add, edit, remove — audited with before/after; another workspace's ids 404) and
// /me (every limit with used, remaining and projection; a temporary increase asked, approved with
// another expiry by an admin, applied by authorize and reverting by itself).
import { expect } from 'chai';
import type { Knex } from 'knex';
import type { Express } from 'express';
import { closeAll } from '../helpers/db';
import { createTestApp, loginAs } from '../helpers/app';
import { PASSWORD, twoWorkspaces } from '../helpers/fixtures';
import { upsertGroup } from '../../src/ingest/roster';
import { recordInteractions } from '../../src/ingest/write-path';
import { authorize } from '../../src/limits/authorize';
import { dayOf, startOfDayUtc } from '../../src/db/time';
import { periodBounds } from '../../src/limits/decide';
import { utcToLocalInput } from '../../src/limits/forms';

describe('limits: admin page and /me', () => {
  let db: Knex;
  let app: Express;
  let w: Awaited<ReturnType<typeof twoWorkspaces>>;
  let eng: number;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  let member: Awaited<ReturnType<typeof loginAs>>;
  let other: Awaited<ReturnType<typeof loginAs>>;
  before(async () => {
    ({ db, app } = await createTestApp());
    w = await twoWorkspaces(db);
    eng = (await upsertGroup(db, w.a.id, { externalId: 'eng', name: 'Engineering', members: ['member@alpha.test'] })).id;
    // one sign-in per person for the whole file
    admin = await loginAs(app, 'admin@alpha.test', PASSWORD);
    member = await loginAs(app, 'member@alpha.test', PASSWORD);
    other = await loginAs(app, 'admin@beta.test', PASSWORD);
  });
  after(closeAll);

  const audits = (action: string) => db('audit_log').where({ workspace_id: w.a.id, action }).orderBy('id');

  it('adds, edits and removes a limit, auditing before and after', async () => {
    const add = await admin.post('/admin/settings/limits').type('form').send({ _csrf: admin.csrf, layer: 'group_member', group_id: String(eng), metric: 'inference', period: 'month', amount: '500,000', mode: 'hard', note: 'team' });
    expect(add.status).to.equal(303);
    const [p] = await db('limit_policies').where({ workspace_id: w.a.id });
    expect(p).to.include({ scope: 'group', applies_to: 'member', metric: 'inference', period: 'month', mode: 'hard', group_id: eng });
    expect(Number(p.amount)).to.equal(500_000);
    const created = await audits('limit.create');
    expect(JSON.parse(created[0].after_json)).to.include({ group: 'Engineering', amount: 500_000, mode: 'hard' });

    const page = await admin.get('/admin/settings/limits');
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('Engineering').and.contain('500,000');

    const edit = await admin.post(`/admin/settings/limits/${p.id}`).type('form').send({ _csrf: admin.csrf, layer: 'group_member', group_id: String(eng), metric: 'inference', period: 'month', amount: '600000', mode: 'soft', expires_at: '2099-01-31T17:00' });
    expect(edit.status).to.equal(303);
    const [u] = await audits('limit.update');
    expect(JSON.parse(u.before_json)).to.include({ amount: 500_000, mode: 'hard', expires_at: null });
    // 17:00 in Chicago (CST, UTC-6) on 31 January
    expect(JSON.parse(u.after_json)).to.include({ amount: 600_000, mode: 'soft', expires_at: '2099-01-31T23:00:00.000Z' });

    const bad = await admin.post('/admin/settings/limits').type('form').send({ _csrf: admin.csrf, layer: 'user', user_email: 'nobody@alpha.test', metric: 'credits', period: 'day', amount: '-3', mode: 'hard' });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.contain('Enter a whole number');

    // another workspace's admin cannot see or touch it
    expect((await other.get(`/admin/settings/limits?edit=${p.id}`)).status).to.equal(404);
    const editForm = await admin.get(`/admin/settings/limits?edit=${p.id}`);
    expect(editForm.status).to.equal(200);
    expect(editForm.text).to.contain(`action="/admin/settings/limits/${p.id}"`).and.contain('value="600000"');
    expect((await other.post(`/admin/settings/limits/${p.id}/delete`).type('form').send({ _csrf: other.csrf })).status).to.equal(404);

    const del = await admin.post(`/admin/settings/limits/${p.id}/delete`).type('form').send({ _csrf: admin.csrf });
    expect(del.status).to.equal(303);
    expect(await db('limit_policies').where({ workspace_id: w.a.id })).to.have.length(0);
    const [d] = await audits('limit.delete');
    expect(JSON.parse(d.before_json)).to.include({ amount: 600_000 });
  });

  it("User Management shows each row's effective limit and where it comes from", async () => {
    expect((await admin.post('/admin/settings/limits').type('form').send({ _csrf: admin.csrf, layer: 'group_member', group_id: String(eng), metric: 'inference', period: 'month', amount: '500000', mode: 'hard' })).status).to.equal(303);
    const page = await admin.get('/admin/users');
    const row = (id: number) => new RegExp(`id="user-row-${id}"[\\s\\S]*?</tr>`).exec(page.text)![0];
    expect(row(w.memberA)).to.contain('Limit: group Engineering, 500k inference tokens/month, hard');
    expect(row(w.adminA)).to.not.contain('data-testid="effective-limit"'); // not in the group, no default
    // an allocation is the user layer: it wins over the group
    await db('users').where({ id: w.memberA }).update({ max_inference_tokens: 2_000_000 });
    const after = await admin.get(`/admin/users/${w.memberA}/row`).set('HX-Request', 'true');
    expect(after.text).to.contain('Limit: user allocation, 2M inference tokens/month, soft');
    await db('users').where({ id: w.memberA }).update({ max_inference_tokens: 0 });
    await db('limit_policies').where({ workspace_id: w.a.id }).delete();
  });

  it('/me shows each limit with used, remaining and the projection at the current pace', async () => {
    const now = new Date();
    const zone = 'America/Chicago';
    const today = dayOf(now, zone);
    const start = periodBounds(today, 'month').start;
    const end = periodBounds(today, 'month').end;
    // 3,000 tokens at the first instant of the month (so it is in this month whatever today is)
    const at = startOfDayUtc(start, zone);
    await recordInteractions(db, w.a.id, [{ id: 'me-1', user: 'member@alpha.test', occurredAt: new Date(Math.min(at.getTime() + 1000, now.getTime() - 1000)), kind: 'inference', model: 'm', promptTokens: 3000, completionTokens: 0 }]);
    const added = await admin.post('/admin/settings/limits').type('form').send({ _csrf: admin.csrf, layer: 'workspace', metric: 'inference', period: 'month', amount: '10000', mode: 'hard' });
    expect(added.status, added.text.slice(0, 300)).to.equal(303);
    const me = await member.get('/me');
    expect(me.status).to.equal(200);
    const elapsed = Math.round((Date.parse(today) - Date.parse(start)) / 86_400_000) + 1;
    const days = Math.round((Date.parse(end) - Date.parse(start)) / 86_400_000) + 1;
    const projected = Math.round((3000 / elapsed) * days);
    const match = /data-testid="my-limit">([\s\S]*?)<\/tr>/.exec(me.text);
    expect(match, me.text.slice(me.text.indexOf('id="limits"'), me.text.indexOf('id="limits"') + 400)).to.not.equal(null);
    const row = match![1];
    expect(row).to.contain('inference tokens per month').and.contain('3,000').and.contain('7,000').and.contain(projected.toLocaleString('en-US'));
    expect(row).to.contain('workspace default');
  });

  it('a member asks for a temporary increase; the admin approves it with another expiry; authorize applies it until then', async () => {
    const asked = await member.post('/me/limits/requests').type('form').send({ _csrf: member.csrf, limit: 'inference:month', amount: '50000', expires_at: '2099-06-30T12:00', note: 'launch week' });
    expect(asked.status).to.equal(303);
    expect(asked.headers.location).to.contain('limit_request=sent');
    const again = await member.post('/me/limits/requests').type('form').send({ _csrf: member.csrf, limit: 'inference:month', amount: '60000', expires_at: '2099-06-30T12:00' });
    expect(again.headers.location).to.contain('limit_request=pending');
    const [req] = await db('limit_requests').where({ workspace_id: w.a.id });
    expect(await db('notifications').where({ workspace_id: w.a.id, kind: 'limits.increase_request' })).to.have.length(1);

    expect((await admin.get('/admin/settings/limits')).text).to.contain('launch week');
    const until = new Date(Date.now() + 2 * 3600_000);
    const approve = await admin.post(`/admin/settings/limits/requests/${req.id}`).type('form').send({ _csrf: admin.csrf, decision: 'approve', amount: '40000', expires_at: utcToLocalInput(until, 'America/Chicago') });
    expect(approve.status).to.equal(303);
    const [a] = await db('audit_log').where({ workspace_id: w.a.id, action: 'limit.request.approve' });
    expect(JSON.parse(a.after_json)).to.include({ amount: 40_000, status: 'approved' });
    expect(await db('notifications').where({ workspace_id: w.a.id, recipient_user_id: w.memberA, kind: 'limits.increase_approved' })).to.have.length(1);

    const body = { user: 'member@alpha.test', tokens: { inference: 20_000 } };
    const during = await authorize(db, w.a.id, body);
    expect(during.decision).to.equal('allow'); // 3,000 + 20,000 <= 40,000 (the boost)
    expect(during.limits[0]).to.include({ source: 'user_override', limit: 40_000 });
    // the minute of expiry: the input has minute precision
    const expiresAt = new Date(Math.floor(until.getTime() / 60_000) * 60_000);
    expect(during.limits[0].expires_at).to.equal(expiresAt.toISOString());
    const after = await authorize(db, w.a.id, body, new Date(expiresAt.getTime() + 1));
    expect(after.decision).to.equal('deny'); // back to the workspace's 10,000, hard
    expect(after.limits[0]).to.include({ source: 'workspace_default', limit: 10_000 });
  });
});
