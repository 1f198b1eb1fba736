// The Credits page, notifications and /me over HTTP: forms (validation, audit), the access-request
// flow end to end, tenant isolation, the header meter and the usage breakdown numbers.
import { expect } from 'chai';
import request from 'supertest';
import { closeAll } from '../helpers/db';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';
import { addCredits } from '../../src/credits/admin';
import { quoteCredits } from '../../src/credits/quote';
import { notify } from '../../src/notifications/notify';
import { dayOf } from '../../src/db/time';
import { billable, creditWorld, DAY, record } from './fixture';


/** A day as the pages write it ('Dec 6, 2026'), worked out with Intl. */
const label = (day: string) => new Date(`${day}T12:00:00Z`).toLocaleDateString('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric', year: 'numeric' });
describe('credits: pages and the access-request flow', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof creditWorld>>;
  let admin: Agent;
  let bob: Agent;
  let otherAdmin: Agent;
  let otherUser: number;

  before(async () => {
    t = await createTestApp();
    w = await creditWorld(t.db, { slug: 'pages' });
    const other = await createWorkspace(t.db, { slug: 'other', billing_mode: 'credits' });
    await createUser(t.db, other.id, { email: 'admin@other.test', role: 'admin' });
    otherUser = await createUser(t.db, other.id, { email: 'someone@other.test' });
    admin = await loginAs(t.app, w.email('admin'), PASSWORD);
    bob = await loginAs(t.app, w.email('bob'), PASSWORD);
    otherAdmin = await loginAs(t.app, 'admin@other.test', PASSWORD);
  });
  after(closeAll);

  it('adds credits through the form, shows them in the header meter, and audits the purchase', async () => {
    const bad = await admin.post('/admin/credits/packs').type('form').send({ _csrf: admin.csrf, kind: 'purchase', amount: '12x', price: '9.999' });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.include('Enter the number of credits as a whole number');
    expect(bad.text).to.include('Enter the price in dollars');
    const past = await admin.post('/admin/credits/packs').type('form').send({ _csrf: admin.csrf, kind: 'purchase', amount: '100', expires_on: '2020-01-01' });
    expect(past.status).to.equal(422);
    expect(past.text).to.include('The expiry must be a future date.');

    const ok = await admin.post('/admin/credits/packs').type('form').send({ _csrf: admin.csrf, kind: 'purchase', amount: '12,000'.replace(',', ''), price: '1,200.50', note: '=cmd|x' });
    expect(ok.status).to.equal(303);
    const pack = await t.db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'purchase' }).first();
    expect([Number(pack.amount), Number(pack.price_cents), pack.note]).to.deep.equal([12000, 120050, '=cmd|x']);
    const audit = await t.db('audit_log').where({ workspace_id: w.wsId, action: 'credits.purchase' }).first();
    expect(JSON.parse(audit.before_json)).to.deep.equal({ available: 0 });
    expect(JSON.parse(audit.after_json)).to.include({ available: 12000, amount: 12000, price_cents: 120050 });

    expect(ok.headers.location).to.equal('/admin/credits/packs?saved=purchase');
    const page = await admin.get('/admin/credits/packs?saved=purchase').expect(200);
    expect(page.text).to.match(/class="credit-meter[^"]*"[\s\S]*?<strong>12,000<\/strong>/);
    expect(page.text).to.include('$1,200.50');
    expect(page.text).to.include('Purchase recorded');
  });

  it('turns PAYG on with a cap, validating the cap, and shows the headroom', async () => {
    const bad = await admin.post('/admin/credits/settings').type('form').send({ _csrf: admin.csrf, payg_enabled: '1', payg_cap: 'ten', included_credits_per_period: '0' });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.include('Enter the monthly cap as a whole number of credits');
    const ok = await admin.post('/admin/credits/settings').type('form').send({ _csrf: admin.csrf, payg_enabled: '1', payg_cap: '2500', included_credits_per_period: '0' });
    expect(ok.status).to.equal(303);
    const ws = await t.db('workspaces').where({ id: w.wsId }).first();
    expect([!!ws.payg_enabled, Number(ws.payg_monthly_cap)]).to.deep.equal([true, 2500]);
    const page = await admin.get('/admin/credits').expect(200);
    expect(page.text).to.match(/\+ 2,500 PAYG/);
    const audit = await t.db('audit_log').where({ workspace_id: w.wsId, action: 'credits.settings.update' }).first();
    expect(JSON.parse(audit.after_json)).to.include({ payg_enabled: true, payg_monthly_cap: 2500 });
  });

  it('edits prices (audited) and rejects bad ones next to the field', async () => {
    const base = { _csrf: admin.csrf, grid_row: '2', api_call: '3', agent_research: '30', agent_optimization: '20', agent_other: '10', grid_free_test_rows: '5' };
    const bad = await admin.post('/admin/credits/prices').type('form').send({ ...base, api_call: '-1' });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.match(/id="price-api_call-err">API \/ MCP call: Enter a price in credits as a whole number/);
    await admin.post('/admin/credits/prices').type('form').send(base).expect(303);
    const audit = await t.db('audit_log').where({ workspace_id: w.wsId, action: 'credits.prices.update' }).first();
    expect(JSON.parse(audit.before_json)).to.include({ api_call: 2, grid_row: 1, grid_free_test_rows: 0 });
    expect(JSON.parse(audit.after_json)).to.include({ api_call: 3, grid_row: 2, grid_free_test_rows: 5 });
  });

  it('member requests access once -> admins notified -> admin approves -> member may spend and sees the outcome', async () => {
    expect((await quoteCredits(t.db, w.wsId, { user: w.email('bob'), billable: { category: 'api', units: 1 } })).allowed).to.equal(false);
    const me = await bob.get('/me').expect(200);
    expect(me.text).to.include('Request credit access');
    await bob.post('/me/credit-access-request').type('form').send({ _csrf: bob.csrf, note: 'launch week' }).expect(303).expect('Location', '/me?saved=requested');
    await bob.post('/me/credit-access-request').type('form').send({ _csrf: bob.csrf, note: 'again' }).expect(303).expect('Location', '/me?saved=pending');
    expect(await t.db('credit_access_requests').where({ workspace_id: w.wsId })).to.have.length(1);
    expect((await bob.get('/me')).text).to.include('Pending');

    const notes = await t.db('notifications').where({ workspace_id: w.wsId, kind: 'credits.access_request' });
    expect(notes).to.have.length(1);
    const bell = await admin.get('/admin/notifications').expect(200);
    expect(bell.text).to.include('Bob Blocked asks for credit access');
    expect(bell.text).to.match(/data-testid="unread-count">1</);

    const credits = await admin.get('/admin/credits/people').expect(200);
    const m = /action="\/admin\/credits\/requests\/(\d+)\/approve"/.exec(credits.text);
    expect(m, 'approve form').to.not.equal(null);
    // Another workspace's admin cannot decide it.
    await otherAdmin.post(`/admin/credits/requests/${m![1]}/approve`).type('form').send({ _csrf: otherAdmin.csrf }).expect(404);
    await admin.post(`/admin/credits/requests/${m![1]}/approve`).type('form').send({ _csrf: admin.csrf }).expect(303);
    // Deciding it again (another tab, a double click) changes nothing and says so on the page.
    const again = await admin.post(`/admin/credits/requests/${m![1]}/deny`).type('form').send({ _csrf: admin.csrf }).expect(303);
    expect(again.headers.location).to.equal(`/admin/credits/people?saved=decided&request=${m![1]}#requests`);
    expect((await admin.get(`/admin/credits/people?saved=decided&request=${m![1]}`).expect(200)).text).to.include('Bob Blocked&#39;s request had already been approved by Ada Admin');
    // The single-page URL of before still leads there.
    expect((await admin.get('/admin/credits?saved=decided').expect(301)).headers.location).to.equal('/admin/credits/people?saved=decided');
    expect((await t.db('credit_access_requests').where({ id: m![1] }).first()).status).to.equal('approved');

    const user = await t.db('users').where({ id: w.bob }).first();
    expect(!!user.may_spend_credits).to.equal(true);
    const outcome = await bob.get('/me').expect(200);
    expect(outcome.text).to.include('Your credit access request was approved');
    expect(outcome.text).to.include('You can run actions that cost credits');
    expect((await quoteCredits(t.db, w.wsId, { user: w.email('bob'), billable: { category: 'api', units: 1 } })).allowed).to.equal(true);
    const actions = (await t.db('audit_log').where({ workspace_id: w.wsId }).where((q) => q.where('action', 'like', 'credits.access_request.%').orWhere('action', 'user.credit_access.update')).orderBy('id')).map((a) => a.action);
    expect(actions).to.deep.equal(['credits.access_request.create', 'user.credit_access.update', 'credits.access_request.approve']);
  });

  it('a request form post is answered for the state the member is in, with a message they can see', async () => {
    const dan = await createUser(t.db, w.wsId, { email: w.email('dan'), name: 'Dan Pending', maySpendCredits: false });
    const agent = await loginAs(t.app, w.email('dan'), PASSWORD);
    const long = await agent.post('/me/credit-access-request').type('form').send({ _csrf: agent.csrf, note: 'x'.repeat(501) });
    expect(long.status).to.equal(422);
    expect(long.text).to.include('id="request-note-err"');
    await agent.post('/me/credit-access-request').type('form').send({ _csrf: agent.csrf, note: 'please' }).expect(303);
    // pending: the form is gone, so a second (even invalid) post just shows the pending state
    const again = await agent.post('/me/credit-access-request').type('form').send({ _csrf: agent.csrf, note: 'x'.repeat(501) });
    expect(again.status).to.equal(303);
    expect(again.headers.location).to.equal('/me?saved=pending');
    expect(await t.db('credit_access_requests').where({ user_id: dan }).count({ n: '*' }).first()).to.deep.include({ n: 1 });
    // a seat-billed workspace has nothing to request
    const seat = await createWorkspace(t.db, { slug: 'seatonly', billing_mode: 'seat' });
    await createUser(t.db, seat.id, { email: 'm@seatonly.test', maySpendCredits: false });
    const m = await loginAs(t.app, 'm@seatonly.test', PASSWORD);
    const res = await m.post('/me/credit-access-request').type('form').send({ _csrf: m.csrf, note: '' });
    expect(res.status).to.equal(409);
    expect(res.text).to.include('billed per seat');
    expect(res.text).to.include('role="alert"');
    expect(await t.db('credit_access_requests').where({ workspace_id: seat.id }).first()).to.equal(undefined);
  });

  it('a denied request is shown to the member, who may ask again', async () => {
    const carol = await createUser(t.db, w.wsId, { email: w.email('carol'), name: 'Carol Denied', maySpendCredits: false });
    const agent = await loginAs(t.app, w.email('carol'), PASSWORD);
    await agent.post('/me/credit-access-request').type('form').send({ _csrf: agent.csrf }).expect(303);
    const req = await t.db('credit_access_requests').where({ user_id: carol }).first();
    await admin.post(`/admin/credits/requests/${req.id}/deny`).type('form').send({ _csrf: admin.csrf }).expect(303);
    expect(!!(await t.db('users').where({ id: carol }).first()).may_spend_credits).to.equal(false);
    const me = await agent.get('/me').expect(200);
    expect(me.text).to.include('Your credit access request was denied');
    expect(me.text).to.include('Ask again');
  });

  it('toggles credit access per user from the people list (htmx row swap), 404 for other workspaces', async () => {
    const res = await admin.post(`/admin/credits/users/${w.alice}/access`).set('HX-Request', 'true').type('form').send({ _csrf: admin.csrf, allowed: 'false' }).expect(200);
    expect(res.text).to.include(`id="person-${w.alice}"`);
    expect(res.text).to.include('can no longer spend credits');
    expect(!!(await t.db('users').where({ id: w.alice }).first()).may_spend_credits).to.equal(false);
    await admin.post(`/admin/credits/users/${otherUser}/access`).type('form').send({ _csrf: admin.csrf, allowed: 'false' }).expect(404);
    await admin.post(`/admin/credits/users/${w.alice}/access`).type('form').send({ _csrf: admin.csrf, allowed: 'maybe' }).expect(422);
    await admin.post(`/admin/credits/users/${w.alice}/access`).type('form').send({ allowed: 'true' }).expect(403); // no CSRF token
    await admin.post(`/admin/credits/users/${w.alice}/access`).type('form').send({ _csrf: admin.csrf, allowed: 'true' }).expect(303);
    const blocked = await admin.get('/admin/credits/people?access=blocked').set('HX-Request', 'true').expect(200);
    expect(blocked.text).to.include('Carol Denied');
    expect(blocked.text).to.not.include('Alice Able');
  });

  it('breaks usage down by category and by user from the rollups', async () => {
    // With the prices set above: api 3/call, agents (other) 10/run, grid 2/row after 5 free rows.
    const events = [
      billable(w.email('alice'), 'api', 10, 30), // 30
      billable(w.email('alice'), 'grid', 8, 29), // 5 free + 3 x 2 = 6
      billable(w.email('bob'), 'agents', 2, 28), // 20
    ];
    await record(t.db, w.wsId, events);
    const ws = await t.db('workspaces').where({ id: w.wsId }).first();
    // The three events' local day (usually today; early on the 1st they are kept inside the month, still today).
    const day = dayOf(events[0].occurredAt, ws.time_zone);
    expect(events.map((e) => dayOf(e.occurredAt, ws.time_zone))).to.deep.equal([day, day, day]);
    // Today is only in range with "Include today" (the Usage range rule: data through yesterday by default).
    const res = await admin.get(`/admin/credits/usage?from=${day}&to=${day}&today=1`).set('HX-Request', 'true').expect(200);
    expect(res.text).to.not.include('<html');
    expect(res.text).to.match(new RegExp(`<th scope="row" class="nowrap">${label(day)}</th><td class="num">6</td><td class="num">30</td><td class="num">20</td><td class="num">56</td>`));
    expect(res.text).to.match(/Alice Able[\s\S]*?<strong>36<\/strong>/);
    expect(res.text).to.match(/Bob Blocked[\s\S]*?<strong>20<\/strong>/);
    const full = await admin.get(`/admin/credits/usage?from=${day}&to=${day}&today=1`).expect(200);
    expect(full.text).to.include('<html');
    expect(full.text).to.include('data-chart-config="credits-by-category"');
  });

  it('breaks credits down by category per day and by user for exactly the selected range', async () => {
    const r = await creditWorld(t.db, { slug: 'range', time_zone: 'UTC' });
    const a = await loginAs(t.app, r.email('admin'), PASSWORD);
    // Default price: 2 credits per API call. Day A (3 days ago): Alice 10 calls = 20. Day B (1 day ago): Alice 5 = 10, Bob 1 = 2.
    const now = Date.now();
    const at = (daysAgo: number) => ({ occurredAt: new Date(now - daysAgo * DAY) });
    await record(t.db, r.wsId, [billable(r.email('alice'), 'api', 10, undefined, at(3)), billable(r.email('alice'), 'api', 5, undefined, at(1)), billable(r.email('bob'), 'api', 1, undefined, at(1))]);
    const dayA = dayOf(new Date(now - 3 * DAY), 'UTC');
    const dayB = dayOf(new Date(now - DAY), 'UTC');
    const only = (await a.get(`/admin/credits/usage?from=${dayB}&to=${dayB}`).set('HX-Request', 'true').expect(200)).text;
    expect(only).to.match(new RegExp(`<th scope="row" class="nowrap">${label(dayB)}</th><td class="num">0</td><td class="num">12</td><td class="num">0</td><td class="num">12</td>`));
    expect(only).to.not.include(`>${label(dayA)}<`);
    expect(only).to.match(/Alice Able[\s\S]*?<strong>10<\/strong>/);
    expect(only).to.match(/Bob Blocked[\s\S]*?<strong>2<\/strong>/);
    const both = (await a.get(`/admin/credits/usage?from=${dayA}&to=${dayB}`).set('HX-Request', 'true').expect(200)).text;
    expect(both).to.match(new RegExp(`<th scope="row" class="nowrap">${label(dayA)}</th><td class="num">0</td><td class="num">20</td><td class="num">0</td><td class="num">20</td>`));
    expect(both).to.match(/Alice Able[\s\S]*?<strong>30<\/strong>/);
    const bad = await a.get(`/admin/credits/usage?from=${dayB}&to=${dayA}`).set('HX-Request', 'true');
    // A reversed range is a 400 that keeps the page (default range) and says what is wrong next to the dates.
    expect(bad.status).to.equal(400);
    expect(bad.text).to.include('The end date must be on or after the start date.');
    expect(bad.text).to.match(/id="u-to"[^>]*aria-invalid="true"[^>]*autofocus/);
  });

  it('lists notifications and marks them read', async () => {
    const list = await admin.get('/admin/notifications?show=unread').expect(200);
    const ids = [...list.text.matchAll(/action="\/admin\/notifications\/(\d+)\/read"/g)].map((x) => x[1]);
    expect(ids.length).to.be.greaterThan(0);
    await otherAdmin.post(`/admin/notifications/${ids[0]}/read`).type('form').send({ _csrf: otherAdmin.csrf }).expect(404);
    await admin.post(`/admin/notifications/${ids[0]}/read`).type('form').send({ _csrf: admin.csrf }).expect(303);
    expect(await t.db('notification_reads').where({ notification_id: ids[0] })).to.have.length(1);
    await admin.post('/admin/notifications/read-all').type('form').send({ _csrf: admin.csrf }).expect(303);
    const after = await admin.get('/admin/notifications?show=unread').expect(200);
    expect(after.text).to.include('No unread notifications.');
    expect(after.text).to.not.include('data-testid="unread-count"');
    // nothing left to mark: the button is gone
    expect(after.text).to.not.include('action="/admin/notifications/read-all"');
  });

  it('keeps read state per admin: one admin reading a shared alert leaves it unread (and in the bell count) for the others', async () => {
    const ws = await createWorkspace(t.db, { slug: 'two-admins', billing_mode: 'credits' });
    await createUser(t.db, ws.id, { email: 'ann@two-admins.test', name: 'Ann', role: 'admin' });
    await createUser(t.db, ws.id, { email: 'ben@two-admins.test', name: 'Ben', role: 'admin' });
    const member = await createUser(t.db, ws.id, { email: 'mo@two-admins.test', name: 'Mo' });
    const ann = await loginAs(t.app, 'ann@two-admins.test', PASSWORD);
    const ben = await loginAs(t.app, 'ben@two-admins.test', PASSWORD);
    // Three shared alerts, and one addressed to the member (never counted for admins).
    for (const title of ['Shared one', 'Shared two', 'Shared three']) await notify(t.db, { workspaceId: ws.id, kind: 'test.shared', title });
    await notify(t.db, { workspaceId: ws.id, recipientUserId: member, kind: 'test.member', title: 'For Mo only' });
    const badge = async (a: Agent) => {
      const m = (await a.get('/admin/users').expect(200)).text.match(/data-testid="unread-count">(\d+)</);
      return m ? Number(m[1]) : 0;
    };
    expect([await badge(ann), await badge(ben)]).to.deep.equal([3, 3]);
    const list = await ann.get('/admin/notifications?show=unread').expect(200);
    const first = list.text.match(/action="\/admin\/notifications\/(\d+)\/read"/)![1];
    await ann.post(`/admin/notifications/${first}/read`).type('form').send({ _csrf: ann.csrf }).expect(303);
    await ann.post(`/admin/notifications/${first}/read`).type('form').send({ _csrf: ann.csrf }).expect(303); // again: no error, no second mark
    expect([await badge(ann), await badge(ben)]).to.deep.equal([2, 3]);
    const benUnread = await ben.get('/admin/notifications?show=unread').expect(200);
    expect(benUnread.text).to.include(`action="/admin/notifications/${first}/read"`);
    await ben.post('/admin/notifications/read-all').type('form').send({ _csrf: ben.csrf }).expect(303);
    expect([await badge(ann), await badge(ben)]).to.deep.equal([2, 0]);
    const annUnread = await ann.get('/admin/notifications?show=unread').expect(200);
    expect([...annUnread.text.matchAll(/action="\/admin\/notifications\/\d+\/read"/g)]).to.have.length(2);
    expect(annUnread.text).to.not.include('For Mo only');
    expect(await t.db('notification_reads').where({ notification_id: first })).to.have.length(2);
  });

  it('shows the credit meter (available and PAYG headroom) in the header of every admin page and on /me, and icons for who can spend', async () => {
    const m = await creditWorld(t.db, { slug: 'meter', payg_enabled: true, payg_monthly_cap: 500 });
    await addCredits(t.db, m.actor, m.wsId, { kind: 'grant', amount: 1000, expiresAt: null, note: null, priceCents: null });
    // 10 API calls at the default 2 credits = 20 from the pack; 60 calls by Bob (no permission) = 120, still charged.
    await record(t.db, m.wsId, [billable(m.email('alice'), 'api', 10, 20), billable(m.email('bob'), 'api', 60, 10)]);
    const available = 1000 - 20 - 120;
    const a = await loginAs(t.app, m.email('admin'), PASSWORD);
    for (const path of ['/admin/users', '/admin/notifications', '/admin/credits']) {
      const page = await a.get(path).expect(200);
      expect(page.text, path).to.match(new RegExp(`class="credit-meter[^"]*"[\\s\\S]*?<strong>${available}</strong>\\s*<span class="credit-meter-payg">\\+ 500 PAYG</span>`));
    }
    const people = (await a.get('/admin/credits/people').expect(200)).text;
    expect(people).to.match(/credit-icon credit-icon-yes[\s\S]*?Can spend credits[\s\S]*?Alice Able/);
    expect(people).to.match(/credit-icon credit-icon-no[\s\S]*?Cannot spend credits[\s\S]*?Bob Blocked/);
    const alice = await loginAs(t.app, m.email('alice'), PASSWORD);
    const me = (await alice.get('/me').expect(200)).text;
    expect(me).to.match(new RegExp(`Workspace credits available</div><div class="stat-value">${available}<`));
    expect(me).to.match(/Pay-as-you-go headroom<\/div><div class="stat-value">500</);
    // PAYG off: no headroom in the header; /me says Off.
    await a.post('/admin/credits/settings').type('form').send({ _csrf: a.csrf, included_credits_per_period: '0' }).expect(303);
    expect((await a.get('/admin/users').expect(200)).text).to.not.match(/PAYG<\/span>/);
    expect((await alice.get('/me').expect(200)).text).to.match(/Pay-as-you-go headroom<\/div><div class="stat-value">Off</);
  });

  it('links a notification only to a page of this site', async () => {
    for (const [title, link] of [['Same-site link', '/admin/credits#requests'], ['Script link', 'javascript:alert(1)'], ['Off-site link', '//evil.example/x'], ['Backslash link', '/\\evil.example']] as const) {
      await notify(t.db, { workspaceId: w.wsId, kind: 'test.link', title, link });
    }
    const page = await admin.get('/admin/notifications').expect(200);
    expect(page.text).to.include('href="/admin/credits#requests"');
    expect(page.text).to.not.include('javascript:alert(1)');
    expect(page.text).to.not.include('evil.example');
    expect(page.text).to.include('Script link'); // the notification itself is listed, just without a link
  });

  it('shows a member their own usage on /me, and is 403 for members on admin pages', async () => {
    const alice = await loginAs(t.app, w.email('alice'), PASSWORD);
    const me = await alice.get('/me').expect(200);
    // Alice's two interactions this month (api + grid), 10 + 20 tokens each; 36 credits.
    expect(me.text).to.match(/data-testid="me-generations">2</);
    expect(me.text).to.match(/data-testid="me-tokens">60</);
    expect(me.text).to.match(/data-testid="me-credits">36</);
    await alice.get('/admin/credits').expect(403);
    await request(t.app).get('/me').expect(303);
  });

  it('downloads the ledger as formula-safe CSV, audited', async () => {
    const ws = await t.db('workspaces').where({ id: w.wsId }).first();
    const day = dayOf(new Date(), ws.time_zone);
    const res = await admin.get(`/admin/credits/ledger.csv?from=${day}&to=${day}&today=1`).expect(200);
    expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).to.equal(`attachment; filename="pages-credit-ledger-${day}_${day}.csv"`);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).to.equal('"entry_id","occurred_at","day","entry_type","amount","category","user_email","pack_entry_id","expires_at","price_usd","is_overage","note","event_id"');
    const purchase = lines.find((l) => l.includes('"purchase"'))!;
    expect(purchase).to.include(',12000,');
    expect(purchase).to.include(',1200.5,');
    expect(purchase).to.include(`"'=cmd|x"`);
    const ledgerRows = await t.db('credit_ledger').where({ workspace_id: w.wsId, day }).count({ n: '*' }).first();
    expect(lines.length - 1).to.equal(Number(ledgerRows!.n));
    const audit = await t.db('audit_log').where({ workspace_id: w.wsId, action: 'export.download', target_id: 'credit-ledger' }).first();
    expect(JSON.parse(audit.after_json)).to.deep.equal({ export: 'credit-ledger', file: `pages-credit-ledger-${day}_${day}.csv`, path: '/admin/credits/ledger.csv', from: day, to: day });
  });

  it('removes credits only up to the balance', async () => {
    await addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount: 1, expiresAt: null, note: null, priceCents: null });
    const res = await admin.post('/admin/credits/adjustments').type('form').send({ _csrf: admin.csrf, amount: '999999', note: 'oops' });
    expect(res.status).to.equal(422);
    expect(res.text).to.match(/Only [\d,]+ credits are available to remove/);
  });
});
