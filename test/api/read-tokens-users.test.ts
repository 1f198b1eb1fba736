// The read API against Token Statistics (monthly data and models, from the tokens fixture's hand
// totals and the page itself), and the roster / interactions lists (keyset, activity-log columns).
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey } from '../../src/apikeys/keys';
import { setUsageClock } from '../../src/reports/clock';
import { createTestApp, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { buildFixture, EVENTS, expectedMonth, NOW, signIn, tokensOf, USERS } from '../tokens/fixture';

describe('read API: Token Statistics figures, users and interactions', () => {
  let t: TestApp;
  let key: string;
  let ws: number;
  const get = (path: string, k = key) => request(t.app).get(`/api/v1${path}`).set('Authorization', `Bearer ${k}`);
  const data = async (path: string) => {
    const res = await get(path);
    expect(res.status, res.text).to.equal(200);
    return res.body.data as Record<string, any>[];
  };

  before(async () => {
    setUsageClock(() => NOW);
    t = await createTestApp();
    await buildFixture(t.db);
    ws = (await t.db('workspaces').where({ slug: 'alpha' }).first()).id;
    key = (await createApiKey(t.db, ws, 'bi', null, ['read'])).key;
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  it('monthly tokens by kind equal the Monthly Data tab, month by month', async () => {
    const rows = await data('/usage?metric=tokens&group_by=token_kind&bucket=month&from=2025-11-01&to=2026-12-31');
    const html = (await (await signIn(t.app, 'admin@alpha.test')).get('/admin/tokens?tab=monthly').expect(200)).text;
    const months = [...new Set(EVENTS.map((e) => e.month))].sort();
    for (const month of months) {
      const e = expectedMonth(month);
      const got = { inference: 0, embedding: 0 };
      for (const r of rows.filter((r) => r.bucket === `${month}-01`)) got[r.token_kind as 'inference' | 'embedding'] = r.value;
      expect(got, month).to.deep.equal({ inference: e.inference, embedding: e.embedding });
      // the page shows the same numbers in its table row for the month
      const row = new RegExp(`<tr[^>]*data-month="${month}"[^>]*>([\\s\\S]*?)</tr>`).exec(html)![1];
      expect(row).to.contain(`data-col="inference" data-value="${e.inference}"`);
      expect(row).to.contain(`data-col="embedding" data-value="${e.embedding}"`);
    }
  });

  it('tokens per model over the 12-month window equal the Token Usage tab', async () => {
    // 12 months = 2026-01 .. 2026-12: every event but e1 (December 2025)
    const rows = await data('/usage?metric=tokens&group_by=model&from=2026-01-01&to=2026-12-31');
    const expected = new Map<string, number>();
    for (const e of EVENTS.filter((e) => e.month >= '2026-01')) expected.set(e.model, (expected.get(e.model) ?? 0) + tokensOf(e));
    expect(rows).to.deep.equal([...expected.entries()].sort().map(([model, value]) => ({ model, value })));
    expect(Object.fromEntries(rows.map((r) => [r.model, r.value]))).to.deep.equal({ 'claude-x': 440, 'gpt-4o': 6876, 'text-embed-3': 8533 });
    const html = (await (await signIn(t.app, 'admin@alpha.test')).get('/admin/tokens').expect(200)).text;
    for (const r of rows) expect(new RegExp(`data-model="${r.model}"[\\s\\S]*?data-col="total" data-value="${r.value}"`).test(html), r.model).to.equal(true);
  });

  it('GET /users pages the roster by id with a keyset cursor', async () => {
    const first = await get('/users?limit=4');
    expect(first.status, first.text).to.equal(200);
    expect(first.body.data).to.have.length(4);
    const second = await get(`/users?limit=4&cursor=${first.body.next_cursor}`);
    expect(second.body.next_cursor).to.equal(null);
    const all = [...first.body.data, ...second.body.data];
    expect(all.map((u: any) => u.email)).to.deep.equal(USERS.map((u) => u.email));
    const zoe = all.find((u: any) => u.email === 'zoe@alpha.test');
    expect(zoe).to.include({ name: 'Zoë Ünicode 山田', department: 'R&D, "Labs"', status: 'active', role: 'member', joined_at: '2025-11-22T10:30:00.000Z' });
    expect(zoe.last_active_at).to.equal('2026-12-01T06:30:00.000Z'); // e13
    expect((await data('/users?status=revoked')).map((u) => u.email)).to.deep.equal(['minus@alpha.test']);
    expect(all.some((u: any) => u.email.endsWith('@beta.test'))).to.equal(false);
  });

  it('GET /users/{id}/interactions lists the activity-log columns newest first, by id or email, keyset paged', async () => {
    const zoeId = (await t.db('users').where({ workspace_id: ws, email: 'zoe@alpha.test' }).first()).id;
    const zoeEvents = EVENTS.filter((e) => e.user === 'zoe').sort((a, b) => (a.at < b.at ? 1 : -1));
    const pages: any[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/users/${zoeId}/interactions?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, res.text).to.equal(200);
      pages.push(...res.body.data);
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(pages.map((r) => r.occurred_at)).to.deep.equal(zoeEvents.map((e) => new Date(e.at).toISOString()));
    expect(pages[0]).to.include({ model: 'gpt-4o', token_kind: 'inference', total_tokens: 100, prompt_tokens: 70, completion_tokens: 30, day: '2026-12-01', prompt_removed: false, training: false });
    const byEmail = await data('/users/zoe@alpha.test/interactions?from=2026-01-01&to=2026-01-31');
    expect(byEmail.map((r) => r.total_tokens)).to.deep.equal([1234]); // e2: 2026-02-01T05:30Z is Jan 31 in Chicago
    const csv = await get(`/users/${zoeId}/interactions?format=csv`);
    expect(csv.status).to.equal(200);
    expect(csv.text.split('\r\n')[0]).to.contain('"prompt","prompt_removed"');
    const betaUser = (await t.db('users').where({ email: 'other@beta.test' }).first()).id;
    expect((await get(`/users/${betaUser}/interactions`)).status).to.equal(404);
    expect((await get('/users/nobody@alpha.test/interactions')).status).to.equal(404);
    expect((await get(`/users/${zoeId}/interactions?surface=moon`)).status).to.equal(400);
  });

  it('the ingest scope cannot read users or interactions', async () => {
    const ingest = (await createApiKey(t.db, ws, 'platform', null, ['ingest'])).key;
    for (const p of ['/users', '/users/zoe@alpha.test/interactions']) {
      const res = await get(p, ingest);
      expect(res.status).to.equal(403);
      expect(res.body.error.code).to.equal('insufficient_scope');
    }
  });
});

describe('read API rate limit', () => {
  after(closeAll);
  it('429 with Retry-After beyond the per-key limit, like the ingestion API', async () => {
    const t = await createTestApp({ env: { API_RATE_LIMIT_PER_MINUTE: '2' } });
    await buildFixture(t.db);
    const ws = (await t.db('workspaces').where({ slug: 'alpha' }).first()).id;
    const key = (await createApiKey(t.db, ws, 'bi', null, ['read'])).key;
    const other = (await createApiKey(t.db, ws, 'bi2', null, ['read'])).key;
    for (let i = 0; i < 2; i++) expect((await request(t.app).get('/api/v1/users').set('Authorization', `Bearer ${key}`)).status).to.equal(200);
    const limited = await request(t.app).get('/api/v1/usage').set('Authorization', `Bearer ${key}`);
    expect(limited.status).to.equal(429);
    expect(limited.body.error.code).to.equal('rate_limited');
    expect(Number(limited.headers['retry-after'])).to.be.greaterThan(0);
    expect((await request(t.app).get('/api/v1/usage').set('Authorization', `Bearer ${other}`)).status).to.equal(200);
  });
});
