// Usage page: every card and chart number against values worked out by hand from the fixture
// (test/usage/fixture.ts documents each event's Chicago day and week).
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { HOURS_SAVED_MINUTES } from '../../src/usage/definitions';
import { setUsageClock } from '../../src/reports/clock';
import { buildUsageWorld, NOW, FILLERS, type UsageWorld } from './fixture';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import { upsertUser } from '../../src/ingest/roster';

const R30 = 'from=2026-10-26&to=2026-11-24'; // previous period: 2026-09-26 .. 2026-10-25
const RYEAR = 'from=2025-12-29&to=2026-01-11'; // across the year boundary

function card(html: string, id: string): { value: string; delta: string } {
  const m = new RegExp(`data-card="${id}"[\\s\\S]*?data-value>([^<]*)<[\\s\\S]*?data-delta>([^<]*)<`).exec(html);
  if (!m) throw new Error(`card ${id} not found`);
  return { value: m[1].trim(), delta: m[2].trim() };
}

function chartConfig(html: string, id: string): any {
  const m = new RegExp(`<script type="application/json" id="cfg-${id}">([\\s\\S]*?)</script>`).exec(html);
  if (!m) throw new Error(`no chart config for ${id}`);
  return JSON.parse(m[1]);
}

function dataset(cfg: any, label: string): (number | null)[] {
  const ds = cfg.data.datasets.find((d: any) => d.label === label);
  if (!ds) throw new Error(`no dataset ${label}`);
  return ds.data;
}

function tableRows(html: string, id: string): string[][] {
  const t = new RegExp(`data-table="${id}"[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`).exec(html);
  if (!t) throw new Error(`no table ${id}`);
  return [...t[1].matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()));
}

