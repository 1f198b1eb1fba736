// Activity Logs: header, rows, filters and totals, keyset pagination stability, XSS, CSV, 404s, plan.
import { expect } from 'chai';
import { parse as parseCsv } from 'csv-parse/sync';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { closeAll, isMySqlRun } from '../helpers/db';
import { createUser, PASSWORD } from '../helpers/fixtures';
import { recordInteractions } from '../../src/ingest/write-path';
import { logQuery } from '../../src/activity/queries';
import { decodeCursor, olderThan } from '../../src/http/keyset';
import { ev, usersWorld, type UsersWorld } from './fixture';

const T0 = Date.parse('2026-10-01T12:00:00.000Z');
const N = 120;
const XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>';
const FORMULA = '=HYPERLINK("http://evil.test","click")';
const TRICKY = 'He said "hi", then\nleft';

/** The fixture's interactions, by index: 3 hours apart; #10 and #11 share an instant (id breaks the tie). */
function louEvent(i: number) {
  const at = new Date(T0 + (i === 11 ? 10 : i) * 3 * 3600_000);
  const training = i % 10 === 0;
  return {
    i,
    at,
    model: i % 3 === 0 ? 'claude-3' : 'gpt-4o',
    surface: i % 4 === 0 ? 'agent' : 'chat',
    training,
    kind: (training ? 'embedding' : 'inference') as 'embedding' | 'inference',
    prompt: i + 1,
    completion: 2,
    text: i === 5 ? XSS : i === 6 ? FORMULA : i === 7 ? TRICKY : i === 8 ? 'long '.repeat(60) : `prompt number ${i}`,
  };
}
const LOU = Array.from({ length: N }, (_, i) => louEvent(i));

const logIds = (html: string) => [...html.matchAll(/data-log-id="(\d+)"/g)].map((m) => Number(m[1]));
const href = (html: string, testid: string) => {
  const m = new RegExp(`href="([^"]+)"[^>]*data-testid="${testid}"`).exec(html);
  return m ? m[1].replace(/&amp;/g, '&') : null;
};
const testid = (html: string, id: string) => new RegExp(`data-testid="${id}">([^<]*)<`).exec(html)?.[1];

