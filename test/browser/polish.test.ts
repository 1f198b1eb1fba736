// Feedback in a real browser: role changes confirm naming the person and the new role (your own
// demotion asks twice), a clicked tab is highlighted at once and the region being replaced is busy
// (a spinner only after ~300 ms), the phone header fits one row, and no page scrolls sideways.
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { usersWorld, type UsersWorld } from '../users/fixture';

(browserTestsEnabled() ? describe : describe.skip)('browser: confirmations, busy regions and instant tabs', function () {
  this.timeout(60000);
  let t: TestApp;
  let h: BrowserHarness;
  let w: UsersWorld;

  before(async () => {
    t = await createTestApp();
    w = await usersWorld(t.db);
    h = await startBrowser(t.app);
    await browserLogin(h, 'admin@alpha.test', PASSWORD);
  });
  after(async () => {
    await h?.close();
    await closeAll();
  });

  const role = async (id: number) => (await t.db('users').where({ id }).first()).role as string;

  /** Opens a row's menu and clicks its role item, answering the confirm dialog; resolves to the dialog's text. */
  async function changeRole(id: number, accept: boolean): Promise<string> {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/users`);
    let message = '';
    page.once('dialog', (d) => {
      message = d.message();
      void (accept ? d.accept() : d.dismiss());
    });
    await page.click(`#user-row-${id} [data-testid="row-menu-button"]`);
    await page.click(`#user-row-${id} [data-testid="role-button"]`);
    await page.waitForTimeout(300);
    await page.waitForLoadState('networkidle');
    return message;
  }

  it('a role change asks first, naming the person and the new role; cancelling changes nothing', async () => {
    expect(await changeRole(w.mark, false)).to.equal('Change Mark Member’s role to admin? They will be able to manage users, credits and exports.');
    expect(await role(w.mark)).to.equal('member');
    expect(await changeRole(w.mark, true)).to.match(/^Change Mark Member’s role to admin\?/);
    await h.page.waitForSelector(`#user-row-${w.mark} .row-notice`);
    expect(await role(w.mark)).to.equal('admin');
  });

  it('demoting yourself asks a second time, in the row, saying you lose access at once', async () => {
    const page = h.page;
    expect(await changeRole(w.alice, true)).to.equal('Change your own role to member?');
    await page.waitForSelector(`#user-row-${w.alice} [data-testid="self-demote"]`);
    expect(await page.textContent(`#user-row-${w.alice} [data-testid="self-demote"]`)).to.contain('You will lose access to every admin page at once');
    expect(await role(w.alice)).to.equal('admin'); // nothing changed yet
    // keeping the role puts the row back as it was
    await page.click(`#user-row-${w.alice} [data-testid="self-demote"] a:has-text("Keep my admin role")`);
    await page.waitForSelector(`#user-row-${w.alice} [data-testid="self-demote"]`, { state: 'detached' });
    expect(await role(w.alice)).to.equal('admin');
    // Mark (promoted above) goes back to member so the other tests see the fixture's roles
    await changeRole(w.mark, true);
    await page.waitForSelector(`#user-row-${w.mark} .row-notice`);
    expect(await role(w.mark)).to.equal('member');
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('a clicked tab is highlighted at once; the swapped region is busy, with a spinner only after ~300 ms', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/tokens?tab=usage`);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/admin/tokens?tab=monthly', async (route) => {
      await held;
      await route.continue();
    });
    await page.click('nav.tabs a[data-tab="monthly"]');
    // at once: the clicked tab is current, the panel region is busy but shows no spinner yet
    const now = await page.evaluate(() => ({
      current: document.querySelector('nav.tabs a[aria-current="page"]')?.getAttribute('data-tab'),
      busy: document.getElementById('token-stats')!.getAttribute('aria-busy'),
      slow: document.getElementById('token-stats')!.classList.contains('is-busy-slow'),
      opacity: Number(getComputedStyle(document.getElementById('token-stats')!).opacity) <= 1,
    }));
    expect(now).to.deep.equal({ current: 'monthly', busy: 'true', slow: false, opacity: true });
    await page.waitForFunction(() => document.getElementById('token-stats')!.classList.contains('is-busy-slow'), undefined, { timeout: 2000 });
    release();
    await page.waitForSelector('table[data-table="monthly-data"]');
    await page.waitForFunction(() => !document.querySelector('.is-busy') && !document.querySelector('[aria-busy="true"]'));
    expect(await page.getAttribute('nav.tabs a[aria-current="page"]', 'data-tab')).to.equal('monthly');
    await page.unroute('**/admin/tokens?tab=monthly');
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('legends match their series: the doughnut gives each slice its value and share', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/tokens?tab=usage`);
    await page.waitForFunction(() => !!(document.querySelector('canvas[data-chart-config="chart-tokens-split"]') as unknown as { __chart?: unknown })?.__chart);
    const legend = await page.evaluate(() => {
      const chart = (document.querySelector('canvas[data-chart-config="chart-tokens-split"]') as unknown as { __chart: { legend: { legendItems: { text: string }[] }; data: { datasets: { data: number[] }[] } } }).__chart;
      return { items: chart.legend.legendItems.map((i) => i.text), data: chart.data.datasets[0].data };
    });
    const total = legend.data.reduce((a, b) => a + b, 0);
    expect(total).to.be.greaterThan(0);
    legend.items.forEach((text, i) => {
      const share = Math.round((legend.data[i] / total) * 1000) / 10;
      expect(text).to.match(new RegExp(`: ${legend.data[i].toLocaleString('en-US').replace(/,/g, ',')} \\(${String(share).replace('.', '\\.')}%\\)$`));
    });
    // a bar chart's legend keeps boxes
    const monthly = await page.evaluate(() => (document.querySelector('canvas[data-chart-config="chart-tokens-monthly"]') as unknown as { __chart: { legend: { legendItems: { pointStyle: string }[] } } }).__chart.legend.legendItems.map((i) => i.pointStyle));
    expect(monthly.every((p) => p === 'rect')).to.equal(true);
    // the Usage page's IQ adoption line shows as a line in its legend, the generation bars as a box
    await page.goto(`${h.baseUrl}/admin/usage?from=2026-01-01&to=2026-12-31`);
    const sel = '#usage-chart-weekly-generations canvas[data-chart-config]';
    const drawn = await page.waitForFunction((s) => !!(document.querySelector(s) as unknown as { __chart?: unknown } | null)?.__chart, sel, { timeout: 10000 }).then(() => true, () => false);
    expect(drawn, 'the weekly generations chart is drawn').to.equal(true);
    const items = await page.evaluate((s) => (document.querySelector(s) as unknown as { __chart: { legend: { legendItems: { text: string; pointStyle: string }[] } } }).__chart.legend.legendItems.map((i) => `${i.text}:${i.pointStyle}`), sel);
    expect(items).to.include('IQ adoption:line');
    expect(items.filter((i) => i.endsWith(':rect'))).to.have.length.greaterThan(0);
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('at 390 px: the header is one row, the user table keeps its first column fixed and shows a scroll cue', async () => {
    const page = h.page;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${h.baseUrl}/admin/users`);
      expect((await page.locator('.topbar').boundingBox())!.height).to.be.at.most(60);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).to.be.at.most(0);
      const wrap = '#users-results .table-wrap';
      expect(await page.$eval(wrap, (e) => e.scrollWidth > e.clientWidth)).to.equal(true);
      expect(await page.getAttribute(wrap, 'data-scroll')).to.match(/right/); // the cue: more to the right
      const x0 = await page.$eval(`#user-row-${w.bob} td.user-name`, (e) => e.getBoundingClientRect().left);
      await page.$eval(wrap, (e) => (e.scrollLeft = e.scrollWidth));
      await page.waitForFunction((sel) => !/right/.test(document.querySelector(sel)!.getAttribute('data-scroll') || ''), wrap);
      const x1 = await page.$eval(`#user-row-${w.bob} td.user-name`, (e) => e.getBoundingClientRect().left);
      expect(Math.abs(x1 - x0)).to.be.at.most(1);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
