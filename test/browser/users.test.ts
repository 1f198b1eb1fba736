// User Management and Activity Logs in a real browser: the row menu by keyboard (Escape returns
// focus), View Logs, Older (htmx, URL pushed) and back, inline allocation edit updating the row and
// the summary, search pushing the URL, no CSP violations, usable at 390px.
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app';
import { createUser, PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { recordInteractions } from '../../src/ingest/write-path';
import { ev, usersWorld, type UsersWorld } from '../users/fixture';
import { NOW as LIMITS_NOW, userLimitsWorld, type LimitsWorld } from '../users/limits-fixture';
import { setUsageClock } from '../../src/reports/clock';

(browserTestsEnabled() ? describe : describe.skip)('browser: users and activity logs', function () {
  this.timeout(60000);
  let t: TestApp;
  let h: BrowserHarness;
  let w: UsersWorld;
  let lou: number;
  const T0 = Date.parse('2026-10-01T12:00:00.000Z');

  before(async () => {
    t = await createTestApp();
    w = await usersWorld(t.db);
    lou = await createUser(t.db, w.a.id, { email: 'lou@alpha.test', name: 'Lou Logs' });
    await recordInteractions(t.db, w.a.id, Array.from({ length: 75 }, (_, i) => ({ ...ev('lou@alpha.test', new Date(T0 + i * 3600_000)), id: `b-${i}`, promptTokens: i + 1, completionTokens: 1, prompt: `prompt ${i}` })));
    h = await startBrowser(t.app);
    await browserLogin(h, 'admin@alpha.test', PASSWORD);
  });
  after(async () => {
    await h?.close();
    await closeAll();
  });

  const marker = () => h.page.evaluate(() => (window as unknown as { __marker?: number }).__marker);
  const setMarker = () => h.page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 7));
  /** What an extension or autofill leaves behind: an empty style attribute (set, then reset, through CSSOM). */
  const styleTouch = (...selectors: string[]) =>
    h.page.evaluate((sels) => {
      for (const sel of sels) {
        const el = document.querySelector(sel) as HTMLElement;
        el.style.outline = '1px solid red';
        el.style.outline = '';
      }
    }, selectors);
  const focusedText = () => h.page.evaluate(() => document.activeElement?.textContent?.trim());

  it('row menu by keyboard -> View logs -> Older -> back', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/users`);
    const button = `#user-row-${lou} [aria-haspopup="menu"]`;
    await page.focus(button);
    await page.keyboard.press('Enter');
    expect(await page.getAttribute(button, 'aria-expanded')).to.equal('true');
    expect(await page.isVisible(`#user-menu-${lou}`)).to.equal(true);
    expect(await focusedText()).to.equal('View logs');
    await page.keyboard.press('ArrowDown');
    expect(await focusedText()).to.equal('Edit allocation');
    await page.keyboard.press('Escape');
    expect(await page.getAttribute(button, 'aria-expanded')).to.equal('false');
    expect(await page.isVisible(`#user-menu-${lou}`)).to.equal(false);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-controls'))).to.match(/^user-menu-/);

    await page.keyboard.press('ArrowDown'); // opens again on the first item
    expect(await focusedText()).to.equal('View logs');
    await Promise.all([page.waitForURL(new RegExp(`/admin/users/${lou}/logs$`)), page.keyboard.press('Enter')]);
    await page.waitForSelector('[data-testid="logs-table"]');
    expect(await page.$$eval('[data-log-id]', (r) => r.length)).to.equal(50);
    expect(await page.textContent('[data-log-id] td.prompt')).to.contain('prompt 74');

    await setMarker();
    await Promise.all([page.waitForURL(/before=/), page.click('[data-testid="logs-older"]')]);
    await page.waitForFunction(() => document.querySelectorAll('[data-log-id]').length === 25);
    expect(await marker()).to.equal(7); // swapped in place, no reload
    expect(await page.textContent('[data-log-id] td.prompt')).to.contain('prompt 24');
    // the swapped page is announced through the layout's persistent live region (25 of Lou's 75 rows remain)
    await page.waitForFunction(() => document.getElementById('live-status')?.textContent === '25 interactions on this page, newest first; 75 in all.');
    // the UTC time is on screen under the local time, not only in a hover title
    expect(await page.isVisible('[data-log-id] [data-testid="log-utc"]')).to.equal(true);
    expect(await page.textContent('[data-log-id] [data-testid="log-utc"]')).to.match(/^, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    // the new page is scrolled into view (below the sticky top bar), not left at the old scroll position
    const top = await page.$eval('#logs-results', (e) => e.getBoundingClientRect().top);
    expect(top).to.be.within(40, 120);

    await page.goBack();
    await page.waitForURL(new RegExp(`/admin/users/${lou}/logs$`));
    await page.waitForFunction(() => document.querySelectorAll('[data-log-id]').length === 50);
    expect(await page.textContent('[data-log-id] td.prompt')).to.contain('prompt 74');
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('edits an allocation inline and the row and summary update', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/users`);
    await setMarker();
    const before = await page.textContent('[data-testid="summary-assigned-inference"]');
    expect(before).to.equal('1,300');
    const button = `#user-row-${w.bob} [aria-haspopup="menu"]`;
    await page.focus(button);
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
    expect(await focusedText()).to.equal('Edit allocation');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#user-row-${w.bob} [data-testid="allocation-form"]`);
    // focus lands in the first field
    await page.waitForFunction((id) => document.activeElement?.id === `alloc-inf-${id}`, w.bob);
    // Browser extensions, autofill and tools leave an empty style="" on fields they touched (CSSOM set
    // and reset). htmx's default settle step copies class/style from a same-id element onto the new
    // one with setAttribute, which the strict CSP reports; our swaps use settle:0, so it never runs.
    await styleTouch(`#alloc-inf-${w.bob}`, `#alloc-emb-${w.bob}`);
    // an invalid value shows the error in place and saves nothing
    await page.fill(`#alloc-inf-${w.bob}`, '12.5');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#alloc-inf-${w.bob}-error`);
    expect(await page.textContent(`#alloc-inf-${w.bob}-error`)).to.contain('whole number');
    // a second failure (the form swapped over itself) and then the console is still clean
    await styleTouch(`#alloc-inf-${w.bob}`, `#alloc-emb-${w.bob}`);
    await page.fill(`#alloc-emb-${w.bob}`, '-1');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#alloc-emb-${w.bob}-error`);
    await page.waitForTimeout(100); // past htmx's settle step, where it copies class/style between same-id elements
    expect(cspErrors(page)).to.deep.equal([]);
    expect(await page.$$eval('[style]', (els) => els.map((e) => e.outerHTML.slice(0, 120)))).to.deep.equal([]);
    await page.fill(`#alloc-emb-${w.bob}`, '0');
    await page.fill(`#alloc-inf-${w.bob}`, '2,500');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#user-row-${w.bob} [data-col="max_inference"]`);
    expect(await page.textContent(`#user-row-${w.bob} [data-col="max_inference"]`)).to.equal('2,500');
    expect(await page.textContent(`#user-row-${w.bob} .row-notice`)).to.contain('Allocation saved');
    // keyboard focus comes back to the row's menu button
    await page.waitForFunction((id) => document.activeElement?.getAttribute('aria-controls') === `user-menu-${id}`, w.bob);
    // 1000 + 2500 + 200 (Bob's 100 replaced)
    await page.waitForFunction(() => document.querySelector('[data-testid="summary-assigned-inference"]')?.textContent === '3,700');
    expect(await marker()).to.equal(7);
    expect(Number((await t.db('users').where({ id: w.bob }).first()).max_inference_tokens)).to.equal(2500);
  });

  it('Escape in the inline edit cancels it and returns focus to the row menu', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/users`);
    const button = `#user-row-${w.eve} [aria-haspopup="menu"]`;
    await page.focus(button);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await focusedText()).to.equal('Edit allocation');
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => document.activeElement?.id === `alloc-inf-${id}`, w.eve);
    await page.keyboard.type('999');
    await page.keyboard.press('Escape');
    await page.waitForSelector(`#user-row-${w.eve} [data-col="max_inference"]`);
    await page.waitForFunction((id) => document.activeElement?.getAttribute('aria-controls') === `user-menu-${id}`, w.eve);
    expect(Number((await t.db('users').where({ id: w.eve }).first()).max_inference_tokens)).to.equal(0);
  });

  it('bulk allocation and an invite from the panel refresh the list and the summary without a reload', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/users`);
    await setMarker();
    const assigned = async () => Number((await page.textContent('[data-testid="summary-assigned-inference"]'))!.replace(/,/g, ''));
    const before = await assigned();
    const eve0 = Number((await t.db('users').where({ id: w.eve }).first()).max_inference_tokens);
    const mark0 = Number((await t.db('users').where({ id: w.mark }).first()).max_inference_tokens);
    await page.check(`#user-row-${w.eve} input[name=ids]`);
    await page.check(`#user-row-${w.mark} input[name=ids]`);
    await page.fill('#bulk-inf', '400');
    await page.click('#bulk-form button[type=submit]');
    await page.waitForSelector('[data-testid="list-notice"]');
    expect(await page.textContent('[data-testid="list-notice"]')).to.contain('Allocations saved for 2 selected users.');
    // Eve and Mark are active: assigned grows by exactly their two changes
    await page.waitForFunction((n) => document.querySelector('[data-testid="summary-assigned-inference"]')?.textContent === n.toLocaleString('en-US'), before + (400 - eve0) + (400 - mark0));
    expect(await page.textContent(`#user-row-${w.eve} [data-col="max_inference"]`)).to.equal('400');
    expect(await page.inputValue('#bulk-inf')).to.equal('');
    expect(await marker()).to.equal(7);

    const invited = Number(await page.textContent('[data-testid="summary-invited"]'));
    // the panel opens from the keyboard and Escape closes it, focus back on its button
    await page.focus('[data-testid="invite-toggle"]');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('#invite-panel', 'open')).to.equal('');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('inv-email');
    await page.keyboard.press('Escape');
    expect(await page.getAttribute('#invite-panel', 'open')).to.equal(null);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).to.equal('invite-toggle');
    await page.click('[data-testid="invite-toggle"]');
    await page.fill('#inv-email', 'browser.invite@alpha.test');
    await page.fill('#inv-name', 'Browser Invite');
    await page.fill('#inv-inf', '1,000');
    await page.click('#invite-panel button[type=submit]');
    await page.waitForFunction((n) => document.querySelector('[data-testid="summary-invited"]')?.textContent === String(n), invited + 1);
    expect(await page.textContent('[data-testid="list-notice"]')).to.contain('Invitation created for browser.invite@alpha.test.');
    expect(await page.getAttribute('#invite-panel', 'open')).to.equal(null);
    await page.waitForFunction((n) => document.querySelector('[data-testid="summary-assigned-inference"]')?.textContent === n.toLocaleString('en-US'), before + (400 - eve0) + (400 - mark0) + 1000);
    expect(await marker()).to.equal(7);
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('failed bulk and invite forms come back in place with a clean console (no CSP reports, no style attributes)', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/users`);
    await page.check(`#user-row-${w.eve} input[name=ids]`);
    await styleTouch('#bulk-inf', '#bulk-emb', '#inv-email', '#inv-name');
    await page.fill('#bulk-inf', '1.5');
    await page.click('#bulk-form button[type=submit]');
    await page.waitForSelector('#bulk-inf-error');
    await page.click('[data-testid="invite-toggle"]');
    await page.fill('#inv-email', 'not-an-email');
    await page.click('#invite-panel button[type=submit]');
    await page.waitForSelector('#invite-panel [aria-invalid="true"]');
    await page.waitForTimeout(100);
    expect(cspErrors(page)).to.deep.equal([]);
    expect(await page.$$eval('[style]', (els) => els.map((e) => e.outerHTML.slice(0, 120)))).to.deep.equal([]);
  });

  it('audit log filters are announced and show UTC under the local time', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/audit-log`);
    const n = Number((await t.db('audit_log').where({ workspace_id: w.a.id, action: 'user.allocation.update' }).count({ n: '*' }).first())!.n);
    expect(n).to.be.greaterThan(0);
    await Promise.all([page.waitForURL(/action=user\.allocation\.update/), page.selectOption('#a-action', 'user.allocation.update')]);
    await page.waitForFunction((k) => document.getElementById('live-status')?.textContent === `${k} audit ${k === 1 ? 'entry' : 'entries'} on this page, newest first, filtered.`, n);
    expect(await page.isVisible('[data-audit-id] [data-testid="audit-utc"]')).to.equal(true);
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('at 1440px the user table (every token column, exact numbers) and at 1280px the audit log fit without sideways scrolling', async () => {
    const page = h.page;
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${h.baseUrl}/admin/users`);
    const [scroll, client] = await page.$eval('#users-results .table-wrap', (e) => [e.scrollWidth, e.clientWidth]);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(scroll - client).to.be.at.most(1);
    // an audit entry with a long value (a credit request's note) wraps inside the change column
    const note = 'I run the weekly pipeline for the research assistant and need credits for the image jobs that follow it. '.repeat(2);
    await t.db('audit_log').insert({ workspace_id: w.a.id, actor_user_id: w.alice, actor_label: 'a.rather.long.address@alpha.test', action: 'credits.access_request.create', target_type: 'credit_access_request', target_id: '12345', after_json: JSON.stringify({ user: 'a.rather.long.address@alpha.test', status: 'pending', note }), ip: '203.0.113.77', created_at: '2026-02-01 10:00:00.000' });
    await page.goto(`${h.baseUrl}/admin/audit-log?action=credits.access_request.create`);
    const [s2, c2] = await page.$eval('#audit-results .table-wrap', (e) => [e.scrollWidth, e.clientWidth]);
    expect(s2 - c2).to.be.at.most(1);
    expect(await page.isVisible('text=203.0.113.77')).to.equal(true);
    await t.db('audit_log').where({ action: 'credits.access_request.create' }).delete();
  });

  it('search swaps the table and pushes a bookmarkable URL; sort header too', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/users`);
    await setMarker();
    await Promise.all([page.waitForURL(/q=carol/), page.fill('#f-q', 'carol')]);
    await page.waitForFunction(() => document.querySelectorAll('#users-results tr[id^="user-row-"]').length === 1);
    expect(await marker()).to.equal(7);
    await page.waitForFunction(() => document.getElementById('live-status')?.textContent === '1 user matches these filters, sorted by Name (ascending).');
    const url = page.url();
    expect(url).to.equal(`${h.baseUrl}/admin/users?q=carol`); // canonical: no empty fields
    await Promise.all([page.waitForURL(/sort=email/), page.click('a[data-sort="email"]')]);
    expect(await page.getAttribute('th[aria-sort] a.sorted', 'data-sort')).to.equal('email');
    await page.waitForFunction(() => document.getElementById('live-status')?.textContent === '1 user matches these filters, sorted by Email (ascending).');
    // Back undoes the sort (the pushed history entry), Forward redoes it
    await page.goBack();
    await page.waitForURL(`${h.baseUrl}/admin/users?q=carol`);
    await page.waitForFunction(() => document.querySelector('th[aria-sort] a.sorted')?.getAttribute('data-sort') === 'name');
    await page.goForward();
    await page.waitForURL(/sort=email/);
    await page.waitForFunction(() => document.querySelector('th[aria-sort] a.sorted')?.getAttribute('data-sort') === 'email');
    // the pushed URL renders the same result as a fresh page load
    await page.goto(url);
    expect(await page.$$eval('#users-results tr[id^="user-row-"]', (r) => r.map((x) => x.id))).to.deep.equal([`user-row-${w.carol}`]);
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('fits a 390px-wide screen (the table scrolls inside its frame, names stay in view)', async () => {
    const page = h.page;
    // a row with compact numbers (their exact value is visually-hidden text in the cell) must not widen the page either
    const wide = await createUser(t.db, w.a.id, { email: 'wide@alpha.test', name: 'Wide Numbers', maxInferenceTokens: 2_500_000, maxEmbeddingTokens: 40_000 });
    await page.setViewportSize({ width: 390, height: 800 });
    for (const path of ['/admin/users', `/admin/users/${lou}/logs`, '/admin/audit-log']) {
      await page.goto(`${h.baseUrl}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).to.be.at.most(1);
    }
    await page.goto(`${h.baseUrl}/admin/users`);
    const x0 = await page.$eval(`#user-row-${w.bob} td.user-name`, (e) => e.getBoundingClientRect().left);
    await page.$eval('#users-results .table-wrap', (e) => (e.scrollLeft = 300));
    const x1 = await page.$eval(`#user-row-${w.bob} td.user-name`, (e) => e.getBoundingClientRect().left);
    expect(Math.abs(x1 - x0)).to.be.at.most(1); // sticky name column
    await page.setViewportSize({ width: 1280, height: 900 });
    await t.db('users').where({ id: wide }).delete();
  });
  it('keyboard users see full column names and whole e-mail addresses (no hover needed)', async () => {
    const page = h.page;
    const big = await createUser(t.db, w.a.id, { email: 'kb.big.with-a-very-long-mailbox-name@alpha.test', name: 'Kb Big', maxInferenceTokens: 2_500_000, maxEmbeddingTokens: 40_000 });
    await page.goto(`${h.baseUrl}/admin/users?q=kb.big`);
    // a sort link focused from the keyboard shows its column's full name under the short header
    const tip = () => page.$eval('a[data-sort="max_inference"] abbr', (e) => getComputedStyle(e, '::after').content);
    expect(await tip()).to.equal('none');
    await page.focus('#f-q');
    for (let i = 0; i < 40 && (await page.evaluate(() => document.activeElement?.getAttribute('data-sort'))) !== 'max_inference'; i++) await page.keyboard.press('Tab');
    expect(await tip()).to.equal('"Max Inference Tokens (monthly allocation)"');
    // a long address is one line cut with an ellipsis (rows stay even); keyboard focus in the name cell shows it whole
    const email = `#user-row-${big} [data-col="email"]`;
    const oneLine = () => page.$eval(email, (e) => getComputedStyle(e).whiteSpace === 'nowrap' && e.scrollWidth > e.clientWidth);
    expect(await page.getAttribute(email, 'title')).to.equal('kb.big.with-a-very-long-mailbox-name@alpha.test');
    expect(await oneLine()).to.equal(true);
    await page.focus(`#user-row-${big} a.user-link`);
    expect(await oneLine()).to.equal(false);
    await page.focus('#f-q');
    expect(await oneLine()).to.equal(true);
    expect(cspErrors(page)).to.deep.equal([]);
    await t.db('users').where({ id: big }).delete();
  });
  it('without JavaScript the ⋮ leads to the Manage page, where every menu action works and returns to the list', async () => {
    const id = await createUser(t.db, w.a.id, { email: 'nojs@alpha.test', name: 'No Script', maxInferenceTokens: 10, maySpendCredits: false });
    const ctx = await h.browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
    const page = await ctx.newPage();
    try {
      await page.goto(`${h.baseUrl}/login`);
      await page.fill('#email', 'admin@alpha.test');
      await page.fill('#password', PASSWORD);
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
      const list = `${h.baseUrl}/admin/users?q=nojs`;
      const row = `#user-row-${id}`;
      /** Opens the Manage page through the row's ⋮ (a plain link without JS), runs one action, checks the notice. */
      const act = async (click: () => Promise<unknown>, notice: string) => {
        await page.goto(list);
        await Promise.all([page.waitForURL(new RegExp(`/admin/users/${id}/allocation\\?return=`)), page.click(`${row} [data-testid="row-menu-button"]`)]);
        expect(await page.textContent('h1')).to.equal('No Script');
        await Promise.all([page.waitForURL(/\/admin\/users\?q=nojs&notice=/), click()]);
        expect(await page.textContent('[data-testid="notice"]')).to.equal(notice);
      };
      const col = async (c: string) => (await page.textContent(`${row} [data-col="${c}"]`))!.trim();
      await act(async () => {
        await page.fill(`#alloc-inf-${id}`, '1,234');
        await page.fill(`#alloc-emb-${id}`, '56');
        await page.click('button:has-text("Save allocation")');
      }, 'Allocation saved.');
      expect([await col('max_inference'), await col('max_embedding')]).to.deep.equal(['1,234', '56']);
      await act(() => page.click('button:has-text("Allow credit spending")'), 'Credit access updated.');
      expect(await page.getAttribute(`${row} [data-col="credit"] .credit-icon`, 'aria-label')).to.equal('May spend credits');
      await act(() => page.click('button:has-text("Change role to admin")'), 'Role updated.');
      expect(await col('role')).to.equal('admin');
      await act(() => page.click('button:has-text("Revoke access")'), 'Access revoked. The user can no longer sign in; their history is kept.');
      expect(await col('status')).to.equal('revoked');
      await act(() => page.click('button:has-text("Restore access")'), 'Access restored.');
      expect(await col('status')).to.equal('active');
      // View logs
      await page.goto(list);
      await page.click(`${row} [data-testid="row-menu-button"]`);
      await Promise.all([page.waitForURL(new RegExp(`/admin/users/${id}/logs$`)), page.click('a:has-text("View logs")')]);
      expect(await page.textContent('h1')).to.contain('No Script');
      // an allocation error without JS: the Manage page again, message next to the field, nothing saved
      await page.goto(`${h.baseUrl}/admin/users/${id}/allocation`);
      await page.fill(`#alloc-inf-${id}`, '-3');
      await page.click('button:has-text("Save allocation")');
      expect(await page.textContent(`#alloc-inf-${id}-error`)).to.contain('must be a whole number');
      expect(Number((await t.db('users').where({ id }).first()).max_inference_tokens)).to.equal(1234);
    } finally {
      await ctx.close();
    }
    // with JavaScript the same ⋮ opens the menu instead, from Space too (it is a link with role="button")
    await h.page.goto(`${h.baseUrl}/admin/users?q=nojs`);
    await h.page.focus(`#user-row-${id} [data-testid="row-menu-button"]`);
    await h.page.keyboard.press(' ');
    expect(await h.page.getAttribute(`#user-row-${id} [data-testid="row-menu-button"]`, 'aria-expanded')).to.equal('true');
    expect(await focusedText()).to.equal('View logs');
    expect(h.page.url()).to.equal(`${h.baseUrl}/admin/users?q=nojs`);
    await h.page.keyboard.press('Escape');
    await t.db('users').where({ id }).delete();
  });
});

