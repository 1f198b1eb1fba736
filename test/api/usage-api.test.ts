// GET /api/v1/usage: every metric and dimension against numbers worked out by hand from the Usage
// page's fixture (test/usage/fixture.ts), the same numbers the Usage page shows for the same range,
// buckets in the workspace zone, filters, keyset paging, formats, scopes and workspace isolation.
import { expect } from 'chai';
import request from 'supertest';
import { parse as parseCsv } from 'csv-parse/sync';
import { createApiKey } from '../../src/apikeys/keys';
import { HOURS_SAVED_MINUTES } from '../../src/usage/definitions';
import { setUsageClock } from '../../src/reports/clock';
import { createTestApp, loginAs, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { upsertUser } from '../../src/ingest/roster';
import { PASSWORD } from '../helpers/fixtures';
import { buildUsageWorld, NOW, type UsageWorld } from '../usage/fixture';

const R30 = 'from=2026-10-26&to=2026-11-24';

function card(html: string, id: string): string {
  const m = new RegExp(`data-card="${id}"[\\s\\S]*?data-value>([^<]*)<`).exec(html);
  if (!m) throw new Error(`card ${id} not found`);
  return m[1];
}

describe('read API: GET /api/v1/usage', () => {
  let t: TestApp;
  let w: UsageWorld;
  let key: string;
  let seatKey: string;
  let ingestKey: string;

  const get = (qs: string, k = key) => request(t.app).get(`/api/v1/usage?${qs}`).set('Authorization', `Bearer ${k}`);
  const data = async (qs: string, k = key) => {
    const res = await get(qs, k);
    expect(res.status, res.text).to.equal(200);
    return res.body.data as Record<string, unknown>[];
  };

  before(async () => {
    t = await createTestApp();
    w = await buildUsageWorld(t.db);
    setUsageClock(() => NOW);
    key = (await createApiKey(t.db, w.ws, 'bi', null, ['read'])).key;
    seatKey = (await createApiKey(t.db, w.seatWs, 'bi', null, ['read'])).key;
    ingestKey = (await createApiKey(t.db, w.ws, 'platform', null, ['ingest'])).key;
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  it('answers the Usage page cards for the same range: generations, hours saved (by surface), active users', async () => {
    const html = (await (await loginAs(t.app, 'admin@acme.test', PASSWORD, { csrf: false })).get(`/admin/usage?${R30}`).expect(200)).text;
    // by hand: inference generations 10-26..11-24 = e1, e2, e3, e4, e9
    const total = await data(`metric=interactions&token_kind=inference&${R30}`);
    expect(total).to.deep.equal([{ value: 5 }]);
    expect(card(html, 'generations')).to.equal('5');
    // by surface: chat e1; agent e2, e9; other e3 (unknown surface), e4 (none)
    const bySurface = await data(`metric=interactions&token_kind=inference&group_by=surface&${R30}`);
    expect(bySurface).to.deep.equal([
      { surface: 'agent', value: 2 },
      { surface: 'chat', value: 1 },
      { surface: 'other', value: 2 },
    ]);
    const M = HOURS_SAVED_MINUTES as Record<string, number>;
    const hours = bySurface.reduce((s, r) => s + M[String(r.surface)] * Number(r.value), 0) / 60;
    expect(hours.toFixed(1)).to.equal(((M.chat + 2 * M.agent + 2 * M.other) / 60).toFixed(1));
    expect(card(html, 'hours-saved')).to.equal(hours.toFixed(1));
    // active users: the 30 days ending yesterday, ann and bob
    expect(await data('metric=active_users&token_kind=inference&from=2026-10-26&to=2026-11-24')).to.deep.equal([{ value: 2 }]);
    expect(card(html, 'active-users')).to.equal('2');
  });

  it('defaults to the rolling 12 months through yesterday (workspace zone) and totals without a bucket', async () => {
    // every inference generation except e8 (today): 11 events, 10 of them inference
    expect(await data('metric=interactions&token_kind=inference')).to.deep.equal([{ value: 10 }]);
    expect(await data('metric=interactions')).to.deep.equal([{ value: 11 }]);
  });

  it('tokens by user, token kind, department, group (current membership), model and agent', async () => {
    // ann: e1 15 + e2 27 + e4 3 + e11 500 (embedding); bob: e3 2 + e9 150
    expect(await data(`group_by=user&${R30}`)).to.deep.equal([
      { user: 'ann@acme.test', value: 545 },
      { user: 'bob@acme.test', value: 152 },
    ]);
    expect(await data(`group_by=token_kind&${R30}`)).to.deep.equal([
      { token_kind: 'embedding', value: 500 },
      { token_kind: 'inference', value: 197 },
    ]);
    expect(await data(`group_by=user,token_kind&${R30}`)).to.deep.equal([
      { user: 'ann@acme.test', token_kind: 'embedding', value: 500 },
      { user: 'ann@acme.test', token_kind: 'inference', value: 45 },
      { user: 'bob@acme.test', token_kind: 'inference', value: 152 },
    ]);
    expect(await data(`metric=interactions&group_by=department&${R30}`)).to.deep.equal([
      { department: 'Marketing', value: 4 },
      { department: 'Sales', value: 2 },
    ]);
    // g1 = ann, bob, dan; g3 (archived) = ann: a user counts in every group they are in
    expect(await data(`metric=interactions&group_by=group&${R30}`)).to.deep.equal([
      { group: 'g1', value: 6 },
      { group: 'g3', value: 4 },
    ]);
    expect(await data(`metric=interactions&group=g2&${R30}`)).to.deep.equal([]);
    // grouped and filtered by group: only the asked group's rows (ann is also in g3)
    expect(await data(`metric=interactions&group_by=group&group=g1&${R30}`)).to.deep.equal([{ group: 'g1', value: 6 }]);
    expect(await data(`metric=interactions&group=g1&token_kind=inference&${R30}`)).to.deep.equal([{ value: 5 }]);
    expect(await data(`metric=tokens&group_by=model&${R30}`)).to.deep.equal([{ model: 'gpt-test', value: 697 }]);
    expect(await data(`metric=interactions&group_by=agent&${R30}`)).to.deep.equal([
      { agent: 'cus1', value: 1 },
      { agent: 'pub1', value: 1 },
    ]);
    expect(await data(`metric=interactions&agent=pub1&${R30}`)).to.deep.equal([{ value: 1 }]);
    expect(await data(`group_by=user&user=BOB@acme.test&${R30}`)).to.deep.equal([{ user: 'bob@acme.test', value: 152 }]);
  });

  it('buckets by day, Monday weeks and months of the workspace zone (DST night included), labelled with the start day', async () => {
    // e1 is 2026-11-01T04:30Z = Oct 31 in Chicago (CDT); e3 2026-11-02T05:30Z = Nov 1 (CST)
    expect(await data(`metric=interactions&token_kind=inference&bucket=day&${R30}`)).to.deep.equal([
      { bucket: '2026-10-31', value: 1 },
      { bucket: '2026-11-01', value: 2 },
      { bucket: '2026-11-02', value: 1 },
      { bucket: '2026-11-24', value: 1 },
    ]);
    expect(await data(`metric=interactions&token_kind=inference&bucket=week&${R30}`)).to.deep.equal([
      { bucket: '2026-10-26', value: 3 },
      { bucket: '2026-11-02', value: 1 },
      { bucket: '2026-11-23', value: 1 },
    ]);
    expect(await data(`metric=interactions&token_kind=inference&bucket=month&${R30}`)).to.deep.equal([
      { bucket: '2026-10-01', value: 1 },
      { bucket: '2026-11-01', value: 4 },
    ]);
    // whole months come from the monthly rollup, the partial edges from the daily one: same sums
    expect(await data('group_by=user&bucket=month&from=2025-12-15&to=2026-11-24')).to.deep.equal([
      { bucket: '2025-12-01', user: 'ann@acme.test', value: 2 }, // e5
      { bucket: '2026-01-01', user: 'ann@acme.test', value: 2 }, // e7
      { bucket: '2026-01-01', user: 'bob@acme.test', value: 2 }, // e6
      { bucket: '2026-10-01', user: 'ann@acme.test', value: 15 }, // e1
      { bucket: '2026-10-01', user: 'cat@acme.test', value: 2 }, // e10
      { bucket: '2026-10-01', user: 'dan@acme.test', value: 2 }, // e12
      { bucket: '2026-11-01', user: 'ann@acme.test', value: 530 },
      { bucket: '2026-11-01', user: 'bob@acme.test', value: 152 },
    ]);
    // distinct users per bucket do not add up across days: Oct 26-Nov 1 has ann twice, bob once
    expect(await data(`metric=active_users&bucket=week&${R30}`)).to.deep.equal([
      { bucket: '2026-10-26', value: 2 },
      { bucket: '2026-11-02', value: 1 },
      { bucket: '2026-11-09', value: 1 },
      { bucket: '2026-11-23', value: 1 },
    ]);
  });

  it('logins and credits per user from their rollups', async () => {
    // logins 10-26..11-24: ann 3, bob 2 (cat's is today)
    expect(await data(`metric=logins&group_by=user&${R30}`)).to.deep.equal([
      { user: 'ann@acme.test', value: 3 },
      { user: 'bob@acme.test', value: 2 },
    ]);
    // bob's login at 2026-11-02T05:30Z is Sunday Nov 1 in Chicago: the week of Oct 26
    expect(await data(`metric=logins&bucket=week&${R30}`)).to.deep.equal([
      { bucket: '2026-10-26', value: 1 },
      { bucket: '2026-11-02', value: 4 },
    ]);
    // credits: the charges stored on the raw rows, summed independently of the rollups
    const charged = await t.db('interactions').select('user_id').sum({ c: 'credits_charged' }).where({ workspace_id: w.ws }).whereBetween('day', ['2025-11-25', '2026-11-24']).groupBy('user_id');
    const byUser = new Map(charged.map((r: any) => [Number(r.user_id), Number(r.c)]));
    const total = [...byUser.values()].reduce((a, b) => a + b, 0);
    expect(total).to.be.greaterThan(0);
    expect(await data('metric=credits')).to.deep.equal([{ value: total }]);
    const perUser = await data('metric=credits&group_by=user');
    expect(perUser.map((r) => r.value).reduce((a: number, b) => a + Number(b), 0)).to.equal(total);
    expect(perUser.find((r) => r.user === 'ann@acme.test')?.value).to.equal(byUser.get(w.ids.ann));
  });

  it('answers 400 naming a combination no rollup holds, and bad parameters', async () => {
    const res = await get(`metric=tokens&group_by=model,user&${R30}`);
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('unsupported_combination');
    expect(res.body.error.message).to.contain('metric=tokens grouped or filtered by model + user');
    const agentKind = await get('metric=interactions&group_by=agent&token_kind=inference');
    expect(agentKind.status).to.equal(400);
    expect(agentKind.body.error.message).to.contain('agent + token_kind');
    expect((await get('metric=logins&group_by=model')).status).to.equal(400);
    for (const bad of ['metric=cost', 'group_by=planet', 'bucket=year', 'from=2026-02-30', 'from=2026-11-02&to=2026-11-01', 'limit=0', 'limit=100001', 'format=xml', 'colour=red', 'cursor=nonsense', 'from=2000-01-01&to=2026-01-01']) {
      const r = await get(bad);
      expect(r.status, bad).to.equal(400);
      expect(r.body.error.code, bad).to.be.oneOf(['bad_request', 'invalid_cursor']);
    }
  });

  it('pages with next_cursor (keyset): every row exactly once, in order; a cursor of another query is refused', async () => {
    const qs = `metric=interactions&group_by=user,token_kind&bucket=day&from=2025-11-25&to=2026-11-24`;
    const all = await data(qs);
    expect(all).to.have.length(11); // one row per (day, user, kind) here: every event is alone on its day
    const seen: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`${qs}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, res.text).to.equal(200);
      seen.push(...res.body.data);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).to.equal(4);
    expect(seen).to.deep.equal(all);
    const first = await get(`${qs}&limit=3`);
    const other = await get(`metric=tokens&group_by=user&cursor=${first.body.next_cursor}`);
    expect(other.status).to.equal(400);
    expect(other.body.error.code).to.equal('invalid_cursor');
  });

  it('pages of users by month (edge months as the month minus the days outside the range) join into the whole answer, whatever the page size', async () => {
    const qs = 'group_by=user&bucket=month&from=2025-12-15&to=2026-11-24';
    const all = await data(qs);
    // the hand totals of 'buckets by day, Monday weeks and months': eight (month, user) rows
    expect(all.map((r) => `${r.bucket} ${r.user} ${r.value}`)).to.deep.equal([
      '2025-12-01 ann@acme.test 2',
      '2026-01-01 ann@acme.test 2',
      '2026-01-01 bob@acme.test 2',
      '2026-10-01 ann@acme.test 15',
      '2026-10-01 cat@acme.test 2',
      '2026-10-01 dan@acme.test 2',
      '2026-11-01 ann@acme.test 530',
      '2026-11-01 bob@acme.test 152',
    ]);
    for (const limit of [1, 2, 3, 5, 7]) {
      const seen: unknown[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(`${qs}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status, res.text).to.equal(200);
        expect(res.body.data.length).to.be.at.most(limit);
        seen.push(...res.body.data);
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor && pages < 20);
      expect(seen, `limit ${limit}`).to.deep.equal(all);
      expect(pages, `limit ${limit}`).to.equal(Math.ceil(all.length / limit));
    }
  });

  it('NDJSON and CSV carry the same fields (format= or Accept), CSV formula-safe; next cursor in headers', async () => {
    const json = await data(`group_by=user&bucket=month&${R30}`);
    const nd = await get(`group_by=user&bucket=month&${R30}`).set('Accept', 'application/x-ndjson');
    expect(nd.status).to.equal(200);
    expect(nd.headers['content-type']).to.match(/application\/x-ndjson/);
    expect(nd.text.trim().split('\n').map((l) => JSON.parse(l))).to.deep.equal(json);
    const csv = await get(`group_by=user&bucket=month&${R30}&format=csv`);
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.match(/^text\/csv/);
    const rows = parseCsv(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows).to.deep.equal(json.map((r) => ({ bucket: r.bucket, user: r.user, value: String(r.value) })));
    const paged = await get(`group_by=user&${R30}&format=csv&limit=1`);
    expect(paged.headers['x-next-cursor']).to.be.a('string');
    expect(paged.headers.link).to.match(/rel="next"/);
    expect((await get('metric=tokens').set('Accept', 'image/png')).status).to.equal(406);
  });

  it('a key reads only its own workspace; the ingest scope cannot read and the read scope cannot write', async () => {
    expect(await data('metric=interactions&group_by=user', seatKey)).to.deep.equal([{ user: 'zed@seat.test', value: 1 }]);
    expect(await data('metric=interactions&user=zed@seat.test')).to.deep.equal([]);
    const denied = await get('metric=tokens', ingestKey);
    expect(denied.status).to.equal(403);
    expect(denied.body.error.code).to.equal('insufficient_scope');
    const write = await request(t.app).post('/api/v1/events').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send('{"events":[]}');
    expect(write.status).to.equal(403);
    expect(write.body.error.code).to.equal('insufficient_scope');
    expect((await request(t.app).get('/api/v1/usage')).status).to.equal(401);
  });

  it('is documented in the OpenAPI document with examples and on the API reference page', async () => {
    const doc = (await request(t.app).get('/api/v1/openapi.json').expect(200)).body;
    const op = doc.paths['/usage'].get;
    expect(op.parameters.map((p: any) => p.name)).to.include.members(['metric', 'group_by', 'bucket', 'from', 'to', 'cursor', 'format', 'user', 'group', 'department', 'model', 'surface', 'agent', 'token_kind']);
    expect(op.responses['200'].content['application/json'].example.data[0]).to.have.keys(['bucket', 'user', 'value']);
    expect(Object.keys(op.responses['200'].content)).to.deep.equal(['application/json', 'application/x-ndjson', 'text/csv']);
    expect(doc.paths['/users/{id}/interactions'].get.responses['200'].content['application/json'].example.data[0]).to.include.keys('prompt_removed');
    const admin = await loginAs(t.app, 'admin@acme.test', PASSWORD, { csrf: false });
    const html = (await admin.get('/admin/api-keys/docs').expect(200)).text;
    expect(html).to.contain('<code>/api/v1/usage</code>');
    expect(html).to.match(/<td><code>group_by<\/code><\/td><td>query<\/td>/);
    expect(html).to.contain('unsupported_combination');
    expect(html).to.contain('Example answer');
  });
  it('a page kept per process follows new usage and roster changes', async () => {
    const qs = 'group_by=user&bucket=month&from=2026-11-01&to=2026-11-24';
    const bob = async () => (await data(qs)).find((r) => r.user === 'bob@acme.test')?.value;
    // 152: bob's November tokens in the hand totals of 'pages of users by month'
    expect(await bob()).to.equal(152);
    expect(await bob()).to.equal(152);
    const event = { id: 'kept-page-1', user: 'bob@acme.test', occurred_at: '2026-11-20T12:00:00Z', kind: 'inference', surface: 'chat', model: 'gpt-4o', prompt_tokens: 10, completion_tokens: 5 };
    const res = await request(t.app).post('/api/v1/events').set('Authorization', `Bearer ${ingestKey}`).send({ events: [event] });
    expect(res.body.accepted, res.text).to.equal(1);
    expect(await bob()).to.equal(167);
    // a roster change (bob's department) shows in the next answer grouped by department
    const byDept = 'group_by=department&from=2026-11-01&to=2026-11-24';
    expect((await data(byDept)).find((r) => r.department === 'Kept Pages')).to.equal(undefined);
    await upsertUser(t.db, w.ws, { email: 'bob@acme.test', name: 'Bob', department: 'Kept Pages' });
    expect((await data(byDept)).find((r) => r.department === 'Kept Pages')?.value).to.equal(167);
  });
});
