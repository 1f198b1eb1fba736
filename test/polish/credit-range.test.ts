// The Usage page's credit chart and Credits > Usage read the same default range (the last 30 days
// through yesterday, on the reports' clock) and so show the same credit totals; both label their
// table twin "View as table" and write days as 'Oct 14, 2026'.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { PASSWORD } from '../helpers/fixtures';
import { setUsageClock } from '../../src/reports/clock';
import { billable, creditWorld, record } from '../credits/fixture';

/** The numbers of a table's footer row ('1,234' -> 1234), after its first cell. */
function footer(html: string, marker: string): number[] {
  const at = html.indexOf(marker);
  expect(at, marker).to.be.greaterThan(-1);
  const foot = /<tfoot><tr>([\s\S]*?)<\/tr><\/tfoot>/.exec(html.slice(at))![1];
  return [...foot.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].slice(1).map((m) => Number(m[1].replace(/,/g, '')));
}

describe('credit totals: the Usage page and Credits > Usage agree on the default range', () => {
  let t: TestApp;
  let admin: Agent;
  // 2026-10-15 12:00 in Chicago (CDT, UTC-5): today is Oct 15, so the default range is Sep 15 - Oct 14.
  const NOW = new Date('2026-10-15T17:00:00Z');
  const at = (day: string) => ({ occurredAt: new Date(`${day}T18:00:00Z`) }); // 13:00 CDT that day

  before(async () => {
    t = await createTestApp();
    const w = await creditWorld(t.db, { slug: 'ranges', time_zone: 'America/Chicago' });
    const alice = w.email('alice');
    // API calls cost 2 credits, other agent runs 10 (the default prices)
    await record(t.db, w.wsId, [
      billable(alice, 'api', 1000, 0, at('2026-09-14')), // 2,000: the day before the range
      billable(alice, 'api', 100, 0, at('2026-09-15')), // 200: the first day
      billable(alice, 'api', 10, 0, at('2026-10-14')), // 20: yesterday, the last day
      billable(alice, 'agents', 2, 0, at('2026-10-14')), // 20
      billable(alice, 'api', 1, 0, { occurredAt: new Date('2026-10-15T16:00:00Z') }), // 2: today, not in the default range
    ]);
    setUsageClock(() => NOW);
    admin = await loginAs(t.app, w.email('admin'), PASSWORD);
  });
  after(() => {
    setUsageClock();
    return closeAll();
  });

  it('both pages total 240 credits (Grid 0, API 220, Agents 20) for Sep 15 - Oct 14', async () => {
    const usage = (await admin.get('/admin/usage/charts/credits').set('HX-Request', 'true').expect(200)).text;
    const credits = (await admin.get('/admin/credits/usage').expect(200)).text;
    // Usage chart twin: Grid, API, Agents, Total. Credits > Usage: Grid, API, Agents, Total, Overage.
    expect(footer(usage, 'data-table="credits"')).to.deep.equal([0, 220, 20, 240]);
    expect(footer(credits, 'data-testid="category-table"').slice(0, 4)).to.deep.equal([0, 220, 20, 240]);
    expect(credits).to.contain('Sep 15, 2026 – Oct 14, 2026 · 240 credits over 3 billable actions');
    expect(credits).to.contain('data through Oct 14, 2026 (yesterday)');
    // the same range on the Usage page itself
    const page = (await admin.get('/admin/usage').expect(200)).text;
    expect(page).to.contain('Showing <strong>Sep 15, 2026 – Oct 14, 2026</strong> (30 days)');
  });

  it('with "Include today" both move to Sep 16 - Oct 15 and count today', async () => {
    const usage = (await admin.get('/admin/usage/charts/credits?today=1').set('HX-Request', 'true').expect(200)).text;
    const credits = (await admin.get('/admin/credits/usage?today=1').expect(200)).text;
    expect(footer(usage, 'data-table="credits"')).to.deep.equal([0, 22, 20, 42]);
    expect(footer(credits, 'data-testid="category-table"').slice(0, 4)).to.deep.equal([0, 22, 20, 42]);
  });

  it('both twins are labelled "View as table" and the credits rows name days like the Usage page', async () => {
    const usage = (await admin.get('/admin/usage/charts/credits').set('HX-Request', 'true').expect(200)).text;
    const credits = (await admin.get('/admin/credits/usage').expect(200)).text;
    for (const html of [usage, credits]) {
      expect(html).to.match(/<details class="table-view">\s*<summary>View as table<\/summary>/);
      expect(html).to.not.match(/Show as table/);
    }
    expect(credits).to.match(/<th scope="row" class="nowrap">Oct 14, 2026<\/th>/);
    expect(credits).to.not.match(/<th scope="row"[^>]*>\d{4}-\d\d-\d\d</);
    const cfg = JSON.parse(/<script type="application\/json" id="credits-by-category">([^<]*)<\/script>/.exec(credits)![1]);
    expect(cfg.data.labels[0]).to.equal('Sep 15, 2026');
    expect(cfg.data.labels.at(-1)).to.equal('Oct 14, 2026');
  });
});
