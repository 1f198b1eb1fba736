// Usage page in a real browser: charts lazy-load and draw, the range changes, a table twin opens.
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { setUsageClock } from '../../src/reports/clock';
import { buildUsageWorld, NOW } from '../usage/fixture';

const CANVAS_CHARTS = ['weekly-generations', 'weekly-logins', 'credits', 'features', 'agents', 'users-features', 'users-agent-types', 'groups'];

(browserTestsEnabled() ? describe : describe.skip)('browser: usage page', function () {
  this.timeout(60000);
  let t: TestApp;
  let h: BrowserHarness;

  before(async () => {
    t = await createTestApp();
    await buildUsageWorld(t.db);
    setUsageClock(() => NOW);
    h = await startBrowser(t.app);
    await browserLogin(h, 'admin@acme.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await h?.close();
    await closeAll();
  });

  async function expectAllChartsDrawn() {
    const page = h.page;
    await page.waitForFunction(
      (ids) => ids.every((id) => {
        const c = document.querySelector(`#usage-chart-${id} canvas`) as (HTMLCanvasElement & { __chart?: unknown }) | null;
        return !!(c && c.__chart);
      }),
      CANVAS_CHARTS,
      { timeout: 15000 },
    );
    for (const id of CANVAS_CHARTS) {
      const size = await page.$eval(`#usage-chart-${id} canvas`, (c) => (c as HTMLCanvasElement).toDataURL().length);
      expect(size, id).to.be.greaterThan(3000); // a blank canvas encodes to a few hundred bytes
    }
    await page.waitForSelector('#usage-chart-heatmap table.usage-heat td.heat');
    expect(await page.$$('.loading')).to.have.length(0);
  }

  it('loads every chart, changes the range, redraws, and opens a table view', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/usage?from=2026-10-26&to=2026-11-24`);
    await expectAllChartsDrawn();
    expect(await page.textContent('[data-card="generations"] [data-value]')).to.equal('5');

    // change the range with a preset (a plain link: works without JavaScript too)
    await Promise.all([page.waitForURL(/from=2025-11-25/), page.click('a.usage-preset:has-text("Last 12 months")')]);
    await expectAllChartsDrawn();
    expect(await page.textContent('[data-card="generations"] [data-value]')).to.equal('10');

    // and with the custom form
    await page.fill('#range-from', '2025-12-29');
    await page.fill('#range-to', '2026-01-11');
    await Promise.all([page.waitForURL(/from=2025-12-29/), page.click('.usage-range-form button[type=submit]')]);
    await page.waitForSelector('#usage-chart-weekly-generations canvas');
    await page.waitForFunction(() => !!(document.querySelector('#usage-chart-weekly-generations canvas') as any)?.__chart);
    await page.waitForSelector('#usage-chart-agents [data-empty]');
    expect(await page.textContent('#usage-chart-agents [data-empty]')).to.equal('No agent runs in this range.');

    // the table twin of a chart
    const summary = page.locator('#usage-chart-weekly-generations details.table-view summary');
    await summary.click();
    expect(await page.locator('#usage-chart-weekly-generations details.table-view').getAttribute('open')).to.not.equal(null);
    expect(await page.locator('#usage-chart-weekly-generations table tbody tr').first().textContent()).to.include('Dec 29, 2025');

    // heatmap search swaps in place
    await page.goto(`${h.baseUrl}/admin/usage?from=2026-10-26&to=2026-11-24`);
    await page.waitForSelector('#heat-q');
    await page.fill('#heat-q', 'baker');
    await page.press('#heat-q', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('#usage-chart-heatmap tbody tr').length === 1);
    expect(page.url()).to.include('/admin/usage?');
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('heatmap sort, search and paging update the address bar; Back and reload restore the view', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/usage?from=2026-10-26&to=2026-11-24`);
    await page.waitForSelector('#usage-chart-heatmap table.usage-heat');
    const firstRow = () => page.locator('#usage-chart-heatmap tbody tr th').first().textContent();
    expect(await firstRow()).to.include('Ann Able'); // default: total, busiest first (ann: 4 generations)
    // sort by user
    await Promise.all([page.waitForURL(/sort=name&dir=asc/), page.click('#usage-chart-heatmap thead a:has-text("User")')]);
    await page.waitForFunction(() => document.querySelector('#usage-chart-heatmap th[aria-sort="ascending"]') !== null);
    expect(await firstRow()).to.include('Ada Admin');
    expect(new URL(page.url()).pathname).to.equal('/admin/usage');
    // next page
    await Promise.all([page.waitForURL(/after=/), page.click('#usage-chart-heatmap a[rel=next]')]);
    await page.waitForFunction(() => /Users 26/.test(document.querySelector('#usage-chart-heatmap .usage-heat-pager')?.textContent || ''));
    // search
    await page.fill('#heat-q', 'bob');
    await Promise.all([page.waitForURL(/q=bob/), page.press('#heat-q', 'Enter')]);
    await page.waitForFunction(() => document.querySelectorAll('#usage-chart-heatmap tbody tr').length === 1);
    // Back returns to the second page of the name sort
    await page.goBack();
    await page.waitForURL(/after=/);
    await page.waitForFunction(() => /Users 26/.test(document.querySelector('#usage-chart-heatmap .usage-heat-pager')?.textContent || ''));
    // reload (a bookmark) renders the same state in the full page
    await page.reload();
    await page.waitForFunction(() => /Users 26/.test(document.querySelector('#usage-chart-heatmap .usage-heat-pager')?.textContent || ''));
    expect(await page.locator('#usage-chart-heatmap th[aria-sort="ascending"] a').textContent()).to.equal('User');
    // the rest of the page still loads
    await page.waitForFunction(() => !!(document.querySelector('#usage-chart-features canvas') as any)?.__chart);
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('the hours-saved tooltip shows on hover and focus and Escape dismisses it without moving either', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/usage?from=2026-10-26&to=2026-11-24`);
    // keyboard focus shows it; Escape hides it while focus stays on the button
    await page.focus('.usage-tip-trigger');
    expect(await page.isVisible('#hours-saved-table')).to.equal(true);
    await page.keyboard.press('Escape');
    expect(await page.isVisible('#hours-saved-table')).to.equal(false);
    expect(await page.evaluate(() => document.activeElement?.classList.contains('usage-tip-trigger'))).to.equal(true);
    // focus leaves and comes back: it shows again
    await page.focus('#range-from');
    await page.focus('.usage-tip-trigger');
    expect(await page.isVisible('#hours-saved-table')).to.equal(true);
    await page.focus('#range-from');
    // hover shows it, the pointer can move onto it, Escape hides it while the pointer stays
    await page.hover('.usage-tip-trigger');
    expect(await page.isVisible('#hours-saved-table')).to.equal(true);
    await page.hover('#hours-saved-table .usage-tip-title');
    expect(await page.isVisible('#hours-saved-table')).to.equal(true);
    await page.keyboard.press('Escape');
    expect(await page.isVisible('#hours-saved-table')).to.equal(false);
    // a click (touch) pins it open; Escape closes it
    await page.mouse.move(0, 0);
    await page.click('.usage-tip-trigger');
    await page.mouse.move(0, 0);
    expect(await page.isVisible('#hours-saved-table')).to.equal(true);
    expect(await page.getAttribute('.usage-tip-trigger', 'aria-expanded')).to.equal('true');
    await page.keyboard.press('Escape');
    expect(await page.isVisible('#hours-saved-table')).to.equal(false);
  });

  it('works at 390px wide without horizontal page scroll', async () => {
    const page = h.page;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${h.baseUrl}/admin/usage?from=2026-10-26&to=2026-11-24`);
    await expectAllChartsDrawn();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).to.be.at.most(1);
    // the hours-saved table shows on keyboard focus
    await page.focus('.usage-tip-trigger');
    expect(await page.isVisible('#hours-saved-table')).to.equal(true);
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
