// The Credits section: sub-pages and their URLs, the credit state (meter levels, paused, banner),
// the burn rate and run-out date, the cost estimator (the API's quote engine), seat-billed 404s,
// and notifications (alerts vs requests, handled for every admin, who decided, the filter).
import { expect } from 'chai';
import request from 'supertest';
import { closeAll } from '../helpers/db';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';
import { addCredits, updatePrices, updateSettings } from '../../src/credits/admin';
import { createApiKey } from '../../src/apikeys/keys';
import { upsertAgent } from '../../src/ingest/roster';
import { DEFAULT_PRICES } from '../../src/credits/prices';
import { projectRunOut } from '../../src/credits/forecast';
import { creditState } from '../../src/credits/state';
import { addDays, dayOf, today, toDbTime } from '../../src/db/time';
import { billable, creditWorld, DAY, record } from './fixture';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');

describe('credits: the section', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(closeAll);

  describe('sub-pages', () => {
    let w: Awaited<ReturnType<typeof creditWorld>>;
    let admin: Agent;
    before(async () => {
      w = await creditWorld(t.db, { slug: 'tabs', time_zone: 'UTC' });
      admin = await loginAs(t.app, w.email('admin'), PASSWORD);
    });

    it('each tab has its own URL, marks itself current, and renders without JavaScript', async () => {
      const tabs: [string, string][] = [
        ['/admin/credits', 'overview'],
        ['/admin/credits/usage', 'usage'],
        ['/admin/credits/packs', 'packs'],
        ['/admin/credits/payg', 'payg'],
        ['/admin/credits/people', 'people'],
        ['/admin/credits/ledger', 'ledger'],
        ['/admin/credits/estimate', 'estimate'],
      ];
      for (const [path, id] of tabs) {
        const res = await admin.get(path).expect(200);
        expect(res.text, path).to.include('<html');
        expect(res.text, path).to.match(new RegExp(`href="${path}"[^>]*data-tab="${id}" class="active" aria-current="page"`));
        expect(res.text.match(/aria-current="page"/g)!.length, path).to.equal(3); // the side nav's and the phone menu's Credits, and this tab
        expect(res.text, path).to.include(`data-testid="credits-panel-${id}"`);
      }
      // A tab click (htmx, target #credits-section) gets the tab bar and panel, no layout.
      const frag = await admin.get('/admin/credits/packs').set('HX-Request', 'true').set('HX-Target', 'div#credits-section').expect(200);
      expect(frag.text).to.not.include('<html');
      expect(frag.text).to.include('credits-tabbar');
      expect(frag.text).to.include('data-testid="credits-panel-packs"');
    });

    it('the URLs of the single page redirect to their sub-page; form field names are unchanged', async () => {
      expect((await admin.get('/admin/credits?from=2026-01-01&to=2026-01-31').expect(301)).headers.location).to.equal('/admin/credits/usage?from=2026-01-01&to=2026-01-31');
      expect((await admin.get('/admin/credits?access=blocked&q=bo').expect(301)).headers.location).to.equal('/admin/credits/people?access=blocked&q=bo');
      expect((await admin.get('/admin/credits?type=usage').expect(301)).headers.location).to.equal('/admin/credits/ledger?type=usage');
      expect((await admin.get('/admin/credits?saved=prices').expect(301)).headers.location).to.equal('/admin/credits/payg?saved=prices');
      const payg = (await admin.get('/admin/credits/payg').expect(200)).text;
      for (const name of ['payg_enabled', 'payg_cap', 'included_credits_per_period', 'grid_row', 'api_call', 'grid_free_test_rows']) expect(payg).to.include(`name="${name}"`);
      const packs = (await admin.get('/admin/credits/packs').expect(200)).text;
      for (const name of ['kind', 'amount', 'expires_on', 'price', 'note']) expect(packs).to.include(`name="${name}"`);
    });

    it('an invalid form re-renders its own sub-page, the message next to the field and the first invalid field focused', async () => {
      const bad = await admin.post('/admin/credits/packs').type('form').send({ _csrf: admin.csrf, kind: 'purchase', amount: '', price: 'x' }).expect(422);
      expect(bad.text).to.include('data-testid="credits-panel-packs"');
      expect(bad.text).to.match(/<input id="pack-amount"[^>]*aria-invalid="true" aria-describedby="pack-amount-err" autofocus/);
      expect(bad.text).to.match(/<input id="pack-price"[^>]*aria-invalid="true" aria-describedby="pack-price-err"(?! autofocus)/);
      expect(bad.text).to.match(/<p class="field-error" id="pack-amount-err">Enter the number of credits as a whole number/);
      expect(bad.text.match(/ autofocus/g)).to.have.length(1);
      const cap = await admin.post('/admin/credits/settings').type('form').send({ _csrf: admin.csrf, payg_enabled: '1', payg_cap: 'ten', included_credits_per_period: '0' }).expect(422);
      expect(cap.text).to.include('data-testid="credits-panel-payg"');
      expect(cap.text).to.match(/<input id="payg-cap"[^>]*aria-invalid="true"[^>]*autofocus/);
      const rm = await admin.post('/admin/credits/adjustments').type('form').send({ _csrf: admin.csrf, amount: '5', note: '' }).expect(422);
      expect(rm.text).to.match(/<input id="remove-note"[^>]*aria-invalid="true"[^>]*autofocus/);
      expect(rm.text).to.include('data-confirm-amount="Remove {amount} credits from the pool?');
    });

    it('pages the by-user table, the packs and the people list', async () => {
      const p = await creditWorld(t.db, { slug: 'paging', time_zone: 'UTC' });
      const a = await loginAs(t.app, p.email('admin'), PASSWORD);
      await addCredits(t.db, p.actor, p.wsId, { kind: 'grant', amount: 100_000, expiresAt: null, note: null, priceCents: null });
      // 18 more users; user i makes i+1 API calls yesterday (2 credits each).
      const emails: string[] = [];
      for (let i = 0; i < 18; i++) {
        const email = `u${String(i).padStart(2, '0')}@paging.test`;
        await createUser(t.db, p.wsId, { email, name: `User ${String(i).padStart(2, '0')}` });
        emails.push(email);
      }
      await record(t.db, p.wsId, emails.map((e, i) => billable(e, 'api', i + 1, undefined, { occurredAt: new Date(Date.now() - DAY) })));
      const first = (await a.get('/admin/credits/usage').expect(200)).text;
      expect(first.match(/<tr>\s*<td class="num muted">/g)).to.have.length(15);
      expect(text(first)).to.include('Users 1–15 of 18 · page 1 of 2');
      expect(first).to.match(/User 17[\s\S]*?<strong>36<\/strong>/); // most first: 18 calls x 2
      const second = (await a.get('/admin/credits/usage?upage=2').expect(200)).text;
      expect(text(second)).to.include('Users 16–18 of 18 · page 2 of 2');
      expect(second).to.match(/User 00[\s\S]*?<strong>2<\/strong>/);
      const people = (await a.get('/admin/credits/people').expect(200)).text;
      expect(people.match(/data-testid="person-row"/g)).to.have.length(20); // 21 users, 20 a page
      expect(people).to.match(/rel="next" href="\/admin\/credits\/people\?access=all&amp;q=&amp;after=/);
      const search = (await a.get('/admin/credits/people?q=User%2003').expect(200)).text;
      expect(search.match(/data-testid="person-row"/g)).to.have.length(1);
    });
  });

  describe('credit state', () => {
    it('levels follow the alert thresholds; paused when neither prepaid nor PAYG credits are left', () => {
      const s = (available: number, paygEnabled = false, paygHeadroom: number | null = null) => creditState({ available, paygEnabled, paygHeadroom });
      expect([20_000, 10_000, 9_999, 5_000, 4_000, 1_000, 1, 0].map((n) => s(n).level)).to.deep.equal(['ok', 'below-10000', 'below-10000', 'below-5000', 'below-5000', 'below-1000', 'below-1000', 'paused']);
      expect(s(0).paused).to.equal(true);
      expect(s(0, true, 50)).to.include({ level: 'zero', paused: false });
      expect(s(0, true, 0)).to.include({ level: 'paused', paused: true }); // cap reached
      expect(s(0, true, Infinity)).to.include({ level: 'zero', paused: false });
    });

    it('the header meter colours, says "paused", and the overview and /me show a banner below 1,000 and at 0', async () => {
      const w = await creditWorld(t.db, { slug: 'state', time_zone: 'UTC' });
      const a = await loginAs(t.app, w.email('admin'), PASSWORD);
      const alice = await loginAs(t.app, w.email('alice'), PASSWORD);
      await addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount: 6000, expiresAt: null, note: null, priceCents: null });
      let page = (await a.get('/admin/credits').expect(200)).text;
      expect(page).to.match(/class="credit-meter credit-level-below-10000"/);
      expect(page).to.not.include('data-testid="credit-banner"');
      await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 2600, 30)]); // 5,200 -> 800 left
      page = (await a.get('/admin/users').expect(200)).text;
      expect(page).to.match(/class="credit-meter credit-level-below-1000"[\s\S]*?<strong>800<\/strong>[\s\S]*?data-testid="meter-state">low</);
      page = (await a.get('/admin/credits').expect(200)).text;
      expect(text(page)).to.include('Credits are low: 800 left. When they run out, Grid rows beyond the free test rows, API and MCP calls, and research and optimization agent runs pause (pay-as-you-go is off). An admin can add credits or turn on pay-as-you-go.');
      let me = (await alice.get('/me').expect(200)).text;
      expect(text(me)).to.include('Credits are low: 800 left.');
      expect(text(me)).to.include('Ask a workspace admin to add credits or turn on pay-as-you-go.');
      await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 400, 20)]); // 0
      page = (await a.get('/admin/credits').expect(200)).text;
      expect(page).to.match(/class="credit-meter credit-level-paused"[\s\S]*?data-testid="meter-state">paused</);
      expect(text(page)).to.include('Premium actions are paused. Grid rows beyond the free test rows, API and MCP calls, and research and optimization agent runs will not run: no prepaid credits are left and pay-as-you-go is off.');
      me = (await alice.get('/me').expect(200)).text;
      expect(text(me)).to.include('Premium actions are paused.');
      // PAYG on with headroom: 0 prepaid, not paused.
      await updateSettings(t.db, w.actor, w.wsId, { paygEnabled: true, paygCap: 300, includedPerPeriod: 0 });
      page = (await a.get('/admin/credits').expect(200)).text;
      expect(page).to.match(/class="credit-meter credit-level-zero"/);
      expect(page).to.not.match(/meter-state">paused/);
      expect(text(page)).to.include('Prepaid credits are used up. Grid rows beyond the free test rows, API and MCP calls, and research and optimization agent runs are now billed as pay-as-you-go overage, until 300 more credits reach this month\'s cap.');
    });
  });

  describe('burn rate and run-out', () => {
    it('projects the run-out day at the 30-day pace, packs drawn soonest-expiring first', async () => {
      const w = await creditWorld(t.db, { slug: 'burn', time_zone: 'UTC' });
      const a = await loginAs(t.app, w.email('admin'), PASSWORD);
      await addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount: 10_000, expiresAt: null, note: null, priceCents: null });
      // 3,000 credits over the last 30 complete days (1,500 API calls 2 and 10 days ago) = 100 a day; today's use is not in the pace.
      const ago = (d: number) => ({ occurredAt: new Date(Date.now() - d * DAY) });
      await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 750, undefined, ago(2)), billable(w.email('alice'), 'api', 750, undefined, ago(10)), billable(w.email('alice'), 'api', 50, 10)]);
      // The back-dated usage predates the grant (more than the 24 h reporting delay), so it is overage and
      // does not draw on it: left 10,000 - 100 (today) = 9,900 -> 99 days at 100 a day.
      const page = text((await a.get('/admin/credits').expect(200)).text);
      expect(page).to.include('Burn rate · last 30 days 100 / day 3,000 credits used');
      const expected = addDays(today('UTC'), 99);
      const day = dayOf(new Date(Date.now() + 99 * DAY), 'UTC');
      expect([expected, addDays(expected, -1)]).to.include(day); // the instant rounds within the day
      expect(page).to.include(`Prepaid credits run out ${day} in about 99 days at the 30-day pace`);
    });

    it('a pack that expires before the pace reaches its end loses the rest', () => {
      const now = new Date('2026-06-01T00:00:00Z');
      const pack = (id: number, remaining: number, expires: string | null) => ({ id, entry_type: 'grant', amount: remaining, remaining, expires_at: expires, occurred_at: '2026-05-01 00:00:00.000', note: null, price_cents: null });
      // 100 a day: pack 1 (1,000, expires in 5 days) loses 500; pack 2 (2,000, no expiry) lasts 20 more days -> 25 days.
      const r = projectRunOut({ available: 3000, packs: [pack(1, 1000, toDbTime(new Date(now.getTime() + 5 * DAY))), pack(2, 2000, null)] }, 100, now);
      expect(r).to.deep.equal({ days: 25, expireUnused: 500 });
      expect(projectRunOut({ available: 3000, packs: [pack(2, 3000, null)] }, 0, now)).to.deep.equal({ days: null, expireUnused: 0 });
    });
  });

  describe('cost estimator', () => {
    it('answers exactly what POST /api/v1/credits/quote answers, for every action and outcome', async () => {
      const w = await creditWorld(t.db, { slug: 'estimate', time_zone: 'UTC' });
      const a = await loginAs(t.app, w.email('admin'), PASSWORD);
      await addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount: 100, expiresAt: null, note: null, priceCents: null });
      await updatePrices(t.db, w.actor, w.wsId, { ...DEFAULT_PRICES, grid_row: 2 }, 10);
      await upsertAgent(t.db, w.wsId, { externalId: 'deep', name: 'Deep', kind: 'custom', type: 'research' });
      await upsertAgent(t.db, w.wsId, { externalId: 'tune', name: 'Tune', kind: 'custom', type: 'optimization' });
      await record(t.db, w.wsId, [billable(w.email('alice'), 'grid', 4, 30)]); // 4 of 10 free rows used
      const { key } = await createApiKey(t.db, w.wsId, 'quotes', w.admin);
      const api = async (user: string, category: string, units: number, agent?: string) =>
        (await request(t.app).post('/api/v1/credits/quote').set('Authorization', `Bearer ${key}`).send({ user, billable: { category, units, ...(agent ? { agent } : {}) } }).expect(200)).body;
      const page = async (action: string, quantity: number, user: string) => {
        const html = (await a.get(`/admin/credits/estimate?action=${action}&quantity=${quantity}&user=${encodeURIComponent(user)}`).set('HX-Request', 'true').set('HX-Target', 'section#estimate').expect(200)).text;
        const credits = Number(/data-testid="estimate-credits">([\d,]+)</.exec(html)![1].replace(/,/g, ''));
        const allowed = /data-testid="estimate-verdict">Would run</.test(html);
        const reason = /data-testid="estimate-reason">([^<]*)</.exec(html)![1].replace(/&#39;/g, "'").replace(/&amp;/g, '&');
        return { credits, allowed, reason, html };
      };
      const cases: [string, number, string, string, number, string?][] = [
        ['grid', 8, 'alice', 'grid', 8], // 6 free rows left: 2 rows x 2 = 4
        ['grid', 3, 'alice', 'grid', 3], // free
        ['api', 20, 'alice', 'api', 20], // 40 from the pool
        ['api', 60, 'alice', 'api', 60], // 120 > 100, PAYG off: refused
        ['api', 1, 'bob', 'api', 1], // no permission
        ['agent_research', 2, 'alice', 'agents', 2, 'deep'], // 50
        ['agent_optimization', 1, 'alice', 'agents', 1, 'tune'], // 20
        ['agent_other', 3, 'alice', 'agents', 3], // 30
      ];
      for (const [action, qty, who, category, units, agent] of cases) {
        const fromApi = await api(w.email(who), category, units, agent);
        const fromPage = await page(action, qty, w.email(who));
        expect({ credits: fromPage.credits, allowed: fromPage.allowed, reason: fromPage.reason }, `${action} x${qty} by ${who}`).to.deep.equal(fromApi);
      }
      expect((await api(w.email('alice'), 'grid', 8)).credits).to.equal(4);
      // With PAYG: the split between the pool and PAYG is shown, and still equals the API's answer.
      await updateSettings(t.db, w.actor, w.wsId, { paygEnabled: true, paygCap: 50, includedPerPeriod: 0 });
      const fromApi = await api(w.email('alice'), 'api', 70);
      const fromPage = await page('api', 70, w.email('alice'));
      expect({ credits: fromPage.credits, allowed: fromPage.allowed, reason: fromPage.reason }).to.deep.equal(fromApi);
      expect(text(fromPage.html)).to.include('From the prepaid pool 100 Billed as pay-as-you-go 40');
      // Bad input: 400 with the message next to the field.
      const bad = await a.get('/admin/credits/estimate?action=api&quantity=0').expect(400);
      expect(bad.text).to.match(/<input id="est-quantity"[^>]*aria-invalid="true"[^>]*autofocus/);
      const nobody = await a.get('/admin/credits/estimate?action=api&quantity=1&user=nobody%40x.test').expect(400);
      expect(nobody.text).to.include('No user with the e-mail nobody@x.test in this workspace.');
    });
  });

  describe('seat-billed workspaces', () => {
    it('have no credit pages, POSTs, nav link, meter or paused wording', async () => {
      const seat = await createWorkspace(t.db, { slug: 'seaty', billing_mode: 'seat' });
      await createUser(t.db, seat.id, { email: 'admin@seaty.test', role: 'admin' });
      const a = await loginAs(t.app, 'admin@seaty.test', PASSWORD);
      for (const path of ['/admin/credits', '/admin/credits/usage', '/admin/credits/packs', '/admin/credits/payg', '/admin/credits/people', '/admin/credits/ledger', '/admin/credits/estimate', '/admin/credits/ledger.csv']) {
        await a.get(path).expect(404);
      }
      const before = await t.db('workspaces').where({ id: seat.id }).first();
      await a.post('/admin/credits/settings').type('form').send({ _csrf: a.csrf, payg_enabled: '1', payg_cap: '500', included_credits_per_period: '1000' }).expect(404);
      await a.post('/admin/credits/packs').type('form').send({ _csrf: a.csrf, kind: 'grant', amount: '500' }).expect(404);
      await a.post('/admin/credits/prices').type('form').send({ _csrf: a.csrf, grid_row: '1', api_call: '1', agent_research: '1', agent_optimization: '1', agent_other: '1', grid_free_test_rows: '0' }).expect(404);
      const after = await t.db('workspaces').where({ id: seat.id }).first();
      expect([after.payg_enabled, after.payg_monthly_cap, after.included_credits_per_period]).to.deep.equal([before.payg_enabled, before.payg_monthly_cap, before.included_credits_per_period]);
      expect(await t.db('credit_ledger').where({ workspace_id: seat.id }).first()).to.equal(undefined);
      const users = (await a.get('/admin/users').expect(200)).text;
      expect(users).to.not.include('href="/admin/credits"');
      expect(users).to.not.include('credit-meter');
      expect(users.toLowerCase()).to.not.include('paused');
    });
  });

  describe('notifications', () => {
    it('alerts and requests look and read differently; deciding a request marks it handled for every admin and says who decided', async () => {
      const w = await creditWorld(t.db, { slug: 'notes', time_zone: 'UTC' });
      await createUser(t.db, w.wsId, { email: 'ben@notes.test', name: 'Ben Second', role: 'admin' });
      const ada = await loginAs(t.app, w.email('admin'), PASSWORD);
      const ben = await loginAs(t.app, 'ben@notes.test', PASSWORD);
      const bob = await loginAs(t.app, w.email('bob'), PASSWORD);
      await addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount: 6159, expiresAt: null, note: null, priceCents: null });
      await ada.get('/admin/credits').expect(200); // first look arms the levels above 6,159
      await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 3080, 20)]); // 6,159 -> 0 (6,160 charged; 1 overage)
      await bob.post('/me/credit-access-request').type('form').send({ _csrf: bob.csrf, note: 'launch' }).expect(303);
      const alerts = await t.db('notifications').where({ workspace_id: w.wsId }).where('kind', 'like', 'credits.threshold.%');
      expect(alerts.map((n) => n.kind)).to.deep.equal(['credits.threshold.0']); // 5,000, 1,000 and 0 at once: one alert
      let list = (await ada.get('/admin/notifications').expect(200)).text;
      expect(list).to.match(/class="notification notification-alert unread"[\s\S]*?<span class="notification-kind">Alert<\/span>Credits used up: balance is 0/);
      expect(text(list)).to.include('Balance when this alert fired: 0 credits. It passed the 5,000 and 1,000 alert levels on the way.');
      expect(list).to.match(/class="notification notification-request unread"[\s\S]*?<span class="notification-kind">Request<\/span>Bob Blocked asks for credit access/);
      expect(list).to.match(/href="\/admin\/notifications" aria-current="page" class="active" data-testid="filter-all"/);
      expect(list).to.not.match(/filter-unread"[^>]*aria-current|aria-current="page" class="active" data-testid="filter-unread"/);
      const unreadPage = (await ada.get('/admin/notifications?show=unread').expect(200)).text;
      expect(unreadPage).to.match(/aria-current="page" class="active" data-testid="filter-unread"/);
      expect(unreadPage).to.not.include('&#34;page&#34;');
      const bell = async (agent: Agent) => Number(/data-testid="unread-count">(\d+)</.exec((await agent.get('/admin/users').expect(200)).text)?.[1] ?? 0);
      expect([await bell(ada), await bell(ben)]).to.deep.equal([2, 2]);
      // Ben approves from the notifications list.
      const req = await t.db('credit_access_requests').where({ workspace_id: w.wsId, status: 'pending' }).first();
      expect(list).to.include(`action="/admin/credits/requests/${req.id}/approve"`);
      const res = await ben.post(`/admin/credits/requests/${req.id}/approve`).type('form').send({ _csrf: ben.csrf, next: 'notifications' }).expect(303);
      const note = await t.db('notifications').where({ workspace_id: w.wsId, kind: 'credits.access_request' }).first();
      expect(res.headers.location).to.equal(`/admin/notifications?decided=${note.id}#notification-${note.id}`);
      const back = (await ben.get(`/admin/notifications?decided=${note.id}`).expect(200)).text;
      expect(back).to.match(new RegExp(`id="notification-${note.id}"[\\s\\S]*?data-testid="decided-notice">Approved by Ben Second: they can now spend credits.<`));
      // Handled for both admins: out of both bells, and Ada's list says Ben approved it; no buttons left.
      expect([await bell(ada), await bell(ben)]).to.deep.equal([1, 1]);
      list = (await ada.get('/admin/notifications').expect(200)).text;
      expect(list).to.match(/notification-request notification-handled[\s\S]*?data-testid="handled">Approved by Ben Second on /);
      expect(list).to.not.include(`action="/admin/credits/requests/${req.id}/approve"`);
      expect((await ada.get('/admin/notifications?show=unread').expect(200)).text).to.not.include('Bob Blocked asks for credit access');
      // From the People page: the message is next to the requests, naming who decided.
      await t.db('users').where({ id: w.bob }).update({ may_spend_credits: false });
      await bob.post('/me/credit-access-request').type('form').send({ _csrf: bob.csrf }).expect(303);
      const req2 = await t.db('credit_access_requests').where({ workspace_id: w.wsId, status: 'pending' }).first();
      const deny = await ada.post(`/admin/credits/requests/${req2.id}/deny`).type('form').send({ _csrf: ada.csrf }).expect(303);
      expect(deny.headers.location).to.equal(`/admin/credits/people?saved=denied&request=${req2.id}#requests`);
      const people = text((await ada.get(`/admin/credits/people?saved=denied&request=${req2.id}`).expect(200)).text);
      expect(people).to.include("Denied by Ada Admin: Bob Blocked's request was declined and they have been told.");
    });
  });
});
