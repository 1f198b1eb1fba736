// Token Statistics in a real browser: charts draw, tabs switch through htmx (URL pushed, no full
// reload), the back button restores a tab, an export downloads, and the page fits 390px.
import fs from 'node:fs';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { createTestApp, type TestApp } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { setUsageClock } from '../../src/reports/clock';
import { buildFixture, expectedMonth, FIRST_MONTH, monthsFrom, NOW, THIS_MONTH, TODAY } from '../tokens/fixture';

(browserTestsEnabled() ? describe : describe.skip)('browser: token statistics', function () {
  this.timeout(60000);
  let t: TestApp;
  let h: BrowserHarness;

  before(async () => {
    setUsageClock(() => NOW);
    t = await createTestApp();
    await buildFixture(t.db);
    h = await startBrowser(t.app);
    await browserLogin(h, 'admin@alpha.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await h?.close();
    await closeAll();
  });

  const drawn = (id: string) => `!!(document.querySelector('canvas[data-chart-config="${id}"]') || {}).__chart`;

  it('draws the charts, switches tabs in place, and downloads an export', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/tokens`);
    for (const id of ['chart-tokens-monthly', 'chart-tokens-models', 'chart-tokens-split']) {
      await page.waitForFunction(drawn(id), undefined, { timeout: 15000 });
      const size = await page.$eval(`canvas[data-chart-config="${id}"]`, (c) => (c as HTMLCanvasElement).toDataURL().length);
      expect(size, id).to.be.greaterThan(3000); // a blank canvas encodes to a few hundred bytes
    }
    // the table twin opens with the same numbers
    await page.click('[data-chart="monthly"] details.table-view summary');
    expect(await page.textContent('[data-chart="monthly"] tr[data-month="2026-11"] [data-col="total"]')).to.equal('6,600');

    // mark the document: an htmx swap keeps it, a full reload would not
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));
    await Promise.all([page.waitForURL(/tab=monthly/), page.click('a[data-tab="monthly"]')]);
    await page.waitForSelector('table[data-table="monthly-data"]');
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).to.equal(42);
    expect(await page.getAttribute('a[data-tab="monthly"]', 'aria-current')).to.equal('page');
    const months = await page.$$eval('table[data-table="monthly-data"] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-month')));
    // from the first month with usage (leading empty months are left out), newest first
    const firstUsed = monthsFrom(FIRST_MONTH, THIS_MONTH).find((m) => expectedMonth(m).total > 0)!;
    expect(months).to.deep.equal(monthsFrom(firstUsed, THIS_MONTH).reverse());
    expect(await page.textContent('tr[data-month="2026-01"] [data-col="inference"]')).to.equal(expectedMonth('2026-01').inference.toLocaleString('en-US'));
    // focus moved to the new panel's heading for keyboard and screen-reader users
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('tokens-panel-title');

    await Promise.all([page.waitForURL(/tab=exports/), page.click('a[data-tab="exports"]')]);
    await page.waitForSelector('[data-download="users-with-tokens"]');
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).to.equal(42);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-download="token-usage"]')]);
    expect(download.suggestedFilename()).to.equal(`alpha-token-usage-${TODAY}.csv`);
    const file = await download.path();
    const rows: string[][] = parse(fs.readFileSync(file!, 'utf8'));
    expect(rows[0]).to.deep.equal(['period', 'inference_tokens', 'embedding_tokens', 'total_tokens']);
    const nov = rows.find((r) => r[0] === '2026-11')!;
    expect(nov).to.deep.equal(['2026-11', '4100', '2500', '6600']);

    // back returns to the Monthly Data tab
    await page.goBack();
    await page.waitForURL(/tab=monthly/);
    await page.waitForSelector('table[data-table="monthly-data"]');

    // the period switch on Token Usage
    await page.goto(`${h.baseUrl}/admin/tokens?tab=usage`);
    await Promise.all([page.waitForURL(/range=all/), page.click('a[data-range="all"]')]);
    await page.waitForFunction(drawn('chart-tokens-monthly'));
    const labels = await page.$eval('#chart-tokens-monthly', (s) => JSON.parse(s.textContent!).data.labels);
    expect(labels[0]).to.equal('Nov 2025');
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('works at 390px wide without horizontal page scroll', async () => {
    const page = h.page;
    await page.setViewportSize({ width: 390, height: 844 });
    for (const tab of ['usage', 'monthly', 'exports']) {
      await page.goto(`${h.baseUrl}/admin/tokens?tab=${tab}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, tab).to.be.at.most(0);
    }
    await page.goto(`${h.baseUrl}/admin/data-dictionary`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, 'data dictionary').to.be.at.most(0);
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
