// User Management by limit status: the filter (over, near, on track to exceed, within, any limit),
// the sort by limit use, the badge on each row, and the same answers as Limit status and My usage,
// all computed by hand from the fixture at a pinned "now" (see limits-fixture.ts).
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { PASSWORD } from '../helpers/fixtures';
import { setUsageClock } from '../../src/reports/clock';
import { limitStatuses } from '../../src/limits/reports';
import { myLimitsView } from '../../src/limits/me';
import { recordInteractions } from '../../src/ingest/write-path';
import { rowIds } from './fixture';
import { NOW, userLimitsWorld, type LimitsWorld } from './limits-fixture';

describe('users: limit status in User Management', () => {
  let t: TestApp;
  let w: LimitsWorld;
  let admin: Agent;

  before(async () => {
    setUsageClock(() => NOW);
    t = await createTestApp();
    w = await userLimitsWorld(t.db);
    admin = await loginAs(t.app, 'admin@ul.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  const list = async (qs: string) => {
    const res = await admin.get(`/admin/users?${qs}`);
    expect(res.status, res.text.slice(0, 300)).to.equal(200);
    return res;
  };
  const ids = async (qs: string) => rowIds((await list(qs)).text);
  const rowOf = (html: string, id: number) => new RegExp(`<tr id="user-row-${id}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
  const badge = (html: string, id: number) => /data-testid="limit-badge" data-state="([^"]+)">([^<]*)</.exec(rowOf(html, id))?.slice(1, 3) ?? null;

  it('each filter returns exactly the users in that state (revoked users and other workspaces never)', async () => {
    expect(await ids('limit_status=over')).to.deep.equal([w.ids.olga]);
    expect(await ids('limit_status=near')).to.deep.equal([w.ids.nina]);
    expect(await ids('limit_status=on_track')).to.deep.equal([w.ids.tom]);
    // Wes and the 26 interns (1,000 a day, nothing used today), by name
    expect(await ids('limit_status=within&per=100')).to.deep.equal([...w.interns, w.ids.wes]);
    // everyone with a per-user limit, by name: Intern 00..25, Nina, Olga, Tom, Wes; not Ada, Nolan or Rita
    expect(await ids('limit_status=any_limit&per=100')).to.deep.equal([...w.interns, w.ids.nina, w.ids.olga, w.ids.tom, w.ids.wes]);
    // with the other filters
    expect(await ids('limit_status=any_limit&department=Engineering')).to.deep.equal([w.ids.olga, w.ids.wes]);
    expect(await ids('limit_status=over&status=revoked')).to.deep.equal([]);
    expect(await ids('limit_status=on_track&q=olga')).to.deep.equal([]);
    // an empty value is no filter: all 33 users of "ul", none of "ulx"
    const all = await ids('limit_status=&per=100');
    expect(all).to.have.length(33);
    expect(all).to.not.include(w.ids.otherOlga);
    const res = await list('limit_status=any_limit');
    expect(res.text).to.contain('30 users match these filters');
    expect(res.text).to.match(/<option value="any_limit" selected>Has a limit<\/option>/);
  });

  it('the filter counts and pages like the rest of the list, with the URL kept in every link', async () => {
    // 30 users with a limit: page 2 holds the last 5 by name (Nina, Olga, Tom, Wes after Intern 24, 25)
    const page2 = await list('limit_status=any_limit&page=2');
    expect(rowIds(page2.text)).to.deep.equal([w.interns[25], w.ids.nina, w.ids.olga, w.ids.tom, w.ids.wes]);
    expect(page2.text).to.contain('Showing 26–30 of 30');
    expect(page2.text).to.match(/rel="prev" href="\/admin\/users\?limit_status=any_limit"/);
    // beyond the last page: the last page
    expect(rowIds((await list('limit_status=any_limit&page=100000')).text)).to.deep.equal(rowIds(page2.text));
    // htmx gets the results fragment and the canonical URL to push
    const frag = await admin.get('/admin/users?limit_status=near&role=&sort=name').set('HX-Request', 'true').expect(200);
    expect(frag.headers['hx-push-url']).to.equal('/admin/users?limit_status=near');
    expect(frag.text).to.not.contain('<html');
    expect(rowIds(frag.text)).to.deep.equal([w.ids.nina]);
  });

  it('sorts by limit use: the highest share of any per-user limit; users without a limit rank lowest, ties by id', async () => {
    // Olga 104 %, Nina 85 % (weekly; her allocation is at 1 %), Tom 67 %, Wes 20 %, the interns 0 %, then no limit
    const desc = await ids('sort=limit_use&dir=desc&per=100');
    const noLimitDesc = [w.ids.rita, w.ids.nolan, w.ids.admin];
    expect(desc).to.deep.equal([w.ids.olga, w.ids.nina, w.ids.tom, w.ids.wes, ...[...w.interns].reverse(), ...noLimitDesc]);
    const asc = await ids('sort=limit_use&dir=asc&per=100');
    expect(asc).to.deep.equal([w.ids.admin, w.ids.nolan, w.ids.rita, ...w.interns, w.ids.wes, w.ids.tom, w.ids.nina, w.ids.olga]);
    // the filter and the sort together, and a column sort under the filter
    expect(await ids('limit_status=any_limit&sort=limit_use&dir=desc')).to.deep.equal([w.ids.olga, w.ids.nina, w.ids.tom, w.ids.wes, ...[...w.interns].reverse().slice(0, 21)]);
    expect(await ids('limit_status=any_limit&sort=monthly&dir=desc&per=100')).to.deep.equal([w.ids.olga, w.ids.wes, w.ids.tom, w.ids.nina, ...[...w.interns].reverse()]);
    // the header link and the screen-reader caption name the sort
    const res = await list('sort=limit_use&dir=desc');
    expect(res.text).to.contain('sorted by Limit use: the highest share of any per-user limit used in its current period (descending)');
    expect(res.text).to.match(/<a href="\/admin\/users\?sort=limit_use"[^>]*data-sort="limit_use" class="sorted">/);
  });

  it('each row shows its effective limit with the status badge; within or without a limit shows none', async () => {
    const html = (await list('per=100')).text;
    expect(badge(html, w.ids.olga)).to.deep.equal(['over', 'Over']);
    expect(badge(html, w.ids.nina)).to.deep.equal(['near', 'Near']);
    expect(badge(html, w.ids.tom)).to.deep.equal(['on_track_to_exceed', 'On track to exceed']);
    expect(badge(html, w.ids.wes)).to.equal(null);
    expect(badge(html, w.ids.nolan)).to.equal(null);
    expect(rowOf(html, w.ids.olga)).to.contain('Limit: group Engineering, 500k inference tokens/month, hard</span>');
    expect(rowOf(html, w.ids.wes)).to.contain('Limit: group Engineering, 500k inference tokens/month, hard</span>');
    expect(rowOf(html, w.ids.nolan)).to.not.contain('data-testid="effective-limit"');
    expect(rowOf(html, w.ids.rita)).to.not.contain('data-testid="effective-limit"');
    // Nina's row names the monthly limit (her allocation) and the badge says which limit she is near
    expect(rowOf(html, w.ids.nina)).to.contain('Limit: user allocation, 1M inference tokens/month, soft (+1 more)</span>');
    const nina = '8,500 of 10,000 inference tokens this week (85 %); group Support, 10k inference tokens/week, soft';
    expect(rowOf(html, w.ids.nina)).to.contain(`title="Near: ${nina}"`).and.contain(`<span class="visually-hidden">: ${nina}.</span>`);
    const tom = '20,000 of 30,000 inference tokens this month (67 %), 33,333 projected by Nov 30, 2026; user allocation, 30k inference tokens/month, soft';
    expect(rowOf(html, w.ids.tom)).to.contain(`title="On track to exceed: ${tom}"`);
    expect(rowOf(html, w.ids.olga)).to.contain('title="Over: 520,000 of 500,000 inference tokens this month (104 %); group Engineering, 500k inference tokens/month, hard"');
    // the row re-rendered after an action carries the badge too
    const row = await admin.get(`/admin/users/${w.ids.olga}/row`).set('HX-Request', 'true').expect(200);
    expect(badge(row.text, w.ids.olga)).to.deep.equal(['over', 'Over']);
  });

  it('Limit status, User Management and My usage give the same states', async () => {
    const statuses = await limitStatuses(t.db, w.ws, NOW);
    const byState = (s: string) => statuses.filter((r) => r.state === s).map((r) => r.id).sort((a, b) => a - b);
    for (const [filter, state] of [['over', 'over'], ['near', 'near'], ['on_track', 'on_track_to_exceed'], ['within', 'within']]) {
      expect((await ids(`limit_status=${filter}&sort=name&per=100`)).sort((a, b) => a - b), filter).to.deep.equal(byState(state));
    }
    // the status page (pinned to the same clock) lists them, and links each state to the filter
    const page = await admin.get('/admin/settings/limits/status?state=near').expect(200);
    expect([...page.text.matchAll(/data-testid="status-row" data-state="([^"]+)"/g)].map((m) => m[1])).to.deep.equal(['near']);
    expect(page.text).to.contain('Nina Near');
    expect(page.text).to.contain('href="/admin/users?limit_status=on_track"').and.contain('href="/admin/users?limit_status=any_limit"');
    // My usage: Nina's weekly limit is near, Tom's monthly one projected past it
    const nina = await myLimitsView(t.db, w.ws, w.ids.nina, NOW);
    expect(nina.rows.find((r) => r.period === 'week')).to.deep.include({ near: true, over: false, percent: 85 });
    const tom = await myLimitsView(t.db, w.ws, w.ids.tom, NOW);
    expect(tom.rows.find((r) => r.period === 'month')).to.deep.include({ near: false, over: false, projectedOver: true, projected: '33,333' });
  });

  it('new usage moves a user between states at the next view', async () => {
    // Wes: +300,000 today -> 400,000 of 500,000 (80 %): near
    const r = await recordInteractions(t.db, w.ws, [{ id: 'ul-wes-more', user: 'wes@ul.test', occurredAt: new Date('2026-11-18T15:00:00Z'), kind: 'inference', surface: 'chat', model: 'gpt-test', promptTokens: 300_000, completionTokens: 0 }]);
    expect(r.rejected).to.deep.equal([]);
    expect(await ids('limit_status=near')).to.deep.equal([w.ids.nina, w.ids.wes]);
    expect(await ids('limit_status=within&per=100')).to.deep.equal(w.interns);
  });

  it('an allocation changed on the page moves the user at the next view (the roster is part of what the list keeps)', async () => {
    const set = async (n: number) =>
      expect((await admin.post(`/admin/users/${w.ids.tom}/allocation`).type('form').send({ _csrf: admin.csrf, max_inference_tokens: String(n), max_embedding_tokens: '0' })).status).to.equal(303);
    // 20,000 used of 20,000: exactly at the limit is near, not over
    await set(20_000);
    expect(await ids('limit_status=near')).to.deep.equal([w.ids.nina, w.ids.tom, w.ids.wes]);
    expect(await ids('limit_status=on_track')).to.deep.equal([]);
    await set(19_999);
    expect(await ids('limit_status=over')).to.deep.equal([w.ids.olga, w.ids.tom]);
    await set(0); // no allocation and no group: no limit at all
    expect(await ids('limit_status=any_limit&q=tom')).to.deep.equal([]);
    expect(await ids('sort=limit_use&dir=desc&per=100').then((l) => l.indexOf(w.ids.tom))).to.be.greaterThan(29);
    await set(30_000);
  });

  it('a bad filter value is a 400 with the allowed values; another workspace sees only its own', async () => {
    const bad = await admin.get('/admin/users?limit_status=bogus');
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('limit_status must be one of over, near, on_track, within, any_limit');
    expect((await admin.get('/admin/users?limit_status=over&limit_status=near')).status).to.equal(400);
    const other = await loginAs(t.app, 'admin@ulx.test', PASSWORD);
    const res = await other.get('/admin/users?limit_status=any_limit').expect(200);
    // "ulx" has a workspace default (1,000 a month): both its users have a limit, Olga is over it
    expect(rowIds(res.text)).to.deep.equal([w.ids.otherOlga, w.ids.otherAdmin]);
    expect(rowIds((await other.get('/admin/users?limit_status=over').expect(200)).text)).to.deep.equal([w.ids.otherOlga]);
  });
});