describe('activity: per-user Activity Logs', () => {
  let t: TestApp;
  let w: UsersWorld;
  let admin: Agent;
  let lou: number;
  const idOf = new Map<number, number>(); // fixture index -> interaction id

  before(async () => {
    t = await createTestApp();
    w = await usersWorld(t.db);
    lou = await createUser(t.db, w.a.id, { email: 'lou@alpha.test', name: 'Lou Logs', maxInferenceTokens: 5000, maxEmbeddingTokens: 700 });
    const r = await recordInteractions(
      t.db,
      w.a.id,
      LOU.map((e) => ({ ...ev('lou@alpha.test', e.at), id: `lou-${e.i}`, model: e.model, surface: e.surface, training: e.training, kind: e.kind, promptTokens: e.prompt, completionTokens: e.completion, ip: `10.1.0.${e.i}`, prompt: e.text })),
    );
    expect(r.accepted).to.equal(N);
    for (const row of await t.db('interactions').select('id', 'client_event_id').where('user_id', lou)) idOf.set(Number(row.client_event_id.slice(4)), Number(row.id));
    admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
  });
  after(closeAll);

  /** Expected ids newest first: by instant desc, then id desc. */
  const expectedOrder = (list = LOU) => [...list].sort((a, b) => b.at.getTime() - a.at.getTime() || idOf.get(b.i)! - idOf.get(a.i)!).map((e) => idOf.get(e.i)!);

  it('header shows the user, allocations and this month’s usage', async () => {
    const res = await admin.get(`/admin/users/${w.bob}/logs`).expect(200);
    expect(res.text).to.contain('Bob Builder').and.contain('bob@alpha.test');
    expect(testid(res.text, 'hdr-max-inference')).to.equal('100');
    expect(testid(res.text, 'hdr-month-inference')).to.equal('85');
    expect(testid(res.text, 'hdr-month-embedding')).to.equal('10');
  });

  it('lists rows newest first with local time (UTC shown under it), type, model, tokens, training, IP', async () => {
    const res = await admin.get(`/admin/users/${lou}/logs`).expect(200);
    expect(logIds(res.text)).to.deep.equal(expectedOrder().slice(0, 50));
    // #119: 2026-10-01T12:00Z + 357h = 2026-10-16T09:00Z = 04:00 CDT
    const row = new RegExp(`data-log-id="${idOf.get(119)}"[\\s\\S]*?</tr>`).exec(res.text)![0];
    expect(row).to.contain('<time datetime="2026-10-16T09:00:00.000Z" title="Oct 16, 2026, 04:00:00 CDT (America/Chicago) · 2026-10-16 09:00:00 UTC"><span class="nowrap">Oct 16, 2026,</span> <span class="nowrap">04:00</span></time>');
    // UTC is text in the cell (keyboard, touch and screen readers reach it), not only the hover title
    expect(row).to.contain('<span class="utc-time small muted" data-testid="log-utc"><span class="visually-hidden">, </span>2026-10-16 09:00:00 UTC</span>');
    expect(row.match(/title=/g)).to.have.length(1);
    expect(row).to.contain('Chat · inference').and.contain('gpt-4o').and.contain('10.1.0.119');
    expect(row).to.match(/>120<\/td>\s*<td class="num">2<\/td>\s*<td class="num">122<\/td>\s*<td>No<\/td>/);
    expect(testid(res.text, 'tot-interactions')).to.equal(String(N));
    expect(res.text).to.contain(`data-announce="50 interactions on this page, newest first; ${N} in all."`);
  });

  it('keyset pages: Older walks every row once; rows arriving meanwhile do not shift older pages', async () => {
    const all = expectedOrder();
    const p1 = await admin.get(`/admin/users/${lou}/logs`).expect(200);
    const olderUrl = href(p1.text, 'logs-older')!;
    expect(olderUrl).to.match(/before=/);
    expect(href(p1.text, 'logs-newer')).to.equal(null);
    // new, newer interactions arrive between page loads
    await recordInteractions(t.db, w.a.id, [1, 2, 3].map((k) => ({ ...ev('lou@alpha.test', new Date(T0 + (400 + k) * 3600_000)), id: `lou-new-${k}`, promptTokens: 1, completionTokens: 1 })));
    const p2 = await admin.get(olderUrl).expect(200);
    expect(logIds(p2.text)).to.deep.equal(all.slice(50, 100));
    const p3 = await admin.get(href(p2.text, 'logs-older')!).expect(200);
    expect(logIds(p3.text)).to.deep.equal(all.slice(100));
    expect(href(p3.text, 'logs-older')).to.equal(null);
    // the tie (#10 and #11 share an instant) is split by id, both present exactly once
    const seen = [...logIds(p1.text), ...logIds(p2.text), ...logIds(p3.text)];
    expect(new Set(seen).size).to.equal(N);
    // Newer from page 2 returns exactly the rows above it (the page the admin saw first)
    const back = await admin.get(href(p2.text, 'logs-newer')!).expect(200);
    expect(logIds(back.text)).to.deep.equal(all.slice(0, 50));
    // the newest page now starts with the three new rows
    const fresh = await admin.get(`/admin/users/${lou}/logs`).expect(200);
    expect(logIds(fresh.text)).to.have.length(50);
    expect(logIds(fresh.text).slice(3)).to.deep.equal(all.slice(0, 47));
    await t.db('interactions').where('client_event_id', 'like', 'lou-new-%').delete();
  });

  it('filters by model, surface, training, kind and date range, with totals of the filtered set', async () => {
    const expectTotals = (html: string, qs: string, expected: typeof LOU) => {
      expect(testid(html, 'tot-interactions'), qs).to.equal(expected.length.toLocaleString('en-US'));
      const tokens = expected.reduce((s, e) => s + e.prompt + e.completion, 0);
      expect(testid(html, 'tot-tokens'), qs).to.equal(tokens.toLocaleString('en-US'));
      const emb = expected.filter((e) => e.kind === 'embedding').reduce((s, e) => s + e.prompt + e.completion, 0);
      expect(testid(html, 'tot-embedding'), qs).to.equal(emb.toLocaleString('en-US'));
      expect(testid(html, 'tot-inference'), qs).to.equal((tokens - emb).toLocaleString('en-US'));
    };
    const check = async (qs: string, keep: (e: (typeof LOU)[number]) => boolean) => {
      const res = await admin.get(`/admin/users/${lou}/logs?${qs}`).expect(200);
      const expected = LOU.filter(keep);
      expect(logIds(res.text), qs).to.deep.equal(expectedOrder(expected).slice(0, 50));
      const pending = /data-testid="tot-pending" hx-get="([^"]+)"/.exec(res.text);
      if (!pending) {
        expectTotals(res.text, qs, expected);
        expect(res.text, qs).to.contain(`<div id="logs-results" class="logs-results" data-announce="${Math.min(expected.length, 50)} interactions on this page, newest first; ${expected.length.toLocaleString('en-US')} match these filters.">`);
        return { page: res.text, totals: res.text };
      }
      // Totals no rollup answers load in a second (htmx) request; without JavaScript, totals=1 shows them inline.
      const url = pending[1].replace(/&amp;/g, '&');
      const sameQuery = (a: string, b: string) => expect([...new URLSearchParams(a.split('?')[1])].sort(), qs).to.deep.equal([...new URLSearchParams(b)].sort());
      expect(url.split('?')[0]).to.equal(`/admin/users/${lou}/logs/totals`);
      sameQuery(url, qs);
      const frag = await admin.get(url).set('HX-Request', 'true').expect(200);
      expect(frag.text.trimStart()).to.match(/^<div id="logs-totals"/);
      expectTotals(frag.text, qs, expected);
      // the totals arrive by swap: their summary is announced through the layout's live region
      const tokens = expected.reduce((sum, e) => sum + e.prompt + e.completion, 0);
      const n = expected.length;
      expect(frag.text, qs).to.contain(`data-announce="Totals for these filters: ${n.toLocaleString('en-US')} ${n === 1 ? 'interaction' : 'interactions'}, ${tokens.toLocaleString('en-US')} tokens."`);
      expect(res.text, qs).to.contain(`data-announce="${Math.min(n, 50)} interactions on this page, newest first."`);
      const inline = await admin.get(`/admin/users/${lou}/logs?${qs}&totals=1`).expect(200);
      expectTotals(inline.text, qs, expected);
      sameQuery(href(res.text, 'tot-show')!, `${qs}&totals=1`);
      const noJs = await admin.get(url).expect(303);
      sameQuery(noJs.headers.location, `${qs}&totals=1`);
      return { page: res.text, totals: frag.text };
    };
    await check('model=claude-3', (e) => e.model === 'claude-3');
    await check('surface=agent', (e) => e.surface === 'agent');
    await check('training=yes', (e) => e.training);
    await check('training=no&model=gpt-4o', (e) => !e.training && e.model === 'gpt-4o');
    // kind alone is answered by the (day, user, kind) rollup, inline
    const kind = await check('kind=embedding', (e) => e.kind === 'embedding');
    expect(kind.page).to.contain('data-source="rollup">Totals cover every matching entry, not just this page.');
    // Chicago is UTC-5 in October: local days 3..5 October = [03T05:00Z, 06T05:00Z)
    const lo = Date.parse('2026-10-03T05:00:00Z');
    const hi = Date.parse('2026-10-06T05:00:00Z');
    const dated = await check('from=2026-10-03&to=2026-10-05', (e) => e.at.getTime() >= lo && e.at.getTime() < hi);
    expect(dated.page).to.contain('data-source="rollup"');
    await check('from=2026-10-03&to=2026-10-05&kind=inference', (e) => e.at.getTime() >= lo && e.at.getTime() < hi && e.kind === 'inference');
    const mixed = await check('from=2026-10-03&to=2026-10-05&surface=chat', (e) => e.at.getTime() >= lo && e.at.getTime() < hi && e.surface === 'chat');
    expect(mixed.page).to.not.contain('data-testid="tot-interactions"');
    expect(mixed.totals).to.contain('data-source="range"');
  });

  it('the totals fragment: 404 for unknown or foreign users; bad filters are ignored, not a 500', async () => {
    await admin.get('/admin/users/999999/logs/totals?model=x').set('HX-Request', 'true').expect(404);
    await admin.get(`/admin/users/${w.adminB}/logs/totals?model=x`).set('HX-Request', 'true').expect(404);
    const bad = await admin.get(`/admin/users/${lou}/logs/totals?model=claude-3&surface=moon&totals=zz`).set('HX-Request', 'true').expect(200);
    expect(testid(bad.text, 'tot-interactions')).to.equal(String(LOU.filter((e) => e.model === 'claude-3').length));
  });

  it('invalid filters are reported next to the field; the page still renders', async () => {
    const res = await admin.get(`/admin/users/${lou}/logs?from=2026-13-40&surface=moon&to=2026-10-01`).expect(400);
    expect(res.text).to.contain('From must be a date like 2026-03-31.');
    expect(res.text).to.contain('Choose a surface from the list.');
    const swapped = await admin.get(`/admin/users/${lou}/logs?from=2026-10-05&to=2026-10-01`).expect(400);
    expect(swapped.text).to.contain('From must be on or before To.');
    const cursor = await admin.get(`/admin/users/${lou}/logs?before=garbage`).expect(400);
    expect(logIds(cursor.text)).to.deep.equal(expectedOrder().slice(0, 50));
  });

  it('prompt text is escaped (an XSS attempt renders inert); long prompts open in <details>', async () => {
    const res = await admin.get(`/admin/users/${lou}/logs?before=${encodeURIComponent(new Date(T0 + 9 * 3 * 3600_000).toISOString())}_1`).expect(200);
    expect(res.text).to.not.contain('<script>alert');
    expect(res.text).to.not.contain('<img src=x');
    expect(res.text).to.contain('&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    const long = new RegExp(`data-log-id="${idOf.get(8)}"[\\s\\S]*?</tr>`).exec(res.text)![0];
    expect(long).to.contain('<details>').and.contain('Show full prompt');
  });

  it('logs.csv streams the filtered log newest first, RFC 4180 quoted, formula-safe, and is audited', async () => {
    const res = await admin.get(`/admin/users/${lou}/logs.csv?model=gpt-4o`).buffer(true).parse((r, cb) => {
      let s = '';
      r.on('data', (c: Buffer) => (s += c.toString('utf8')));
      r.on('end', () => cb(null, s));
    });
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).to.match(/^attachment; filename="alpha-activity-log-lou-\d{4}-\d{2}-\d{2}\.csv"$/);
    const records: Record<string, string>[] = parseCsv(res.body as string, { columns: true });
    const expected = LOU.filter((e) => e.model === 'gpt-4o');
    expect(records).to.have.length(expected.length);
    expect(records.map((r) => Number(r.interaction_id))).to.deep.equal(expectedOrder(expected));
    const byIdx = (i: number) => records.find((r) => Number(r.interaction_id) === idOf.get(i))!;
    expect(byIdx(5).prompt).to.equal(XSS);
    expect(byIdx(7).prompt).to.equal(TRICKY);
    // #7: 2026-10-01T12:00Z + 21h = 2026-10-02T09:00Z = 04:00 CDT
    expect(byIdx(7).occurred_at_utc).to.equal('2026-10-02T09:00:00.000Z');
    expect(byIdx(7).occurred_at_local).to.equal('2026-10-02 04:00:00');
    expect(byIdx(7).day).to.equal('2026-10-02');
    expect(byIdx(7).total_tokens).to.equal('10');
    expect(byIdx(7).surface).to.equal('Chat');
    const formula = await admin.get(`/admin/users/${lou}/logs.csv?model=claude-3`).expect(200);
    const frecs: Record<string, string>[] = parseCsv(formula.text, { columns: true });
    expect(frecs.find((r) => Number(r.interaction_id) === idOf.get(6))!.prompt).to.equal(`'${FORMULA}`);
    // One audit shape for every export: the export, the file, its path, then what narrows it (user, filters).
    const audit = await t.db('audit_log').where({ workspace_id: w.a.id, action: 'export.download', target_type: 'export', target_id: 'user-activity-interactions' }).orderBy('id');
    expect(audit).to.have.length(2);
    expect(JSON.parse(audit[0].after_json)).to.include({ export: 'user-activity-interactions', path: '/admin/users/:id/logs.csv', user: 'lou@alpha.test' });
    expect(JSON.parse(audit[0].after_json).file).to.match(/^alpha-activity-log-lou-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(JSON.parse(audit[0].after_json).filters).to.include({ model: 'gpt-4o' });
    expect(audit[0].actor_user_id).to.equal(w.alice);
  });

  it('the data dictionary shows the per-user log export as a template, without a link; other exports link', async () => {
    const html = (await admin.get('/admin/data-dictionary').expect(200)).text;
    const card = /<article[^>]*data-export="user-activity-interactions"[\s\S]*?<\/article>/.exec(html)![0];
    expect(card).to.contain('data-testid="export-path-template"').and.contain('/admin/users/{id}/logs.csv');
    expect(card).to.not.match(/href="[^"]*logs\.csv/);
    expect(html).to.not.contain(':id');
    expect(html).to.match(/<a class="file" href="\/admin\/exports\/users\.csv"/);
  });

  it('unknown ids and other workspaces’ users are 404 (page and CSV)', async () => {
    await admin.get('/admin/users/999999/logs').expect(404);
    await admin.get(`/admin/users/${w.adminB}/logs`).expect(404);
    await admin.get(`/admin/users/${w.adminB}/logs.csv`).expect(404);
    await admin.get('/admin/users/abc/logs').expect(404);
  });

  it('every interactions query of the page is bounded by workspace and user (the index prefix)', async () => {
    const seen: string[] = [];
    const listener = (q: { sql: string }) => seen.push(q.sql);
    t.db.on('query', listener);
    try {
      await admin.get(`/admin/users/${lou}/logs?surface=chat&from=2026-10-02`).expect(200);
    } finally {
      t.db.removeListener('query', listener);
    }
    const onInteractions = seen.filter((s) => /from [`"]interactions[`"]/i.test(s));
    expect(onInteractions.length).to.be.greaterThan(0);
    for (const sql of onInteractions) expect(sql).to.match(/[`"]workspace_id[`"] = \? and [`"]user_id[`"] = \?/);
  });

  it('the page query is an index range on interactions_user_time (EXPLAIN on MySQL)', async function () {
    if (!isMySqlRun()) return this.skip();
    const cursor = decodeCursor(`${new Date(T0 + 50 * 3 * 3600_000).toISOString()}_${idOf.get(50)}`)!;
    for (const qb of [
      logQuery(t.db, w.a.id, lou, {}, 'America/Chicago').orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(51),
      olderThan(logQuery(t.db, w.a.id, lou, { from: '2026-10-02', to: '2026-10-10' }, 'America/Chicago'), 'occurred_at', 'id', cursor).orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(51),
    ]) {
      const { sql, bindings } = qb.toSQL().toNative();
      const [plan] = await t.db.raw(`EXPLAIN ${sql}`, bindings as readonly string[]);
      const row = (plan as Record<string, unknown>[])[0];
      expect(row.key, JSON.stringify(row)).to.equal('interactions_user_time');
      expect(['range', 'ref']).to.include(row.type);
      expect(String(row.Extra ?? '')).to.not.match(/filesort/i);
    }
  });
  it('every interactions query the page, its totals and Older pages actually run is an index range on interactions_user_time (plans on both engines)', async () => {
    const seen: { sql: string; bindings: unknown[] }[] = [];
    const listener = (q: { sql: string; bindings: unknown[] }) => {
      if (/from [`"]interactions[`"]/i.test(q.sql)) seen.push(q);
    };
    // Lou owns nearly every row of this small fixture, so an optimizer could rightly prefer a table scan;
    // other users' rows (as in any real workspace) make the plan the one that matters at scale.
    for (let b = 0; b < 4; b++) {
      const r = await recordInteractions(t.db, w.a.id, Array.from({ length: 500 }, (_, i) => ({ ...ev('eve@alpha.test', new Date(T0 + (b * 500 + i) * 60_000)), surface: 'agent', promptTokens: 1 })));
      expect(r.accepted).to.equal(500);
    }
    if (isMySqlRun()) await t.db.raw('ANALYZE TABLE interactions');
    const first = (await admin.get(`/admin/users/${lou}/logs`).expect(200)).text;
    t.db.on('query', listener);
    try {
      await admin.get(`/admin/users/${lou}/logs`).expect(200);
      await admin.get(href(first, 'logs-older')!).expect(200);
      await admin.get(`/admin/users/${lou}/logs?model=claude-3&training=no&from=2026-10-02`).expect(200);
      await admin.get(`/admin/users/${lou}/logs/totals?surface=agent`).set('HX-Request', 'true').expect(200);
    } finally {
      t.db.removeListener('query', listener);
    }
    // the newest page, an Older page, a filtered page and a filtered totals request: 4 reads of interactions
    expect(seen.length, seen.map((q) => q.sql).join('\n')).to.equal(4);
    for (const q of seen) {
      if (isMySqlRun()) {
        const [plan] = await t.db.raw(`EXPLAIN ${q.sql}`, q.bindings as readonly string[]);
        const row = (plan as Record<string, unknown>[]).find((r) => r.table === 'interactions')!;
        expect(row.key, `${q.sql}\n${JSON.stringify(row)}`).to.equal('interactions_user_time');
        expect(['range', 'ref']).to.include(row.type);
      } else {
        const plan = (await t.db.raw(`EXPLAIN QUERY PLAN ${q.sql}`, q.bindings as readonly string[])) as { detail: string }[];
        const details = plan.map((r) => r.detail).join(' | ');
        expect(details, q.sql).to.match(/SEARCH interactions USING (COVERING )?INDEX interactions_user_time \(workspace_id=\? AND user_id=\?/);
        expect(details).to.not.match(/SCAN interactions/);
      }
      if (/order by/i.test(q.sql)) expect(q.sql).to.match(/limit \?/i); // pages read at most one page (+1) of rows
    }
  });
});