// The limit status filter and the limit use sort in a real browser at 1440 and 390 px: the select
// swaps the table and pushes a bookmarkable URL, the badge sits next to the effective limit inside
// the name cell (not clipped, not overflowing, the table no wider), Back restores the list.
(browserTestsEnabled() ? describe : describe.skip)('browser: users by limit status', function () {
  this.timeout(60000);
  let t: TestApp;
  let h: BrowserHarness;
  let w: LimitsWorld;

  before(async () => {
    setUsageClock(() => LIMITS_NOW);
    t = await createTestApp();
    w = await userLimitsWorld(t.db);
    h = await startBrowser(t.app);
    await browserLogin(h, 'admin@ul.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await h?.close();
    await closeAll();
  });

  /** Each badge inside its name cell: whole (nothing hidden), within the cell's box, on one line. */
  const badgeFit = () =>
    h.page.$$eval('[data-testid="limit-badge"]', (els) =>
      els.map((el) => {
        const b = el.getBoundingClientRect();
        const cell = el.closest('td')!.getBoundingClientRect();
        return { text: el.textContent, whole: el.scrollWidth <= el.clientWidth + 1, inside: b.left >= cell.left - 0.5 && b.right <= cell.right + 0.5, oneLine: b.height < 24 };
      }),
    );

  for (const width of [1440, 390]) {
    it(`at ${width}px: the filter is a select that swaps the table and pushes the URL; the badge fits its row`, async () => {
      const page = h.page;
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${h.baseUrl}/admin/users`);
      // the select is on screen, labelled and usable
      const box = (await page.locator('#f-limit-status').boundingBox())!;
      expect(box.x).to.be.at.least(0);
      expect(box.x + box.width).to.be.at.most(width);
      expect(await page.textContent('label[for="f-limit-status"]')).to.equal('Limit status');
      await Promise.all([page.waitForURL(/limit_status=near/), page.selectOption('#f-limit-status', 'near')]);
      expect(page.url()).to.equal(`${h.baseUrl}/admin/users?limit_status=near`);
      await page.waitForFunction(() => document.getElementById('live-status')?.textContent === '1 user matches these filters, sorted by Name (ascending).');
      expect(await page.$$eval('#users-results tr[id^="user-row-"]', (r) => r.map((x) => x.id))).to.deep.equal([`user-row-${w.ids.nina}`]);
      expect(await badgeFit()).to.deep.equal([{ text: 'Near', whole: true, inside: true, oneLine: true }]);
      // sorted by limit use, most used first (the header link, twice), then everyone with a limit:
      // every badge, the longest one included, fits; the table is no wider than its frame at 1440
      await Promise.all([page.waitForURL(/sort=limit_use$/), page.click('a[data-sort="limit_use"]')]);
      await Promise.all([page.waitForURL(/dir=desc/), page.click('a[data-sort="limit_use"]')]);
      await Promise.all([page.waitForURL(/limit_status=any_limit/), page.selectOption('#f-limit-status', 'any_limit')]);
      expect(page.url()).to.equal(`${h.baseUrl}/admin/users?limit_status=any_limit&sort=limit_use&dir=desc`);
      await page.waitForFunction(() => document.querySelectorAll('#users-results [data-testid="limit-badge"]').length === 3);
      expect(await page.$$eval('#users-results tr[id^="user-row-"]', (r) => r.slice(0, 4).map((x) => x.id))).to.deep.equal([w.ids.olga, w.ids.nina, w.ids.tom, w.ids.wes].map((id) => `user-row-${id}`));
      expect(await badgeFit()).to.deep.equal([
        { text: 'Over', whole: true, inside: true, oneLine: true },
        { text: 'Near', whole: true, inside: true, oneLine: true },
        { text: 'On track to exceed', whole: true, inside: true, oneLine: true },
      ]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).to.be.at.most(1);
      if (width === 1440) {
        const [scroll, client] = await page.$eval('#users-results .table-wrap', (e) => [e.scrollWidth, e.clientWidth]);
        expect(scroll - client).to.be.at.most(1);
      }
      // Back returns to the previous view (near, sorted by use); the pushed URL opened directly gives the same rows
      await page.goBack();
      await page.waitForURL(`${h.baseUrl}/admin/users?limit_status=near&sort=limit_use&dir=desc`);
      await page.waitForFunction(() => document.querySelectorAll('#users-results tr[id^="user-row-"]').length === 1);
      expect(await page.inputValue('#f-limit-status')).to.equal('near');
      await page.goto(`${h.baseUrl}/admin/users?limit_status=any_limit&sort=limit_use&dir=desc`);
      expect(await page.$$eval('#users-results tr[id^="user-row-"]', (r) => r.slice(0, 4).map((x) => x.id))).to.deep.equal([w.ids.olga, w.ids.nina, w.ids.tom, w.ids.wes].map((id) => `user-row-${id}`));
      expect(cspErrors(page)).to.deep.equal([]);
      await page.setViewportSize({ width: 1280, height: 900 });
    });
  }
});
