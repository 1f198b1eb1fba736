// User Management actions: allocation validation, role and last-admin rule, revoke/restore (login),
// credit access, invite, bulk allocation, and the audit rows every change writes.
import { expect } from 'chai';
import request from 'supertest';
import { createTestApp, csrfFrom, loginAs, type Agent, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { PASSWORD } from '../helpers/fixtures';
import { LAST_ADMIN_MESSAGE } from '../../src/users/actions';
import { cell, usersWorld, type UsersWorld } from './fixture';

describe('users: row actions, invite, bulk and audit', () => {
  let t: TestApp;
  let w: UsersWorld;
  let admin: Agent;

  before(async () => {
    t = await createTestApp();
    w = await usersWorld(t.db);
    admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
  });
  after(closeAll);

  const user = (id: number) => t.db('users').where({ id }).first();
  const audits = (action: string, targetId?: number) => {
    const q = t.db('audit_log').where({ workspace_id: w.a.id, action }).orderBy('id');
    if (targetId !== undefined) q.where('target_id', String(targetId));
    return q;
  };
  const post = (path: string, body: Record<string, string | string[]>, htmx = false) => {
    const r = admin.post(path).type('form').send({ _csrf: admin.csrf, ...body });
    return htmx ? r.set('HX-Request', 'true') : r;
  };

  describe('allocation', () => {
    const bad: [string, string, RegExp][] = [
      ['', '0', /Enter the monthly inference allocation/],
      ['abc', '0', /must be a whole number/],
      ['-5', '0', /must be a whole number/],
      ['1.5', '0', /must be a whole number/],
      ['1000000000001', '0', /can be at most 1,000,000,000,000/],
      ['10', 'lots', /The embedding allocation must be a whole number/],
    ];
    for (const [inf, emb, msg] of bad) {
      it(`rejects inference="${inf}" embedding="${emb}" with a message next to the field; nothing saved`, async () => {
        const res = await post(`/admin/users/${w.bob}/allocation`, { max_inference_tokens: inf, max_embedding_tokens: emb }).expect(422);
        expect(res.text).to.match(msg);
        expect(res.text).to.match(/aria-invalid="true" aria-describedby="alloc-(inf|emb)-\d+-error"/);
        expect(res.text).to.contain(`value="${inf}"`); // the typed value is kept
        expect(Number((await user(w.bob)).max_inference_tokens)).to.equal(100);
        expect(await audits('user.allocation.update', w.bob)).to.have.length(0);
      });
    }

    it('htmx: the inline form comes back with the error in place (422)', async () => {
      const res = await post(`/admin/users/${w.bob}/allocation`, { max_inference_tokens: 'x', max_embedding_tokens: '0' }, true).expect(422);
      expect(res.text.trimStart()).to.match(/^<tr id="user-row-\d+"[^>]*class="user-row editing"/);
      expect(res.text).to.contain('must be a whole number');
    });

    it('saves whole numbers (thousands separators allowed), audits before/after with actor and IP', async () => {
      const res = await post(`/admin/users/${w.bob}/allocation`, { max_inference_tokens: '1,500', max_embedding_tokens: '2000', return: '/admin/users?q=bob' }).expect(303);
      expect(res.headers.location).to.equal('/admin/users?q=bob&notice=allocation');
      const u = await user(w.bob);
      expect(Number(u.max_inference_tokens)).to.equal(1500);
      expect(Number(u.max_embedding_tokens)).to.equal(2000);
      const [a] = await audits('user.allocation.update', w.bob);
      expect(a.actor_user_id).to.equal(w.alice);
      expect(a.actor_label).to.equal('admin@alpha.test');
      expect(a.ip).to.be.a('string').and.not.equal('');
      expect(JSON.parse(a.before_json)).to.deep.equal({ email: 'bob@alpha.test', max_inference_tokens: 100, max_embedding_tokens: 0 });
      expect(JSON.parse(a.after_json)).to.deep.equal({ email: 'bob@alpha.test', max_inference_tokens: 1500, max_embedding_tokens: 2000 });
      const page = await admin.get('/admin/users?q=bob&notice=allocation').expect(200);
      expect(page.text).to.contain('Allocation saved.');
    });

    it('htmx: GET gives the inline form row, POST re-renders the row and refreshes the summary', async () => {
      const form = await admin.get(`/admin/users/${w.eve}/allocation`).set('HX-Request', 'true').expect(200);
      expect(form.text.trimStart()).to.match(/^<tr id="user-row-\d+"/);
      expect(form.text).to.contain(`hx-post="/admin/users/${w.eve}/allocation"`);
      const full = await admin.get(`/admin/users/${w.eve}/allocation`).expect(200);
      expect(full.text).to.contain('<html').and.contain('Manage Eve Evans'.replace('Manage ', '')).and.contain('Revoke access');
      const res = await post(`/admin/users/${w.eve}/allocation`, { max_inference_tokens: '100', max_embedding_tokens: '0' }, true).expect(200);
      expect(res.headers['hx-trigger']).to.equal('users-changed');
      expect(cell(res.text, w.eve, 'max_inference')).to.equal('100');
      expect(cell(res.text, w.eve, 'share')).to.contain('30%'); // 30 of 100 this month
      const summary = await admin.get('/admin/users/summary').set('HX-Request', 'true').expect(200);
      // 1000 + 1500 (Bob) + 200 + 100 (Eve)
      expect(summary.text).to.match(/data-testid="summary-assigned-inference">2,800</);
    });

    it('another workspace’s user or an unknown id is 404 and unchanged', async () => {
      await post(`/admin/users/${w.adminB}/allocation`, { max_inference_tokens: '5', max_embedding_tokens: '5' }).expect(404);
      await post('/admin/users/999999/allocation', { max_inference_tokens: '5', max_embedding_tokens: '5' }).expect(404);
      expect(Number((await user(w.adminB)).max_inference_tokens)).to.equal(0);
      await admin.get(`/admin/users/${w.adminB}/allocation`).expect(404);
    });
  });

  describe('role and the last-admin rule', () => {
    it('the last active admin cannot be demoted (no JS: redirect with the error; htmx: row with the error)', async () => {
      const res = await post(`/admin/users/${w.alice}/role`, { role: 'member', return: '/admin/users', confirm_self: '1' }).expect(303);
      expect(res.headers.location).to.equal('/admin/users?error=last_admin');
      const page = await admin.get(res.headers.location).expect(200);
      expect(page.text).to.contain(LAST_ADMIN_MESSAGE.replace(/'/g, '&#39;'));
      const hx = await post(`/admin/users/${w.alice}/role`, { role: 'member', confirm_self: '1' }, true).expect(422);
      expect(hx.text).to.contain('data-testid="row-error"').and.contain('last active admin');
      expect((await user(w.alice)).role).to.equal('admin');
      expect(await audits('user.role.update')).to.have.length(0);
    });

    it('the last active admin cannot be revoked', async () => {
      await post(`/admin/users/${w.alice}/revoke`, {}).expect(303);
      expect((await user(w.alice)).status).to.equal('active');
      await post(`/admin/users/${w.alice}/revoke`, {}, true).expect(422);
    });

    it('promotes a member (audited); with two admins one may be demoted; a revoked admin does not count', async () => {
      await post(`/admin/users/${w.dave}/role`, { role: 'admin' }).expect(303); // Dave is revoked
      await post(`/admin/users/${w.alice}/role`, { role: 'member', confirm_self: '1' }).expect(303);
      expect((await user(w.alice)).role).to.equal('admin'); // revoked Dave is not an active admin
      await post(`/admin/users/${w.mark}/role`, { role: 'admin' }).expect(303);
      const [a] = await audits('user.role.update', w.mark);
      expect(JSON.parse(a.before_json)).to.deep.equal({ email: 'member@alpha.test', role: 'member' });
      expect(JSON.parse(a.after_json)).to.deep.equal({ email: 'member@alpha.test', role: 'admin' });
      // now Mark can be demoted again (Alice remains)
      await post(`/admin/users/${w.mark}/role`, { role: 'member' }).expect(303);
      expect((await user(w.mark)).role).to.equal('member');
      await post(`/admin/users/${w.dave}/role`, { role: 'member' }).expect(303);
    });

    it('role changes ask first, naming the person and the new role; demoting yourself takes a second, explicit confirmation', async () => {
      const list = (await admin.get('/admin/users').expect(200)).text;
      const markRow = new RegExp(`<tr id="user-row-${w.mark}"[\\s\\S]*?</tr>`).exec(list)![0];
      expect(markRow).to.contain('hx-confirm="Change Mark Member’s role to admin? They will be able to manage users, credits and exports."');
      const aliceRow = new RegExp(`<tr id="user-row-${w.alice}"[\\s\\S]*?</tr>`).exec(list)![0];
      expect(aliceRow).to.contain('hx-confirm="Change your own role to member?"');
      // a second admin exists, so the rule would allow it: still, the first request only asks again
      await post(`/admin/users/${w.mark}/role`, { role: 'admin' }).expect(303);
      const hx = await post(`/admin/users/${w.alice}/role`, { role: 'member' }, true).expect(409);
      expect(hx.text).to.contain('data-testid="self-demote"').and.contain('You will lose access to every admin page at once');
      expect(hx.text).to.contain('name="confirm_self" value="1"');
      const page = await post(`/admin/users/${w.alice}/role`, { role: 'member', return: '/admin/users' }).expect(200);
      expect(page.text).to.contain('<h1>Remove your admin role?</h1>');
      expect((await user(w.alice)).role).to.equal('admin');
      expect(await audits('user.role.update', w.alice)).to.have.length(0);
      // another admin is demoted without the extra step (the menu's confirm is enough)
      await post(`/admin/users/${w.mark}/role`, { role: 'member' }).expect(303);
      expect((await user(w.mark)).role).to.equal('member');
    });

    it('rejects an unknown role', async () => {
      await post(`/admin/users/${w.mark}/role`, { role: 'owner' }).expect(422);
    });
  });

  describe('revoke and restore', () => {
    it('a revoked user cannot sign in and is signed out; history is kept; restore brings access back', async () => {
      const eve = await loginAs(t.app, 'eve@alpha.test', PASSWORD);
      await eve.get('/me').expect(200);
      const before = await t.db('interactions').where({ user_id: w.eve }).count({ n: '*' }).first();
      await post(`/admin/users/${w.eve}/revoke`, { return: '/admin/users' }).expect(303);
      expect((await user(w.eve)).status).to.equal('revoked');
      expect((await user(w.eve)).revoked_at).to.be.a('string');
      // the open session is signed out at its next request
      const me = await eve.get('/me');
      expect(me.status).to.equal(303);
      expect(me.headers.location).to.match(/^\/login/);
      // a new sign-in fails
      const agent = request.agent(t.app);
      const page = await agent.get('/login').expect(200);
      await agent.post('/login').type('form').send({ email: 'eve@alpha.test', password: PASSWORD, _csrf: csrfFrom(page.text) }).expect(401);
      // history is kept and still visible to admins
      const after = await t.db('interactions').where({ user_id: w.eve }).count({ n: '*' }).first();
      expect(Number(after!.n)).to.equal(Number(before!.n));
      await admin.get(`/admin/users/${w.eve}/logs`).expect(200);
      // no longer an active licence
      const list = await admin.get('/admin/users').expect(200);
      expect(list.text).to.match(/data-testid="summary-active">3</);
      const [a] = await audits('user.revoke', w.eve);
      expect(JSON.parse(a.before_json)).to.deep.equal({ email: 'eve@alpha.test', status: 'active' });
      expect(JSON.parse(a.after_json)).to.deep.equal({ email: 'eve@alpha.test', status: 'revoked' });
      // restore (htmx): row comes back active; sign-in works again
      const hx = await post(`/admin/users/${w.eve}/restore`, {}, true).expect(200);
      expect(cell(hx.text, w.eve, 'status')).to.equal('active');
      await loginAs(t.app, 'eve@alpha.test', PASSWORD);
      expect(await audits('user.restore', w.eve)).to.have.length(1);
    });

    it('restoring a user who never joined puts them back to invited', async () => {
      await post(`/admin/users/${w.carol}/revoke`, {}).expect(303);
      await post(`/admin/users/${w.carol}/restore`, {}).expect(303);
      expect((await user(w.carol)).status).to.equal('invited');
    });
  });

  it('credit access toggles through setCreditAccess and is audited', async () => {
    const res = await post(`/admin/users/${w.carol}/credit-access`, { allowed: '1' }, true).expect(200);
    expect(res.text).to.contain('May spend credits');
    expect(Number((await user(w.carol)).may_spend_credits)).to.equal(1);
    const [a] = await audits('user.credit_access.update', w.carol);
    expect(JSON.parse(a.before_json).may_spend_credits).to.equal(false);
    expect(JSON.parse(a.after_json).may_spend_credits).to.equal(true);
    await post(`/admin/users/${w.carol}/credit-access`, { allowed: 'maybe' }).expect(422);
  });

  describe('invite', () => {
    it('creates an invited user with allocations (audited)', async () => {
      const res = await post('/admin/users', { email: ' New.Person@Alpha.test ', name: 'New Person', role: 'member', department: 'Legal', max_inference_tokens: '250', max_embedding_tokens: '0', may_spend_credits: '1' }).expect(303);
      expect(res.headers.location).to.match(/notice=invited/);
      const u = await t.db('users').where({ workspace_id: w.a.id, email: 'new.person@alpha.test' }).first();
      expect(u).to.include({ status: 'invited', role: 'member', department: 'Legal', name: 'New Person' });
      expect(Number(u.max_inference_tokens)).to.equal(250);
      const [a] = await audits('user.invite', u.id);
      expect(a.before_json).to.equal('null');
      expect(JSON.parse(a.after_json)).to.include({ email: 'new.person@alpha.test', status: 'invited', max_inference_tokens: 250 });
    });

    it('a duplicate email is a clear error next to the field', async () => {
      const res = await post('/admin/users', { email: 'bob@alpha.test', name: 'Bob Again', role: 'member', max_inference_tokens: '0', max_embedding_tokens: '0' }).expect(422);
      expect(res.text).to.contain('A user with this email already exists in this workspace.');
      expect(res.text).to.contain('aria-describedby="inv-email-error"');
      expect(await t.db('users').where({ workspace_id: w.a.id, email: 'bob@alpha.test' })).to.have.length(1);
    });

    it('validates every field', async () => {
      const res = await post('/admin/users', { email: 'not-an-email', name: '', role: 'boss', max_inference_tokens: '-1', max_embedding_tokens: '' }).expect(422);
      for (const m of ['Enter a valid email address', 'Enter a name.', 'Choose a role', 'must be a whole number', 'Enter the embedding allocation']) expect(res.text).to.contain(m);
      await admin.get('/admin/users/new').expect(200);
    });
  });

  describe('bulk allocation', () => {
    it('sets the allocations of the selected users; blank fields stay unchanged; one audit row each', async () => {
      const res = await post('/admin/users/bulk-allocation', { ids: [String(w.mark), String(w.carol)], max_inference_tokens: '777', max_embedding_tokens: '', return: '/admin/users?sort=email' }).expect(303);
      expect(res.headers.location).to.equal('/admin/users?sort=email&notice=bulk');
      expect(Number((await user(w.mark)).max_inference_tokens)).to.equal(777);
      expect(Number((await user(w.carol)).max_inference_tokens)).to.equal(777);
      expect(Number((await user(w.alice)).max_embedding_tokens)).to.equal(500);
      const rows = await audits('user.allocation.bulk_update');
      expect(rows.map((r: { target_id: string }) => Number(r.target_id)).sort()).to.deep.equal([w.mark, w.carol].sort());
    });

    it('errors: no selection, no value, bad value (list re-rendered with messages); other workspace id = 404, nothing changed', async () => {
      const none = await post('/admin/users/bulk-allocation', { max_inference_tokens: '5' }).expect(422);
      expect(none.text).to.contain('Select at least one user');
      const empty = await post('/admin/users/bulk-allocation', { ids: [String(w.mark)], max_inference_tokens: '', max_embedding_tokens: '' }).expect(422);
      expect(empty.text).to.contain('Enter at least one allocation');
      const badv = await post('/admin/users/bulk-allocation', { ids: [String(w.mark)], max_inference_tokens: '12abc' }).expect(422);
      expect(badv.text).to.contain('must be a whole number').and.contain('id="bulk-inf-error"');
      await post('/admin/users/bulk-allocation', { ids: [String(w.mark), String(w.adminB)], max_inference_tokens: '1' }).expect(404);
      expect(Number((await user(w.mark)).max_inference_tokens)).to.equal(777);
      expect(Number((await user(w.adminB)).max_inference_tokens)).to.equal(0);
    });
  });

  describe('htmx: bulk allocation and invite refresh the list and the summary without a reload', () => {
    const num = (html: string, id: string) => Number(new RegExp(`data-testid="${id}">([^<]*)<`).exec(html)?.[1]?.replace(/,/g, ''));
    const summaryOf = async () => (await admin.get('/admin/users/summary').set('HX-Request', 'true').expect(200)).text;

    it('bulk: the list comes back in place with a notice; summary and bulk form are swapped out of band', async () => {
      const before = await summaryOf();
      const assigned0 = num(before, 'summary-assigned-inference');
      const mark0 = Number((await user(w.mark)).max_inference_tokens);
      const eve0 = Number((await user(w.eve)).max_inference_tokens);
      const res = await post('/admin/users/bulk-allocation', { ids: [String(w.mark), String(w.eve)], max_inference_tokens: '1,000', max_embedding_tokens: '', return: '/admin/users?sort=email' }, true).expect(200);
      // the notice and the list's summary are announced (layout live region, public/js/app.js)
      const n = Number((await t.db('users').where({ workspace_id: w.a.id }).count({ n: '*' }).first())!.n);
      expect(res.text.trimStart()).to.match(new RegExp(`^<div id="users-results" class="users-results" data-announce="Allocations saved for 2 selected users\\. ${n} users, sorted by Email \\(ascending\\)\\.">`));
      expect(res.text).to.contain('data-testid="list-notice"').and.contain('Allocations saved for 2 selected users.');
      // the list keeps the admin's sort (email) and shows the new values
      expect(res.text).to.match(/<th[^>]*aria-sort="ascending"[^>]*>(?:(?!<\/th>)[\s\S])*data-sort="email" class="sorted"/);
      expect(cell(res.text, w.mark, 'max_inference')).to.equal('1,000');
      // Mark and Eve are both active, so assigned inference grows by exactly their two changes
      const summary = /<section id="users-summary"[^>]*>/.exec(res.text)?.[0] ?? '';
      expect(summary).to.contain('hx-swap-oob="outerHTML settle:0"');
      expect(num(res.text, 'summary-assigned-inference')).to.equal(assigned0 + (1000 - mark0) + (1000 - eve0));
      expect(res.text).to.match(/<form id="bulk-form"[^>]*hx-swap-oob="outerHTML settle:0"/);
      // the selection is cleared after success
      expect(res.text).to.not.match(/name="ids" value="\d+"[^>]*checked/);
    });

    it('bulk errors: 422 with the message in the out-of-band bulk form, the selection kept, nothing saved', async () => {
      const res = await post('/admin/users/bulk-allocation', { ids: [String(w.mark)], max_inference_tokens: '3.5', return: '/admin/users' }, true).expect(422);
      expect(res.text).to.match(/<form id="bulk-form"[^>]*hx-swap-oob="outerHTML settle:0"/);
      expect(res.text).to.contain('id="bulk-inf-error"').and.contain('must be a whole number');
      expect(res.text).to.match(/id="bulk-inf"[^>]*data-autofocus/);
      expect(res.text).to.match(new RegExp(`name="ids" value="${w.mark}"[^>]*checked`));
      expect(Number((await user(w.mark)).max_inference_tokens)).to.equal(1000);
    });

    it('invite from the list panel: closed panel, list with a notice and summary out of band', async () => {
      const before = await summaryOf();
      const page = await admin.get('/admin/users').expect(200);
      expect(page.text).to.contain('<details id="invite-panel"').and.contain('data-testid="invite-toggle"');
      const res = await post('/admin/users', { email: 'panel.invite@alpha.test', name: 'Panel Invite', role: 'member', department: '', max_inference_tokens: '300', max_embedding_tokens: '40', return: '/admin/users?status=invited' }, true).expect(200);
      expect(res.text.trimStart()).to.match(/^(<%#[^>]*>)?\s*<details id="invite-panel" class="invite-panel" data-escape-close>/);
      const invited = Number((await t.db('users').where({ workspace_id: w.a.id, status: 'invited' }).count({ n: '*' }).first())!.n);
      expect(res.text).to.contain(`<div id="users-results" class="users-results" data-announce="Invitation created for panel.invite@alpha.test. ${invited} users match these filters, sorted by Name (ascending)." hx-swap-oob="outerHTML settle:0">`);
      expect(res.text).to.contain('Invitation created for panel.invite@alpha.test.');
      const id = Number((await t.db('users').where({ workspace_id: w.a.id, email: 'panel.invite@alpha.test' }).first()).id);
      // the list was re-rendered with the admin's filter (status=invited): the new user is in it
      expect(cell(res.text, id, 'status')).to.equal('invited');
      expect(num(res.text, 'summary-invited')).to.equal(num(before, 'summary-invited') + 1);
      expect(num(res.text, 'summary-total')).to.equal(num(before, 'summary-total') + 1);
      expect(num(res.text, 'summary-assigned-inference')).to.equal(num(before, 'summary-assigned-inference') + 300);
      expect(num(res.text, 'summary-assigned-embedding')).to.equal(num(before, 'summary-assigned-embedding') + 40);
      expect((await audits('user.invite', id)).length).to.equal(1);
    });

    it('invite errors come back in the open panel (422), focus on the first bad field', async () => {
      const res = await post('/admin/users', { email: 'panel.invite@alpha.test', name: '', role: 'member', max_inference_tokens: '1', max_embedding_tokens: '1' }, true).expect(422);
      expect(res.text.trimStart()).to.match(/^(<%#[^>]*>)?\s*<details id="invite-panel" class="invite-panel" data-escape-close open>/);
      expect(res.text).to.contain('Enter a name.').and.match(/id="inv-name"[^>]*data-autofocus/);
      expect(res.text).to.not.contain('id="users-results"');
      const dup = await post('/admin/users', { email: 'panel.invite@alpha.test', name: 'Again', role: 'member', max_inference_tokens: '1', max_embedding_tokens: '1' }, true).expect(422);
      expect(dup.text).to.contain('A user with this email already exists in this workspace.').and.match(/id="inv-email"[^>]*data-autofocus/);
    });
  });

  describe('audit log page', () => {
    it('shows IPv4-mapped addresses as plain IPv4 (the stored value is kept)', async () => {
      await t.db('audit_log').insert({ workspace_id: w.a.id, actor_user_id: w.alice, actor_label: 'admin@alpha.test', action: 'test.ipv4mapped', ip: '::ffff:10.9.8.7', created_at: '2026-02-01 10:00:00.000' });
      const res = await admin.get('/admin/audit-log?action=test.ipv4mapped').expect(200);
      expect(res.text).to.contain('>10.9.8.7<').and.not.contain('::ffff:10.9.8.7');
      // 2026-02-01 10:00 UTC = 04:00 in Chicago (CST): local time, and UTC as text in the cell (not a hover title)
      const row = /data-audit-id="\d+"[\s\S]*?<\/tr>/.exec(res.text)![0];
      expect(row).to.contain('><span class="nowrap">Feb 1, 2026,</span> <span class="nowrap">04:00</span></time><span class="utc-time small muted" data-testid="audit-utc"><span class="visually-hidden">, </span>2026-02-01 10:00:00 UTC</span>');
      expect(row.match(/title=/g), 'only the <time> element has a hover title').to.have.length(1);
      await t.db('audit_log').where({ action: 'test.ipv4mapped' }).delete();
    });

    it('reads as sentences naming the people (codes kept small for the filter), never another workspace\'s names', async () => {
      const base = { workspace_id: w.a.id, actor_user_id: w.alice, actor_label: 'admin@alpha.test', ip: '10.0.0.1', created_at: '2026-02-03 10:00:00.000' };
      await t.db('audit_log').insert([
        { ...base, action: 'credits.access_request.approve', target_type: 'credit_access_request', target_id: '3', before_json: JSON.stringify({ user: 'bob@alpha.test', status: 'pending' }), after_json: JSON.stringify({ user: 'bob@alpha.test', status: 'approved' }) },
        { ...base, action: 'user.role.update', target_type: 'user', target_id: String(w.mark), before_json: JSON.stringify({ email: 'member@alpha.test', role: 'member' }), after_json: JSON.stringify({ email: 'member@alpha.test', role: 'admin' }) },
        { ...base, actor_user_id: null, actor_label: 'system', action: 'export.download', target_type: 'export', target_id: 'users', after_json: JSON.stringify({ file: 'alpha-users-2026-02-03.csv' }) },
        // an e-mail of the other workspace is shown as stored, never resolved to that workspace's name
        { ...base, action: 'user.revoke', target_type: 'user', target_id: String(w.adminB), before_json: JSON.stringify({ email: 'admin@beta.test', status: 'active' }), after_json: JSON.stringify({ email: 'admin@beta.test', status: 'revoked' }) },
      ]);
      const res = await admin.get('/admin/audit-log?from=2026-02-03&to=2026-02-03').expect(200);
      const sentences = [...res.text.matchAll(/data-testid="audit-sentence">([^<]*)</g)].map((m) => m[1].replace(/&#39;/g, "'"));
      expect(sentences).to.have.members([
        'Alice Admin approved Bob Builder’s credit access request',
        'Alice Admin made Mark Member an admin',
        'The system downloaded alpha-users-2026-02-03.csv',
        'Alice Admin revoked admin@beta.test’s access',
      ]);
      expect(res.text).to.not.contain('Bea Admin');
      expect(res.text).to.contain('<code data-testid="audit-code">credits.access_request.approve</code>');
      await t.db('audit_log').where({ created_at: '2026-02-03 10:00:00.000' }).delete();
    });

    it('lists changes newest first with before → after, actor and IP; filters by action and actor', async () => {
      const res = await admin.get('/admin/audit-log').expect(200);
      const ids = [...res.text.matchAll(/data-audit-id="(\d+)"/g)].map((m) => Number(m[1]));
      expect(ids).to.deep.equal([...ids].sort((a, b) => b - a));
      expect(res.text).to.contain('user.allocation.update').and.contain('admin@alpha.test');
      expect(res.text).to.match(/<li data-key="max_inference_tokens"><strong>Max inference tokens<\/strong>:\s*<span class="from">100<\/span> → <span class="to">1,500<\/span>/);
      const only = await admin.get('/admin/audit-log?action=user.revoke').expect(200);
      const actions = [...only.text.matchAll(/<code data-testid="audit-code">([\s\S]*?)<\/code>/g)].map((m) => m[1]);
      expect(actions.length).to.equal((await audits('user.revoke')).length);
      expect(new Set(actions)).to.deep.equal(new Set(['user.revoke']));
      const byActor = await admin.get(`/admin/audit-log?actor=${w.mark}`).expect(200);
      expect(byActor.text).to.contain('No audit entries match these filters');
      expect(byActor.text).to.contain('<div id="audit-results" data-announce="No audit entries match these filters.">');
      const n = (await audits('user.revoke')).length;
      const swapped = await admin.get('/admin/audit-log?action=user.revoke').set('HX-Request', 'true').expect(200);
      expect(swapped.text.trimStart()).to.match(new RegExp(`^<div id="audit-results" data-announce="${n} audit ${n === 1 ? 'entry' : 'entries'} on this page, newest first, filtered\\.">`));
      // another workspace's admin sees none of it
      const other = await loginAs(t.app, 'admin@beta.test', PASSWORD);
      const b = await other.get('/admin/audit-log').expect(200);
      expect(b.text).to.not.contain('bob@alpha.test');
    });

    it('keyset pages over (created_at, id) and a date range in the workspace zone', async () => {
      const base = { workspace_id: w.a.id, actor_user_id: w.alice, actor_label: 'admin@alpha.test', action: 'test.bulk', ip: '127.0.0.1' };
      // 70 rows, two per timestamp (ties split by id), on 2026-01-10 UTC
      const rows = Array.from({ length: 70 }, (_, i) => ({ ...base, target_id: String(i), created_at: `2026-01-10 12:${String(Math.floor(i / 2)).padStart(2, '0')}:00.000` }));
      await t.db('audit_log').insert(rows);
      const p1 = await admin.get('/admin/audit-log?action=test.bulk').expect(200);
      const ids1 = [...p1.text.matchAll(/data-audit-id="(\d+)"/g)].map((m) => Number(m[1]));
      expect(ids1).to.have.length(50);
      const older = /href="([^"]+)"[^>]*data-testid="audit-older"/.exec(p1.text)![1].replace(/&amp;/g, '&');
      await t.db('audit_log').insert({ ...base, target_id: 'late', created_at: '2026-01-10 13:00:00.000' });
      const p2 = await admin.get(older).expect(200);
      const ids2 = [...p2.text.matchAll(/data-audit-id="(\d+)"/g)].map((m) => Number(m[1]));
      expect(ids2).to.have.length(20);
      const all = (await t.db('audit_log').where({ action: 'test.bulk' }).whereNot('target_id', 'late').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])).map((r: { id: number }) => Number(r.id));
      expect([...ids1, ...ids2]).to.deep.equal(all);
      // 2026-01-10 12:00Z is 06:00 in Chicago: inside 2026-01-10 local, outside 2026-01-11
      const day = await admin.get('/admin/audit-log?action=test.bulk&from=2026-01-10&to=2026-01-10&per=100').expect(200);
      expect(day.text).to.contain('data-audit-id');
      const next = await admin.get('/admin/audit-log?action=test.bulk&from=2026-01-11').expect(200);
      expect(next.text).to.contain('No audit entries match these filters');
      await admin.get('/admin/audit-log?from=2026-02-30').expect(400);
    });
      it('filters by actor (a user or a non-user label), action and local date bounds; Newer returns to the exact page', async () => {
      const base = { workspace_id: w.a.id, ip: '10.1.1.1', created_at: '2026-02-10 05:59:59.999' };
      // 2026-02-10 05:59:59.999Z is 23:59:59.999 on 2026-02-09 in Chicago (CST, UTC-6); 06:00Z starts 2026-02-10 locally
      await t.db('audit_log').insert([
        { ...base, actor_user_id: w.mark, actor_label: 'member@alpha.test', action: 'test.actor', target_id: 'm1' },
        { ...base, actor_user_id: null, actor_label: 'system', action: 'test.actor', target_id: 's1', created_at: '2026-02-10 06:00:00.000' },
        { ...base, actor_user_id: w.alice, actor_label: 'admin@alpha.test', action: 'test.other', target_id: 'a1' },
        { ...base, workspace_id: w.b.id, actor_user_id: w.adminB, actor_label: 'admin@beta.test', action: 'test.actor', target_id: 'b1' },
      ]);
      const ids = async (qs: string) => {
        const res = await admin.get(`/admin/audit-log?${qs}`).expect(200);
        return [...res.text.matchAll(/data-audit-id="(\d+)"/g)].map((m) => Number(m[1]));
      };
      const idOf = async (target: string) => Number((await t.db('audit_log').where({ target_id: target }).first()).id);
      expect(await ids(`actor=${w.mark}`)).to.deep.equal([await idOf('m1')]);
      expect(await ids('actor=system&action=test.actor')).to.deep.equal([await idOf('s1')]);
      expect(await ids(`actor=${w.adminB}`)).to.deep.equal([]); // another workspace's actor: nothing of theirs leaks
      expect(await ids('action=test.actor')).to.deep.equal([await idOf('s1'), await idOf('m1')]);
      expect(await ids('action=test.actor&to=2026-02-09')).to.deep.equal([await idOf('m1')]);
      expect(await ids('action=test.actor&from=2026-02-10&to=2026-02-10')).to.deep.equal([await idOf('s1')]);
      // the actor choices list this workspace's actors by email and non-user labels, not other workspaces'
      const page = (await admin.get('/admin/audit-log').expect(200)).text;
      const select = /<select id="a-actor"[\s\S]*?<\/select>/.exec(page)![0];
      expect(select).to.contain(`<option value="${w.mark}">member@alpha.test</option>`).and.contain('<option value="system">system</option>');
      expect(select).to.not.contain('admin@beta.test');
      // Older then Newer lands on exactly the first page again
      const first = await ids('');
      const res1 = (await admin.get('/admin/audit-log').expect(200)).text;
      const olderUrl = /href="([^"]+)"[^>]*data-testid="audit-older"/.exec(res1)![1].replace(/&amp;/g, '&');
      const res2 = (await admin.get(olderUrl).expect(200)).text;
      const newerUrl = /href="([^"]+)"[^>]*data-testid="audit-newer"/.exec(res2)![1].replace(/&amp;/g, '&');
      expect(newerUrl).to.match(/[?&]after=/);
      const back = [...(await admin.get(newerUrl).expect(200)).text.matchAll(/data-audit-id="(\d+)"/g)].map((m) => Number(m[1]));
      expect(back).to.deep.equal(first);
      await t.db('audit_log').whereIn('action', ['test.actor', 'test.other']).delete();
    });
  });
});