describe('usage page: cards and charts', () => {
  let t: TestApp;
  let w: UsageWorld;
  let admin: Agent;
  let seatAdmin: Agent;

  before(async () => {
    t = await createTestApp();
    w = await buildUsageWorld(t.db);
    setUsageClock(() => NOW);
    admin = await loginAs(t.app, 'admin@acme.test', PASSWORD);
    seatAdmin = await loginAs(t.app, 'admin@seat.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  const chart = async (id: string, q = R30, agent = () => admin) => {
    const res = await agent().get(`/admin/usage/charts/${id}?${q}`).set('HX-Request', 'true');
    expect(res.status, res.text).to.equal(200);
    return res.text;
  };

  it('says how fresh the data is, in the workspace zone, and defaults to the last 30 days through yesterday', async () => {
    const res = await admin.get('/admin/usage').expect(200);
    expect(res.text).to.include('Data through <strong>Nov 24, 2026</strong>');
    expect(res.text).to.include('days in America/Chicago');
    expect(res.text).to.match(/name="from" value="2026-10-26"/);
    expect(res.text).to.match(/name="to" value="2026-11-24"/);
    expect(res.text).to.match(/class="usage-preset active" href="\/admin\/usage\?from=2026-10-26&amp;to=2026-11-24" data-preset="30d" aria-current="true">Last 30 days/);
  });

  it('cards: generations, IQ adoption, hours saved with changes vs the previous 30 days', async () => {
    const html = (await admin.get(`/admin/usage?${R30}`).expect(200)).text;
    // In range (inference, days 10-26..11-24): e1 chat, e2 agent, e3 other, e4 other, e9 agent = 5.
    // e8 is today (excluded: through yesterday), e11 is an embedding. Previous period: e10 (api), e12 (chat) = 2.
    expect(card(html, 'generations')).to.deep.equal({ value: '5', delta: '▲ +150.0% vs previous 30 days' });
    // IQ: e1, e3, e9 = 3 of 5 = 60%; previous 0 of 2 = 0% -> +60 pts.
    expect(card(html, 'iq-adoption')).to.deep.equal({ value: '60.0%', delta: '▲ +60.0 pts vs previous 30 days' });
    const M = HOURS_SAVED_MINUTES;
    const minutes = M.chat + 2 * M.agent + 2 * M.other;
    const prevMinutes = M.api + M.chat;
    const hours = card(html, 'hours-saved');
    expect(hours.value).to.equal((minutes / 60).toFixed(1));
    expect(hours.delta).to.equal(`▲ +${(((minutes - prevMinutes) / prevMinutes) * 100).toFixed(1)}% vs previous 30 days`);
    expect(html).to.include('Directional estimate');
    // the per-surface minutes table is in the tooltip
    expect(html).to.match(/<th scope="row">Agent<\/th><td class="num">15 min<\/td>/);
  });

  it('cards: active licenses, 30-day active users and rate, whatever the range', async () => {
    for (const q of [R30, RYEAR]) {
      const html = (await admin.get(`/admin/usage?${q}`).expect(200)).text;
      // active now: admin, ann, bob, cat + fillers (dan revoked, eve invited)
      const licenses = 4 + FILLERS;
      expect(card(html, 'active-licenses').value).to.equal(String(licenses));
      // 30 days ending yesterday = 10-26..11-24: ann (e1,e2,e4), bob (e3,e9). cat only on 10-25 and today; dan on 10-20.
      expect(card(html, 'active-users').value).to.equal('2');
      // previous 30 days (09-26..10-25): cat (e10), dan (e12) = 2 -> no change
      expect(card(html, 'active-users').delta).to.equal('No change vs the 30 days before');
      expect(card(html, 'active-user-rate').value).to.equal(`${((2 / licenses) * 100).toFixed(1)}%`);
    }
  });

  it('"include today" adds today\'s events and says so', async () => {
    const html = (await admin.get('/admin/usage?from=2026-10-26&to=2026-11-25&today=1').expect(200)).text;
    expect(card(html, 'generations').value).to.equal('6'); // + e8 (cat, today)
    expect(html).to.include('includes today so far');
    expect(html).to.include('Data through <strong>Nov 25, 2026</strong>');
    // without the switch, an end of today is clamped to yesterday with a note
    const clamped = (await admin.get('/admin/usage?from=2026-10-26&to=2026-11-25').expect(200)).text;
    expect(card(clamped, 'generations').value).to.equal('5');
    expect(clamped).to.match(/data-testid="range-note">Data runs through yesterday \(2026-11-24\)/);
  });

  it('clamps ranges to the rolling 12 months with a visible note', async () => {
    const html = (await admin.get('/admin/usage?from=2020-01-01&to=2026-01-11').expect(200)).text;
    expect(html).to.match(/name="from" value="2025-11-25"/);
    expect(html).to.include('rolling 12 months: the start was moved from 2020-01-01 to 2025-11-25');
    // e5, e6, e7 are the only generations from 2025-11-25 to 2026-01-11
    expect(card(html, 'generations').value).to.equal('3');
    const outside = (await admin.get('/admin/usage?from=2020-01-01&to=2020-02-01').expect(200)).text;
    expect(outside).to.include('is outside the reporting window');
    expect(outside).to.match(/name="from" value="2026-10-26"/);
  });

  it('rejects bad dates and reversed ranges with a 400 page that keeps the form', async () => {
    const bad = await admin.get('/admin/usage?from=2026-02-30&to=2026-03-01').expect(400);
    expect(bad.text).to.include('This is not a calendar date.');
    expect(bad.text).to.match(/id="range-from"[^>]*aria-invalid="true"/);
    // A non-date is not put into <input type=date> (browsers would show it empty); the message quotes it.
    expect(bad.text).to.match(/name="from" value=""/);
    expect(bad.text).to.include('“2026-02-30”: This is not a calendar date.');
    expect(bad.text).to.match(/name="to" value="2026-03-01"/);
    const fmt = await admin.get('/admin/usage?from=yesterday').expect(400);
    expect(fmt.text).to.include('Use the format YYYY-MM-DD.');
    const rev = await admin.get('/admin/usage?from=2026-11-10&to=2026-11-01').expect(400);
    expect(rev.text).to.include('The end date must be on or after the start date.');
    expect(rev.text).not.to.include('data-card=');
    await admin.get('/admin/usage/charts/features?from=2026-11-10&to=2026-11-01').set('HX-Request', 'true').expect(400);
    await admin.get('/admin/exports/generation-log.csv?from=nope').expect(400);
  });

  it('chart 1: weekly generations and IQ adoption, Monday weeks across the DST change', async () => {
    const cfg = chartConfig(await chart('weekly-generations'), 'weekly-generations');
    // weeks of 10-26, 11-02, 11-09, 11-16, 11-23. Week 10-26: e1 (Sat 10-31), e2 (Sun 11-01), e3 (Sun 11-01 in CST,
    // although 00:30 on Monday in UTC-5); week 11-02: e4 (Mon 00:30 CST); week 11-23: e9.
    expect(cfg.data.labels).to.deep.equal(['Oct 26, 2026', 'Nov 2, 2026', 'Nov 9, 2026', 'Nov 16, 2026', 'Nov 23, 2026*']);
    expect(dataset(cfg, 'Generations')).to.deep.equal([3, 1, 0, 0, 1]);
    expect(dataset(cfg, 'IQ adoption')).to.deep.equal([66.7, 0, 0, 0, 100]);
    expect(cfg.data.datasets.map((d: any) => d.yAxisID)).to.deep.equal(['y', 'y1']);
  });

  it('chart 1 across a year boundary: 2025-12-31 and 2026-01-04 share the week of Monday 2025-12-29', async () => {
    const html = await chart('weekly-generations', RYEAR);
    const cfg = chartConfig(html, 'weekly-generations');
    expect(cfg.data.labels).to.deep.equal(['Dec 29, 2025', 'Jan 5, 2026']);
    expect(dataset(cfg, 'Generations')).to.deep.equal([2, 1]); // e5 + e6, then e7
    expect(dataset(cfg, 'IQ adoption')).to.deep.equal([50, 0]); // e6 has audience
    expect(tableRows(html, 'weekly-generations')[0]).to.deep.equal(['Dec 29, 2025', '2', '1', '50.0%']);
  });

  it('chart 2: weekly unique users who logged in (login_days), through yesterday', async () => {
    const html = await chart('weekly-logins');
    const cfg = chartConfig(html, 'weekly-logins');
    // week 10-26: bob (11-02 05:30Z = Sun 11-01 CST); week 11-02: ann (twice on 11-03, once 11-05) + bob (11-04) = 2.
    // cat's login is today: excluded.
    expect(dataset(cfg, 'Unique users')).to.deep.equal([1, 2, 0, 0, 0]);
    expect(html).to.include('busiest week: 2');
  });

  it('chart 3: credit consumption by category, only for credit-billed workspaces', async () => {
    const priced = await t.db('interactions').select('client_event_id', 'credits_charged', 'credit_category').where({ workspace_id: w.ws }).where('credits_charged', '>', 0).orderBy('client_event_id');
    // default price table: agent run (type seo -> agent_other) 10, grid row 1 x3, api call 2 x2
    expect(priced.map((p: any) => [p.client_event_id, Number(p.credits_charged)])).to.deep.equal([['e10', 4], ['e2', 10], ['e7', 3]]);
    const cfg = chartConfig(await chart('credits'), 'credits'); // 30 days -> daily buckets
    expect(cfg.data.labels).to.have.length(30);
    const agents = dataset(cfg, 'Agents');
    expect(agents[6]).to.equal(10); // 2026-11-01 is the 7th day
    expect(agents.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)).to.equal(10);
    expect(dataset(cfg, 'Grid').every((v) => v === 0)).to.equal(true);
    const year = chartConfig(await chart('credits', 'from=2025-11-25&to=2026-11-24'), 'credits'); // > 31 days -> weekly
    expect(year.data.labels[0]).to.equal('Nov 24, 2025*');
    const sum = (l: string) => dataset(year, l).reduce((a, b) => (a ?? 0) + (b ?? 0), 0);
    expect([sum('Grid'), sum('API'), sum('Agents')]).to.deep.equal([3, 4, 10]);
    // seat billing: no chart on the page and the partial is not found
    const seatPage = await seatAdmin.get('/admin/usage').expect(200);
    expect(seatPage.text).not.to.include('usage-chart-credits');
    expect(seatPage.text).to.include('usage-chart-groups');
    await seatAdmin.get('/admin/usage/charts/credits').set('HX-Request', 'true').expect(404);
  });

  it('chart 4: generations by feature, all nine surfaces, unknown and missing surfaces as Other', async () => {
    const html = await chart('features');
    const cfg = chartConfig(html, 'features');
    expect(cfg.data.labels).to.deep.equal(['Chat', 'Agent', 'Ask', 'Command', 'Extension', 'API', 'Toolbar', 'Grid', 'Other']);
    expect(dataset(cfg, 'Text')).to.deep.equal([1, 2, 0, 0, 0, 0, 0, 0, 1]); // e3 'teleport' -> Other
    expect(dataset(cfg, 'Image')).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0, 1]); // e4 no surface -> Other
    expect(tableRows(html, 'features')[8]).to.deep.equal(['Other', '1', '1', '2', '40.0%']);
  });

  it('chart 5: top agents split public vs custom, with an empty state in words', async () => {
    const cfg = chartConfig(await chart('agents'), 'agents');
    expect(cfg.data.labels).to.deep.equal(['Custom SEO', 'Public Writer']); // 1 run each, by name
    expect(dataset(cfg, 'Public')).to.deep.equal([null, 1]);
    expect(dataset(cfg, 'Custom')).to.deep.equal([1, null]);
    const empty = await chart('agents', RYEAR);
    expect(empty).to.include('No agent runs in this range.');
    expect(empty).not.to.include('<canvas');
  });

  it('chart 6: heatmap of users x calendar months, sortable, searchable, keyset-paginated', async () => {
    const html = await chart('heatmap');
    // months touched: Oct and Nov 2026 (whole calendar months: cat's e8 today counts in Nov)
    // ann: Oct e1, Nov e2+e4 = 1,2 (3); bob: Nov e3+e9 = 0,2 (2); cat: Oct e10, Nov e8 = 1,1 (2); dan: Oct e12 = 1,0 (1)
    const rows = tableRows(html, 'heatmap');
    expect(rows.slice(0, 4)).to.deep.equal([
      ['Ann Able ann@acme.test', '1', '2', '3'],
      ['Bob Baker bob@acme.test', '·', '2', '2'],
      ['Cat Cole cat@acme.test', '1', '1', '2'],
      ['Dan Drop dan@acme.test', '1', '·', '1'],
    ]);
    expect(html).to.match(/class="heat heat-9"[^>]*>2</); // the busiest cell
    expect(html).to.match(/class="heat heat-5"[^>]*>1</); // ceil(9 * 1 / 2)
    // 4 with usage + admin + fillers with none (eve is invited and idle: not listed) = 31; page 1 has 25
    expect(rows).to.have.length(25);
    expect(html).to.include('Users 1–25 of 31');
    const next = /href="([^"]*after=[^"]*)"/.exec(html)![1].replace(/&amp;/g, '&');
    const page2 = await admin.get(next).set('HX-Request', 'true').expect(200);
    const rows2 = tableRows(page2.text, 'heatmap');
    expect(rows2).to.have.length(6);
    const names = new Set([...rows, ...rows2].map((r) => r[0]));
    expect(names.size).to.equal(31);
    // search and sort by name
    const search = await admin.get(`/admin/usage/charts/heatmap?${R30}&q=BAKER`).set('HX-Request', 'true').expect(200);
    expect(tableRows(search.text, 'heatmap').map((r) => r[0])).to.deep.equal(['Bob Baker bob@acme.test']);
    const byName = await admin.get(`/admin/usage/charts/heatmap?${R30}&sort=name&dir=asc`).set('HX-Request', 'true').expect(200);
    expect(tableRows(byName.text, 'heatmap')[0][0]).to.equal('Ada Admin admin@acme.test');
    const byOct = await admin.get(`/admin/usage/charts/heatmap?${R30}&sort=2026-11&dir=desc`).set('HX-Request', 'true').expect(200);
    expect(tableRows(byOct.text, 'heatmap').slice(0, 3).map((r) => r[3])).to.deep.equal(['3', '2', '2']);
    const none = await admin.get(`/admin/usage/charts/heatmap?${R30}&q=nobody-here`).set('HX-Request', 'true').expect(200);
    expect(none.text).to.include('No user matches');
    await admin.get(`/admin/usage/charts/heatmap?${R30}&sort=drop+table`).set('HX-Request', 'true').expect(400);
  });

  it('chart 7: top users by feature (stacked), over the calendar months touched', async () => {
    const cfg = chartConfig(await chart('users-features'), 'users-features');
    expect(cfg.data.labels).to.deep.equal(['Ann Able', 'Bob Baker', 'Cat Cole', 'Dan Drop']);
    expect(dataset(cfg, 'Chat')).to.deep.equal([1, 0, 1, 1]);
    expect(dataset(cfg, 'Agent')).to.deep.equal([1, 1, 0, 0]);
    expect(dataset(cfg, 'API')).to.deep.equal([0, 0, 1, 0]);
    expect(dataset(cfg, 'Other')).to.deep.equal([1, 1, 0, 0]);
    expect(cfg.options.scales.x.stacked).to.equal(true);
  });

  it('chart 8: top users by agent type', async () => {
    const cfg = chartConfig(await chart('users-agent-types'), 'users-agent-types');
    expect(cfg.data.labels).to.deep.equal(['Ann Able', 'Bob Baker']);
    expect(dataset(cfg, 'SEO')).to.deep.equal([1, 0]); // ann ran cus1 (seo)
    expect(dataset(cfg, 'Content')).to.deep.equal([0, 1]); // bob ran pub1 (content)
    expect(await chart('users-agent-types', 'from=2025-12-29&to=2025-12-31')).to.include('No agent runs in these months.');
  });

  it('chart 9: group sizes count active members of active groups, with IQ resources', async () => {
    const html = await chart('groups');
    expect(tableRows(html, 'groups')).to.deep.equal([
      ['Marketing', '2', 'Yes', 'Yes'], // ann, bob (dan revoked)
      ['Sales', '1', 'No', 'No'], // cat (eve invited)
    ]);
    const cfg = chartConfig(html, 'groups');
    expect(dataset(cfg, 'Knowledge + Brand Voice')).to.deep.equal([2, null]);
  });

  it('charts render as full pages without JavaScript, and unknown charts are 404', async () => {
    const page = await admin.get(`/admin/usage/charts/features?${R30}`).expect(200);
    expect(page.text).to.include('<html');
    expect(page.text).to.include('cfg-features');
    await admin.get('/admin/usage/charts/nope').expect(404);
  });

  it("another workspace's admin sees only their own numbers", async () => {
    const html = (await seatAdmin.get(`/admin/usage?${R30}`).expect(200)).text;
    expect(card(html, 'generations').value).to.equal('1');
    expect(card(html, 'active-licenses').value).to.equal('2');
    const heat = await seatAdmin.get(`/admin/usage/charts/heatmap?${R30}`).set('HX-Request', 'true').expect(200);
    expect(heat.text).not.to.include('acme.test');
  });

  // Last: it adds data. Memoised aggregates must follow new usage at once, never serve stale numbers.
  it('new usage, logins and roster changes show up on the next request', async () => {
    const before = (await admin.get(`/admin/usage?${R30}`).expect(200)).text;
    expect(card(before, 'generations').value).to.equal('5');
    await chart('heatmap');
    await chart('users-features');
    await chart('weekly-logins');
    expect(dataset(chartConfig(await chart('features'), 'features'), 'Text')[0]).to.equal(1); // chat: e1
    await recordInteractions(t.db, w.ws, [
      { id: 'late1', user: 'dan@acme.test', occurredAt: new Date('2026-11-24T18:00:00Z'), kind: 'inference', surface: 'chat', model: 'm', promptTokens: 1, completionTokens: 1 },
      { id: 'late2', user: 'dan@acme.test', occurredAt: new Date('2026-11-24T19:00:00Z'), kind: 'inference', surface: 'chat', model: 'm', promptTokens: 1, completionTokens: 1 },
      { id: 'late3', user: 'dan@acme.test', occurredAt: new Date('2026-11-24T20:00:00Z'), kind: 'inference', surface: 'chat', model: 'm', promptTokens: 1, completionTokens: 1 },
    ]);
    await recordLogins(t.db, w.ws, [{ user: 'dan@acme.test', occurredAt: new Date('2026-11-24T18:00:00Z') }]);
    const after = (await admin.get(`/admin/usage?${R30}`).expect(200)).text;
    expect(card(after, 'generations').value).to.equal('8');
    expect(card(after, 'active-users').value).to.equal('3'); // dan generated yesterday
    expect(dataset(chartConfig(await chart('features'), 'features'), 'Text')[0]).to.equal(4); // + 3 chat
    // dan: Oct 1 + Nov 3 = 4, now the top user
    expect(tableRows(await chart('heatmap'), 'heatmap')[0]).to.deep.equal(['Dan Drop dan@acme.test', '1', '3', '4']);
    expect(chartConfig(await chart('users-features'), 'users-features').data.labels[0]).to.equal('Dan Drop');
    expect(dataset(chartConfig(await chart('weekly-logins'), 'weekly-logins'), 'Unique users')).to.deep.equal([1, 2, 0, 0, 1]);
    // renamed through the product's roster write, which stamps updated_at with the time of the write
    await upsertUser(t.db, w.ws, { email: 'dan@acme.test', name: 'Daniel Drop' });
    expect(tableRows(await chart('heatmap'), 'heatmap')[0][0]).to.equal('Daniel Drop dan@acme.test');
    // names are escaped in tables and cannot close the chart's JSON script block
    await upsertUser(t.db, w.ws, { email: 'dan@acme.test', name: '</script><b>x</b>' });
    const html = await chart('users-features');
    expect(html).not.to.include('<b>x</b>');
    expect(chartConfig(html, 'users-features').data.labels[0]).to.equal('</script><b>x</b>');
    expect(await chart('heatmap')).to.include('&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;');
  });
});
