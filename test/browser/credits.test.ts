// Real browser: the Credits section's tabs (htmx, pushed URLs, and without JavaScript), forms that
// fail focus their first invalid field on their own sub-page, the "Remove credits" confirmation
// names the amount, the header meter's colours, notifications (Approve from the list, message in
// view, the selected filter, buttons on one line), every sub-page within three screens at 1440 px
// and no wider than a 390 px screen (screenshots of each into SHOTS_DIR, default /tmp/shots-credits).
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { closeAll } from '../helpers/db';
import { createTestApp, type TestApp } from '../helpers/app';
import { createUser, PASSWORD } from '../helpers/fixtures';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { addCredits } from '../../src/credits/admin';
import { requestAccess } from '../../src/credits/access-requests';
import { billable, creditWorld, DAY, record } from '../credits/fixture';

const SHOTS = process.env.SHOTS_DIR || '/tmp/shots-credits';
const TABS = ['/admin/credits', '/admin/credits/usage', '/admin/credits/packs', '/admin/credits/payg', '/admin/credits/people', '/admin/credits/ledger', '/admin/credits/estimate?action=api&quantity=40'];

describe('browser: credits section', function () {
  this.timeout(120_000);
  let t: TestApp;
  let h: BrowserHarness;
  let w: Awaited<ReturnType<typeof creditWorld>>;

  before(async function () {
    if (!browserTestsEnabled()) return this.skip();
    t = await createTestApp();
    w = await creditWorld(t.db, { slug: 'browser', time_zone: 'UTC' });
    await addCredits(t.db, w.actor, w.wsId, { kind: 'purchase', amount: 5000, expiresAt: null, note: 'pack', priceCents: null });
    await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 100, 30), billable(w.email('alice'), 'grid', 40, 20)]); // 200 + 40
    // Usage two days ago, so the Usage chart (data through yesterday) has a bar whatever the hour. It predates
    // the pack by more than the 24 h reporting delay, so it is overage and leaves the balance at 4,760.
    await record(t.db, w.wsId, [billable(w.email('bob'), 'api', 10, undefined, { occurredAt: new Date(Date.now() - 2 * DAY) })]);
    h = await startBrowser(t.app);
    await browserLogin(h, w.email('admin'), PASSWORD);
  });
  after(async () => {
    await h?.close();
    await closeAll();
  });

  it('turns PAYG on with a monthly cap, then off again', async () => {
    const { page, baseUrl } = h;
    await page.goto(`${baseUrl}/admin/credits/payg`);
    expect(await page.textContent('.credit-meter')).to.match(/Credits\s+4,760/);
    expect((await page.textContent('[data-testid=payg-state]'))!.trim()).to.equal('Off');

    await page.check('#payg-enabled');
    await page.fill('#payg-cap', '750');
    await Promise.all([page.waitForURL(/\/admin\/credits\/payg\?saved=settings/), page.click('#payg-form button[type=submit]')]);
    expect((await page.textContent('[data-testid=payg-state]'))!.trim()).to.equal('On');
    expect(await page.textContent('.credit-meter')).to.match(/\+ 750 PAYG/);
    expect(await page.inputValue('#payg-cap')).to.equal('750');
    let ws = await t.db('workspaces').where({ id: w.wsId }).first();
    expect([!!ws.payg_enabled, Number(ws.payg_monthly_cap)]).to.deep.equal([true, 750]);

    // A bad cap is refused next to the field, which has the focus, and nothing changes.
    await page.fill('#payg-cap', '7.5');
    await page.click('#payg-form button[type=submit]');
    await page.waitForSelector('#payg-cap-err');
    expect(await page.getAttribute('#payg-cap', 'aria-invalid')).to.equal('true');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('payg-cap');

    await page.uncheck('#payg-enabled');
    await page.fill('#payg-cap', '');
    await Promise.all([page.waitForURL(/saved=settings/), page.click('#payg-form button[type=submit]')]);
    expect((await page.textContent('[data-testid=payg-state]'))!.trim()).to.equal('Off');
    ws = await t.db('workspaces').where({ id: w.wsId }).first();
    expect([!!ws.payg_enabled, ws.payg_monthly_cap]).to.deep.equal([false, null]);
    const audits = await t.db('audit_log').where({ workspace_id: w.wsId, action: 'credits.settings.update' });
    expect(audits).to.have.length(2);
  });

  it('switches tabs in place (htmx), pushes each URL, and Back returns to the previous tab', async () => {
    const { page, baseUrl } = h;
    await page.goto(`${baseUrl}/admin/credits`);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await page.click('.credits-tabs a[data-tab="packs"]');
    await page.waitForSelector('[data-testid="credits-panel-packs"]');
    expect(new URL(page.url()).pathname).to.equal('/admin/credits/packs');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).to.equal(42); // no page load
    expect(await page.getAttribute('.credits-tabs a[data-tab="packs"]', 'aria-current')).to.equal('page');
    await page.click('.credits-tabs a[data-tab="usage"]');
    await page.waitForSelector('[data-testid="credits-panel-usage"]');
    await page.waitForFunction(() => document.querySelector('canvas[data-chart-config="credits-by-category"]')?.getAttribute('data-drawn') === '1');
    expect(new URL(page.url()).pathname).to.equal('/admin/credits/usage');
    await page.goBack();
    await page.waitForSelector('[data-testid="credits-panel-packs"]');
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('tabs are plain links without JavaScript', async () => {
    const context = await h.browser.newContext({ javaScriptEnabled: false, storageState: await h.page.context().storageState() });
    const page = await context.newPage();
    await page.goto(`${h.baseUrl}/admin/credits`);
    await Promise.all([page.waitForURL(/\/admin\/credits\/people$/), page.click('.credits-tabs a[data-tab="people"]')]);
    expect(await page.locator('[data-testid="credits-panel-people"]').count()).to.equal(1);
    await context.close();
  });

  it('a bookmark of a section of the single page (/admin/credits#people) opens its sub-page', async () => {
    const { page, baseUrl } = h;
    await page.goto(`${baseUrl}/admin/credits#people`);
    await page.waitForURL(/\/admin\/credits\/people$/);
    await page.goto(`${baseUrl}/admin/credits#requests`);
    await page.waitForURL(/\/admin\/credits\/people#requests$/);
  });

  it('an empty "Add credits" form stays on Packs & grants with the error next to the field, focused and in view', async () => {
    const { page, baseUrl } = h;
    await page.goto(`${baseUrl}/admin/credits/packs`);
    await page.click('#add-credits button[type=submit]');
    await page.waitForSelector('#pack-amount-err');
    expect(new URL(page.url()).pathname).to.equal('/admin/credits/packs');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('pack-amount');
    const inView = await page.evaluate(() => {
      const r = document.getElementById('pack-amount-err')!.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    expect(inView).to.equal(true);
  });

  it('"Remove credits" asks for confirmation naming the amount', async () => {
    const { page, baseUrl } = h;
    await page.goto(`${baseUrl}/admin/credits/packs`);
    await page.fill('#remove-amount', '1250');
    await page.fill('#remove-note', 'double entry');
    let message = '';
    page.once('dialog', (d) => {
      message = d.message();
      void d.dismiss();
    });
    await page.click('#remove-credits button[type=submit]');
    await page.waitForTimeout(200);
    expect(message).to.equal('Remove 1,250 credits from the pool? The soonest-expiring packs lose them first; this is recorded in the ledger.');
    expect(await t.db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'adjustment' }).first()).to.equal(undefined); // dismissed
  });

  it('toggles a user in place and filters people, announcing the result', async () => {
    const { page, baseUrl } = h;
    await page.goto(`${baseUrl}/admin/credits/people`);
    await page.waitForLoadState('networkidle');
    const row = page.locator(`#person-${w.alice}`);
    await row.getByRole('button', { name: /Disallow credit spending for Alice Able/ }).click();
    await page.locator(`#person-${w.alice}`).getByText('can no longer spend credits').waitFor();
    expect(page.url()).to.not.match(/saved=/); // swapped in place, no navigation
    expect(!!(await t.db('users').where({ id: w.alice }).first()).may_spend_credits).to.equal(false);
    await page.selectOption('#p-access', 'blocked');
    await page.waitForFunction(() => document.getElementById('live-status')?.textContent === '2 people shown.');
    expect(new URL(page.url()).searchParams.get('access')).to.equal('blocked');
    await page.focus('#p-q');
    await page.keyboard.type('zzz-nobody');
    await page.waitForFunction(() => document.getElementById('live-status')?.textContent === 'Nobody matches these filters.');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('p-q');
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('the cost estimator answers in place', async () => {
    const { page, baseUrl } = h;
    await page.goto(`${baseUrl}/admin/credits/estimate`);
    await page.selectOption('#est-action', 'agent_research');
    await page.fill('#est-quantity', '3');
    await page.click('#estimate-form button[type=submit]');
    await page.waitForSelector('[data-testid="estimate-credits"]');
    expect(await page.textContent('[data-testid="estimate-credits"]')).to.equal('75');
    expect(await page.textContent('[data-testid="estimate-verdict"]')).to.equal('Would run');
    expect(new URL(page.url()).searchParams.get('action')).to.equal('agent_research');
    await page.fill('#est-quantity', 'x');
    await page.click('#estimate-form button[type=submit]');
    await page.waitForSelector('#est-quantity-err');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('est-quantity');
  });

  it('notifications: Approve from the list keeps the message in view, the filter shows the selection, buttons stay on one line', async () => {
    const { page, baseUrl } = h;
    // Enough notifications that the request is far down the list.
    for (let i = 0; i < 12; i++) await t.db('notifications').insert({ workspace_id: w.wsId, kind: 'credits.threshold.10000', title: `Old alert ${i}`, body: 'x', link: '/admin/credits', created_at: '2026-01-01 00:00:00.000' });
    await requestAccess(t.db, { userId: w.bob, label: 'bob', ip: null }, w.wsId, w.bob, 'please');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${baseUrl}/admin/notifications`);
    const activeColor = await page.$eval('[data-testid="filter-all"]', (a) => getComputedStyle(a).borderBottomColor);
    const otherColor = await page.$eval('[data-testid="filter-unread"]', (a) => getComputedStyle(a).borderBottomColor);
    expect(activeColor).to.not.equal(otherColor);
    // Buttons on one line, at 1440 and at 390.
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: 900 });
      const wrapped = await page.$$eval('.notification .btn', (bs) => bs.filter((b) => b.getBoundingClientRect().height > 40 || b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent));
      expect(wrapped, `at ${width}px`).to.deep.equal([]);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    const item = page.locator('.notification-request').first();
    await Promise.all([page.waitForURL(/decided=/), item.getByRole('button', { name: /^Approve/ }).click()]);
    const notice = page.locator('[data-testid="decided-notice"]');
    await notice.waitFor();
    expect(await notice.textContent()).to.equal('Approved by Ada Admin: they can now spend credits.');
    const inView = await notice.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    expect(inView).to.equal(true);
    expect(await page.locator('.notification-request [data-testid="handled"]').first().textContent()).to.match(/^Approved by Ada Admin on /);
  });

  it('the header meter changes colour by level and says paused at 0 with PAYG off', async () => {
    const { page, baseUrl } = h;
    await page.goto(`${baseUrl}/admin/credits`);
    const bg = () => page.$eval('.credit-meter', (m) => getComputedStyle(m).backgroundColor);
    const ok = await bg();
    const ws = await t.db('workspaces').where({ id: w.wsId }).first();
    const available = 4760;
    // Spend down to 0 (alice was disallowed above; charl can spend).
    await createUser(t.db, w.wsId, { email: 'charl@browser.test', name: 'Charl Spender' });
    await record(t.db, w.wsId, [billable('charl@browser.test', 'api', available / 2, 5)]);
    await page.goto(`${baseUrl}/admin/credits`);
    expect(await bg()).to.not.equal(ok);
    expect((await page.textContent('[data-testid="meter-state"]'))!.trim()).to.equal('paused');
    expect(await page.locator('[data-testid="credit-banner"]').isVisible()).to.equal(true);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `overview-paused-${page.viewportSize()!.width}.png`), fullPage: true });
    expect(ws.payg_enabled ? 1 : 0).to.equal(0);
  });

  it('every sub-page stays within three screens at 1440 px and fits 390 px (screenshots)', async () => {
    const { page, baseUrl } = h;
    // A realistic workspace: 60 people who used credits, 30 packs, hundreds of ledger rows.
    const yesterday = new Date(Date.now() - DAY);
    const events = [];
    for (let i = 0; i < 60; i++) {
      const email = `p${i}@browser.test`;
      await createUser(t.db, w.wsId, { email, name: `Person ${i}` });
      events.push(billable(email, 'api', 1 + (i % 7), undefined, { occurredAt: yesterday }));
    }
    for (let i = 0; i < 30; i++) await addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount: 100 + i, expiresAt: null, note: `grant ${i}`, priceCents: null });
    await record(t.db, w.wsId, events);
    fs.mkdirSync(SHOTS, { recursive: true });
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: 900 });
      for (const url of TABS) {
        await page.goto(`${baseUrl}${url}`);
        await page.waitForLoadState('networkidle');
        const [scrollW, innerW, scrollH] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth, document.documentElement.scrollHeight]);
        const name = (url.split('?')[0].replace('/admin/credits', '').replace('/', '') || 'overview') + `-${width}`;
        await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
        expect(scrollW, `${url} at ${width}px: page width`).to.be.at.most(innerW);
        if (width === 1440) expect(scrollH, `${url} at 1440px: height`).to.be.at.most(3 * 900);
      }
    }
    await page.goto(`${baseUrl}/admin/notifications`);
    await page.screenshot({ path: path.join(SHOTS, 'notifications-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${baseUrl}/admin/notifications`);
    await page.screenshot({ path: path.join(SHOTS, 'notifications-1440.png'), fullPage: true });
    await page.goto(`${baseUrl}/me`);
    await page.screenshot({ path: path.join(SHOTS, 'me-1440.png'), fullPage: true });
    expect(cspErrors(page)).to.deep.equal([]);
  });
});
