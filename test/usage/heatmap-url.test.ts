// The heatmap's sort/search/page state lives in the Usage page URL: htmx pushes it (bookmarkable,
// Back works) and the same URL without JavaScript renders that heatmap state in the full page.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { setUsageClock } from '../../src/reports/clock';
import { buildUsageWorld, NOW } from './fixture';

const R30 = 'from=2026-10-26&to=2026-11-24';

function tableRows(html: string, id: string): string[][] {
  const t = new RegExp(`data-table="${id}"[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`).exec(html);
  if (!t) throw new Error(`no table ${id}`);
  return [...t[1].matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()));
}

describe('usage: heatmap state in the URL', () => {
  let t: TestApp;
  let admin: Agent;

  before(async () => {
    t = await createTestApp();
    await buildUsageWorld(t.db);
    setUsageClock(() => NOW);
    admin = await loginAs(t.app, 'admin@acme.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  it('the lazy first load pushes nothing; a sort, search or page change pushes the Usage page URL of that state', async () => {
    const lazy = await admin.get(`/admin/usage/charts/heatmap?${R30}`).set('HX-Request', 'true').expect(200);
    expect(lazy.headers['hx-push-url']).to.equal(undefined);
    const sorted = await admin.get(`/admin/usage/charts/heatmap?${R30}&sort=name&dir=asc`).set('HX-Request', 'true').expect(200);
    expect(sorted.headers['hx-push-url']).to.equal(`/admin/usage?${R30}&sort=name&dir=asc`);
    const searched = await admin.get(`/admin/usage/charts/heatmap?${R30}&today=1&sort=total&dir=desc&q=Zo%C3%AB+b`).set('HX-Request', 'true').expect(200);
    expect(searched.headers['hx-push-url']).to.equal(`/admin/usage?from=2026-10-26&to=2026-11-24&today=1&q=Zo%C3%AB+b&sort=total&dir=desc`);
    // a history restore fetches the page itself and must not push again
    const restore = await admin.get(`/admin/usage/charts/heatmap?${R30}&sort=name&dir=asc`).set('HX-Request', 'true').set('HX-History-Restore-Request', 'true').expect(200);
    expect(restore.headers['hx-push-url']).to.equal(undefined);
  });

  it('links and the search form work without JavaScript: they point at the Usage page with the state', async () => {
    const html = (await admin.get(`/admin/usage/charts/heatmap?${R30}`).set('HX-Request', 'true').expect(200)).text;
    // sorting by user from the default (total, desc) view
    expect(html).to.include(`href="/admin/usage?from=2026-10-26&amp;to=2026-11-24&amp;sort=name&amp;dir=asc#usage-chart-heatmap" hx-get="/admin/usage/charts/heatmap?from=2026-10-26&amp;to=2026-11-24&amp;sort=name&amp;dir=asc"`);
    expect(html).to.match(/<form class="usage-heat-search" method="get" action="\/admin\/usage#usage-chart-heatmap" hx-get="\/admin\/usage\/charts\/heatmap"/);
    // the page's lazy placeholder offers the no-JavaScript way in
    const page = (await admin.get(`/admin/usage?${R30}`).expect(200)).text;
    expect(page).to.include('hx-get="/admin/usage/charts/heatmap?from=2026-10-26&amp;to=2026-11-24"');
    expect(page).to.include(`<a href="/admin/usage?from=2026-10-26&amp;to=2026-11-24&amp;sort=total&amp;dir=desc#usage-chart-heatmap">Show the heatmap on this page</a>`);
  });

  it('the pushed URL renders the same heatmap state in the full page (bookmark, reload, Back)', async () => {
    const partial = (await admin.get(`/admin/usage/charts/heatmap?${R30}&sort=name&dir=asc&q=a`).set('HX-Request', 'true').expect(200)).text;
    const page = (await admin.get(`/admin/usage?${R30}&sort=name&dir=asc&q=a`).expect(200)).text;
    expect(page).to.include('<html');
    expect(page).to.include('data-card="generations"');
    // in place of the lazy loader, with the same rows as the partial
    expect(page).not.to.include('hx-get="/admin/usage/charts/heatmap?from=2026-10-26&amp;to=2026-11-24" hx-trigger="load"');
    expect(tableRows(page, 'heatmap')).to.deep.equal(tableRows(partial, 'heatmap'));
    // by name ascending (every email contains "a" of "acme"): Ada Admin first, names in order
    const names = tableRows(page, 'heatmap').map((r) => r[0].split(' ').slice(0, 2).join(' '));
    expect(names[0]).to.equal('Ada Admin');
    expect(names).to.deep.equal([...names].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase())));
    expect(page).to.match(/<input type="search" id="heat-q" name="q" value="a"/);
    expect(page).to.include('aria-sort="ascending"');
  });

  it('a second page from the URL starts after the cursor', async () => {
    // 26 fillers + admin, ann, bob, cat (active) + dan (revoked, had generations) = 31 rows, 25 per page
    const first = (await admin.get(`/admin/usage?${R30}&sort=name&dir=asc`).expect(200)).text;
    const next = /href="(\/admin\/usage\?[^"]*after=[^"]*)#usage-chart-heatmap"[^>]*rel="next"/.exec(first);
    expect(next, 'next link').to.not.equal(null);
    const second = (await admin.get(next![1].replace(/&amp;/g, '&')).expect(200)).text;
    const rows = tableRows(second, 'heatmap');
    expect(rows.length).to.equal(31 - 25);
    expect(second).to.include('Users 26–31 of 31');
  });

  it('a bad heatmap value in the page URL is a 400 with the message in the heatmap card, the rest of the page intact', async () => {
    const res = await admin.get(`/admin/usage?${R30}&sort=drop+table`).expect(400);
    expect(res.text).to.include('data-testid="heat-error"');
    expect(res.text).to.include('Sort by name, total or a month (YYYY-MM).');
    expect(res.text).to.include('data-card="generations"');
  });
});
