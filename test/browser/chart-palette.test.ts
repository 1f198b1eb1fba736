// One palette in a real browser: the charts of different pages paint the same series in the same
// colour (credit categories on the Usage page and on Credits > Usage; the API, Grid and Agent
// surfaces as their credit categories; inference and embedding on Token Statistics as their legend
// swatches), and every colour is the one public/css/palette.css names for the series.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { setUsageClock } from '../../src/reports/clock';
import { buildUsageWorld, NOW } from '../usage/fixture';

/** label -> colour of every dataset of the chart drawn on a canvas (colours as lower-case hex). */
async function seriesColours(page: Page, canvas: string): Promise<Record<string, string>> {
  await page.waitForFunction((sel) => !!(document.querySelector(sel) as (HTMLCanvasElement & { __chart?: unknown }) | null)?.__chart, canvas, { timeout: 15000 });
  return page.$eval(canvas, (c) => {
    const chart = (c as HTMLCanvasElement & { __chart: { data: { datasets: { label: string; backgroundColor: string }[] } } }).__chart;
    return Object.fromEntries(chart.data.datasets.map((d) => [d.label, String(d.backgroundColor).toLowerCase()]));
  });
}

/** The palette's value of a custom property, as the page resolves it. */
async function paletteColour(page: Page, name: string): Promise<string> {
  return page.evaluate((n) => getComputedStyle(document.documentElement).getPropertyValue(`--${n}`).trim().toLowerCase(), name);
}

/** A computed CSS colour ('rgb(79, 70, 229)') as hex. */
function hex(rgb: string): string {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(rgb);
  if (!m) return rgb.toLowerCase();
  return `#${[m[1], m[2], m[3]].map((v) => Number(v).toString(16).padStart(2, '0')).join('')}`;
}

(browserTestsEnabled() ? describe : describe.skip)('browser: one chart palette across pages', function () {
  this.timeout(90_000);
  let t: TestApp;
  let h: BrowserHarness;
  const consoleErrors: string[] = [];

  before(async () => {
    t = await createTestApp();
    await buildUsageWorld(t.db);
    setUsageClock(() => NOW);
    h = await startBrowser(t.app);
    h.page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await browserLogin(h, 'admin@acme.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await h?.close();
    await closeAll();
  });

  it('credit categories: the Usage page and Credits > Usage paint Grid, API and Agents alike, in the palette colours', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/usage`);
    const onUsage = await seriesColours(page, '#usage-chart-credits canvas');
    const expected = {
      Grid: await paletteColour(page, 'series-credit-grid'),
      API: await paletteColour(page, 'series-credit-api'),
      Agents: await paletteColour(page, 'series-credit-agents'),
    };
    expect(new Set(Object.values(expected)).size, 'three different colours').to.equal(3);
    for (const c of Object.values(expected)) expect(c).to.match(/^#[0-9a-f]{6}$/);
    expect(onUsage).to.deep.equal(expected);

    await page.goto(`${h.baseUrl}/admin/credits/usage`);
    expect(await seriesColours(page, 'canvas[data-chart-config="credits-by-category"]')).to.deep.equal(expected);
  });

  it('a concept shared by two charts keeps its colour: the API, Grid and Agent surfaces are their credit categories', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/usage`);
    const credits = await seriesColours(page, '#usage-chart-credits canvas');
    const surfaces = await seriesColours(page, '#usage-chart-users-features canvas');
    const shared = Object.keys(surfaces).filter((s) => ['API', 'Grid', 'Agent'].includes(s));
    expect(shared.length, 'the fixture has usage on at least one of those surfaces').to.be.greaterThan(0);
    for (const s of shared) expect(surfaces[s], s).to.equal(credits[s === 'Agent' ? 'Agents' : s]);
    // every other surface has its own colour from the palette
    for (const [label, colour] of Object.entries(surfaces)) expect(colour, label).to.equal(await paletteColour(page, `series-surface-${label.toLowerCase()}`));
  });

  it('Token Statistics: inference and embedding bars match their legend swatches, on both charts', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/tokens?tab=usage`);
    const monthly = await seriesColours(page, 'canvas[data-chart-config="chart-tokens-monthly"]');
    const models = await seriesColours(page, 'canvas[data-chart-config="chart-tokens-models"]');
    const swatch = async (cls: string) => hex(await page.$eval(cls, (e) => getComputedStyle(e).backgroundColor));
    const want = { Inference: await swatch('.swatch-inference'), Embedding: await swatch('.swatch-embedding') };
    expect(want.Inference).to.equal(await paletteColour(page, 'series-inference'));
    expect(want.Inference).to.not.equal(want.Embedding);
    expect(monthly).to.deep.equal(want);
    expect(models).to.deep.equal(want);
  });

  it('no chart asked for a series the palette lacks, and the CSP stayed quiet', () => {
    expect(consoleErrors.filter((e) => /palette|series/i.test(e))).to.deep.equal([]);
    expect(cspErrors(h.page)).to.deep.equal([]);
  });
});
