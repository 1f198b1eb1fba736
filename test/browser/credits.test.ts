// Real browser: an admin turns pay-as-you-go on with a cap and off again, toggles a user's credit
// access in place (htmx), and the credits chart draws; no CSP violations; fits a 390px screen.
import { expect } from 'chai';
import { closeAll } from '../helpers/db';
import { createTestApp, type TestApp } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { addCredits } from '../../src/credits/admin';
import { billable, creditWorld, record } from '../credits/fixture';

describe('browser: credits page', function () {
  this.timeout(60_000);
  let t: TestApp;
  let h: BrowserHarness;
  let w: Awaited<ReturnType<typeof creditWorld>>;

  before(async function () {
    if (!browserTestsEnabled()) return this.skip();
    t = await createTestApp();
    w = await creditWorld(t.db, { slug: 'browser' });
    await addCredits(t.db, w.actor, w.wsId, { kind: 'purchase', amount: 5000, expiresAt: null, note: 'pack', priceCents: null });
    await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 100, 30), billable(w.email('alice'), 'grid', 40, 20)]); // 200 + 40
    h = await startBrowser(t.app);
    await browserLogin(h, w.email('admin'), PASSWORD);
  });
  after(async () => {
    await h?.close();
    await closeAll();
  });

  it('turns PAYG on with a monthly cap, then off again', async () => {
    const { page, baseUrl } = h;
    await page.goto(`${baseUrl}/admin/credits`);
    expect(await page.textContent('.credit-meter')).to.match(/Credits\s+4,760/);
    expect((await page.textContent('[data-testid=payg-state]'))!.trim()).to.equal('Off');

    await page.check('#payg-enabled');
    await page.fill('#payg-cap', '750');
    await Promise.all([page.waitForURL(/saved=settings/), page.click('#payg-form button[type=submit]')]);
    expect((await page.textContent('[data-testid=payg-state]'))!.trim()).to.equal('On');
    expect(await page.textContent('.credit-meter')).to.match(/\+ 750 PAYG/);
    expect(await page.inputValue('#payg-cap')).to.equal('750');
    let ws = await t.db('workspaces').where({ id: w.wsId }).first();
    expect([!!ws.payg_enabled, Number(ws.payg_monthly_cap)]).to.deep.equal([true, 750]);

    // A bad cap is refused next to the field and nothing changes.
    await page.fill('#payg-cap', '7.5');
    await page.click('#payg-form button[type=submit]');
    await page.waitForSelector('#payg-cap-err');
    expect(await page.getAttribute('#payg-cap', 'aria-invalid')).to.equal('true');

    await page.uncheck('#payg-enabled');
    await page.fill('#payg-cap', '');
    await Promise.all([page.waitForURL(/saved=settings/), page.click('#payg-form button[type=submit]')]);
    expect((await page.textContent('[data-testid=payg-state]'))!.trim()).to.equal('Off');
    ws = await t.db('workspaces').where({ id: w.wsId }).first();
    expect([!!ws.payg_enabled, ws.payg_monthly_cap]).to.deep.equal([false, null]);
    const audits = await t.db('audit_log').where({ workspace_id: w.wsId, action: 'credits.settings.update' });
    expect(audits).to.have.length(2);
  });

  it('toggles a user in place and draws the chart, within the CSP', async () => {
    const { page, baseUrl } = h;
    await page.goto(`${baseUrl}/admin/credits`);
    const row = page.locator(`#person-${w.alice}`);
    await row.getByRole('button', { name: /Disallow credit spending for Alice Able/ }).click();
    await page.locator(`#person-${w.alice}`).getByText('can no longer spend credits').waitFor();
    expect(page.url()).to.not.match(/saved=/); // swapped in place, no navigation
    expect(!!(await t.db('users').where({ id: w.alice }).first()).may_spend_credits).to.equal(false);
    await page.waitForFunction(() => document.querySelector('canvas[data-chart-config="credits-by-category"]')?.getAttribute('data-drawn') === '1');
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('filtering people swaps the list in place, keeps focus in the search box and announces the result', async () => {
    const { page, baseUrl } = h;
    await page.goto(`${baseUrl}/admin/credits`);
    await page.waitForLoadState('networkidle');
    expect(await page.textContent('#live-status')).to.equal(''); // nothing is read out on a full page load
    await page.selectOption('#p-access', 'blocked');
    // Bob, and Alice since the test above disallowed her, are the users without credit access.
    const blocked = await t.db('users').where({ workspace_id: w.wsId, may_spend_credits: false }).count({ n: '*' }).first();
    const n = Number(blocked!.n);
    await page.waitForFunction((text) => document.getElementById('live-status')?.textContent === text, `${n} ${n === 1 ? 'person' : 'people'} shown.`);
    expect(new URL(page.url()).searchParams.get('access')).to.equal('blocked');
    expect(await page.locator('#people tbody tr').count()).to.equal(n);
    await page.focus('#p-q');
    await page.keyboard.type('zzz-nobody');
    await page.waitForFunction(() => document.getElementById('live-status')?.textContent === 'Nobody matches these filters.');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('p-q');
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('fits a 390px wide screen', async () => {
    const { page, baseUrl } = h;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${baseUrl}/admin/credits`);
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    expect(widths[0]).to.be.at.most(widths[1]);
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
