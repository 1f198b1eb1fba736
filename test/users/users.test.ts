// User Management: summary, sort/filter/search against the fixture, row actions, rules, audit.
import { expect } from 'chai';
import request from 'supertest';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { closeAll, isMySqlRun } from '../helpers/db';
import { PASSWORD } from '../helpers/fixtures';
import { cell, ev, rowIds, usersWorld, type UsersWorld } from './fixture';
import { createUser } from '../helpers/fixtures';
import { recordInteractions } from '../../src/ingest/write-path';
import { clearListCache } from '../../src/users/list-cache';

describe('users: User Management page', () => {
  let t: TestApp;
  let w: UsersWorld;
  let admin: Agent;

  before(async () => {
    t = await createTestApp();
    w = await usersWorld(t.db);
    admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
  });
  after(closeAll);

  it('summary bar: head counts, purchased, assigned (non-revoked) and the over-assignment warning', async () => {
    const res = await admin.get('/admin/users').expect(200);
    const v = (id: string) => new RegExp(`data-testid="${id}">([^<]*)<`).exec(res.text)?.[1];
    // alpha: Alice, Mark, Bob, Eve active; Carol invited; Dave revoked
    expect(v('summary-total')).to.equal('6');
    expect(v('summary-active')).to.equal('4');
    expect(v('summary-invited')).to.equal('1');
    expect(v('summary-revoked')).to.equal('1');
    expect(v('summary-purchased-inference')).to.equal('1,000');
    // 1000 (Alice) + 100 (Bob) + 200 (Carol) + 0 + 0; Dave's 50 is revoked and not counted
    expect(v('summary-assigned-inference')).to.equal('1,300');
    expect(v('summary-unassigned-inference')).to.equal('300');
    expect(v('summary-assigned-embedding')).to.equal('500');
    expect(v('summary-unassigned-embedding')).to.equal('500');
    expect(res.text).to.contain('data-testid="over-assigned-warning"');
  });

  it('usage columns come from the rollups: monthly, previous month, all-time, share', async () => {
    const res = await admin.get('/admin/users').expect(200);
    expect(cell(res.text, w.alice, 'monthly')).to.equal('1,200');
    expect(cell(res.text, w.alice, 'total_usage')).to.equal('1,500');
    expect(cell(res.text, w.alice, 'share')).to.contain('120%');
    expect(cell(res.text, w.bob, 'monthly')).to.equal('85');
    expect(cell(res.text, w.bob, 'prev_month')).to.equal('40');
    expect(cell(res.text, w.bob, 'total_usage')).to.equal('135');
    expect(cell(res.text, w.bob, 'share')).to.contain('85%');
    expect(cell(res.text, w.dave, 'prev_month')).to.equal('70');
    expect(cell(res.text, w.eve, 'share')).to.equal('—');
    // the dash is explained in words to screen readers, not only in a hover title
    expect(new RegExp(`id="user-row-${w.eve}"[\\s\\S]*?data-testid="no-allocation">No monthly inference allocation set<`).test(res.text)).to.equal(true);
    expect(new RegExp(`id="user-row-${w.bob}"[\\s\\S]*?</tr>`).exec(res.text)![0]).to.not.contain('no-allocation');
    expect(cell(res.text, w.carol, 'total_usage')).to.equal('0');
    // Mark logged in last month: last active is set; Carol never active
    expect(cell(res.text, w.mark, 'last_active')).to.not.equal('Never');
    expect(cell(res.text, w.carol, 'last_active')).to.equal('Never');
    // the zone and UTC time are in the cell for screen readers too, not only in the hover title
    // (Mark's only activity is the fixture's login at prevMonthEnd)
    const utc = `${w.prevMonthEnd.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
    expect(res.text).to.match(new RegExp(`id="user-row-${w.mark}"[\\s\\S]*?data-testid="last-active-utc"> \\(America/Chicago; ${utc}\\)</span>`));
    // other workspace's admin is never listed
    expect(rowIds(res.text)).to.not.include(w.adminB);
  });

  it('sorts on every column, ties broken by id', async () => {
    const byName = rowIds((await admin.get('/admin/users').expect(200)).text);
    expect(byName).to.deep.equal([w.alice, w.bob, w.carol, w.dave, w.eve, w.mark]);
    const monthlyDesc = rowIds((await admin.get('/admin/users?sort=monthly&dir=desc').expect(200)).text);
    // 1200, 85, 30, then zeros by id desc: Dave, Carol, Mark
    expect(monthlyDesc).to.deep.equal([w.alice, w.bob, w.eve, w.dave, w.carol, w.mark]);
    const totalAsc = rowIds((await admin.get('/admin/users?sort=total_usage&dir=asc').expect(200)).text);
    // zeros by id asc (Mark, Carol), then 30, 70, 135, 1500
    expect(totalAsc).to.deep.equal([w.mark, w.carol, w.eve, w.dave, w.bob, w.alice]);
    const prevDesc = rowIds((await admin.get('/admin/users?sort=prev_month&dir=desc').expect(200)).text);
    expect(prevDesc.slice(0, 2)).to.deep.equal([w.dave, w.bob]);
    const shareDesc = rowIds((await admin.get('/admin/users?sort=share&dir=desc').expect(200)).text);
    // 1.2 (Alice), 0.85 (Bob), 0 (Carol, Dave), then no allocation (null) last
    expect(shareDesc.slice(0, 2)).to.deep.equal([w.alice, w.bob]);
    const maxInf = rowIds((await admin.get('/admin/users?sort=max_inference&dir=desc').expect(200)).text);
    expect(maxInf.slice(0, 4)).to.deep.equal([w.alice, w.carol, w.bob, w.dave]);
    for (const key of ['email', 'role', 'department', 'status', 'max_embedding', 'credit', 'last_active']) {
      const res = await admin.get(`/admin/users?sort=${key}&dir=desc`).expect(200);
      expect(rowIds(res.text)).to.have.length(6);
      // the header cell carries aria-sort and its link for this key is the one marked sorted
      expect(res.text).to.match(new RegExp(`<th[^>]*aria-sort="descending"[^>]*>(?:(?!</th>)[\\s\\S])*data-sort="${key}" class="sorted"`));
      expect(res.text.match(/class="sorted"/g)).to.have.length(1);
    }
    const status = rowIds((await admin.get('/admin/users?sort=status&dir=asc').expect(200)).text);
    // active (Alice, Mark, Bob, Eve by id), invited (Carol), revoked (Dave)
    expect(status).to.deep.equal([w.alice, w.mark, w.bob, w.eve, w.carol, w.dave]);
  });

  it('search and filters narrow the list', async () => {
    const ids = async (qs: string) => rowIds((await admin.get(`/admin/users?${qs}`).expect(200)).text);
    expect(await ids('q=bob')).to.deep.equal([w.bob]);
    expect(await ids('q=CAROL%40alpha')).to.deep.equal([w.carol]);
    expect(await ids('q=%25')).to.deep.equal([]); // a literal %, not a wildcard
    expect(await ids('department=Sales')).to.deep.equal([w.bob, w.carol]);
    expect(await ids('role=admin')).to.deep.equal([w.alice]);
    expect(await ids('status=revoked')).to.deep.equal([w.dave]);
    expect(await ids('credit=no')).to.deep.equal([w.carol]);
    expect(await ids('allocation=near')).to.deep.equal([w.alice, w.bob]);
    expect(await ids('allocation=over')).to.deep.equal([w.alice]);
    expect(await ids('department=Sales&status=active')).to.deep.equal([w.bob]);
    const empty = await admin.get('/admin/users?q=nobody-here').expect(200);
    expect(empty.text).to.contain('No users match these filters');
    // htmx swaps announce the result through the layout's persistent live region (public/js/app.js)
    const sales = await admin.get('/admin/users?department=Sales').set('HX-Request', 'true').expect(200);
    expect(sales.text).to.match(/^<div id="users-results" class="users-results" data-announce="2 users match these filters, sorted by Name \(ascending\)\.">/);
    expect(sales.text).to.not.contain('role="status"'); // no live region inside the swapped block
    const none = await admin.get('/admin/users?q=nobody-here').set('HX-Request', 'true').expect(200);
    expect(none.text).to.contain('data-announce="No users match these filters."');
  });

  it('paginates with page numbers and per-page sizes; bad parameters fall back to defaults', async () => {
    // 30 extra users -> 36 in alpha; page 2 of 25 holds 11
    for (let i = 0; i < 30; i++) {
      await t.db('users').insert({ workspace_id: w.a.id, email: `extra${String(i).padStart(2, '0')}@alpha.test`, name: `Zz Extra ${String(i).padStart(2, '0')}`, role: 'member', status: 'invited', created_at: '2026-01-01 00:00:00.000', updated_at: '2026-01-01 00:00:00.000' });
    }
    const p1 = rowIds((await admin.get('/admin/users').expect(200)).text);
    const p2 = rowIds((await admin.get('/admin/users?page=2').expect(200)).text);
    expect(p1).to.have.length(25);
    expect(p2).to.have.length(11);
    expect(new Set([...p1, ...p2]).size).to.equal(36);
    const p2Html = (await admin.get('/admin/users?page=2&sort=email&dir=desc').set('HX-Request', 'true').expect(200)).text;
    expect(p2Html).to.contain('data-announce="36 users, sorted by Email (descending), page 2 of 2."');
    // OFFSET paging over the (email desc, id desc) order: page 2 is exactly rows 26-36 of the order computed here
    const all = (await t.db('users').where({ workspace_id: w.a.id }).select('id', 'email')).sort((a, b) => (a.email.toLowerCase() < b.email.toLowerCase() ? 1 : a.email.toLowerCase() > b.email.toLowerCase() ? -1 : b.id - a.id));
    expect(rowIds(p2Html)).to.deep.equal(all.slice(25).map((u) => Number(u.id)));
    const p50 = rowIds((await admin.get('/admin/users?per=50').expect(200)).text);
    expect(p50).to.have.length(36);
    const bad = await admin.get('/admin/users?sort=nope&dir=sideways&page=-3&per=7').expect(200);
    expect(rowIds(bad.text)).to.deep.equal(p1);
    await t.db('users').where('email', 'like', 'extra%').delete();
  });

  it('htmx requests get only the results partial; the same URL without htmx renders the full page', async () => {
    const partial = await admin.get('/admin/users?sort=monthly&dir=desc').set('HX-Request', 'true').expect(200);
    expect(partial.text.trimStart()).to.match(/^<div id="users-results"/);
    expect(partial.text).to.not.contain('<html');
    expect(partial.headers['hx-push-url']).to.equal('/admin/users?sort=monthly&dir=desc');
    const form = await admin.get('/admin/users?q=&role=&status=active&department=&credit=&allocation=&sort=name&dir=asc&per=25').set('HX-Request', 'true').expect(200);
    expect(form.headers['hx-push-url']).to.equal('/admin/users?status=active');
    const full = await admin.get('/admin/users?sort=monthly&dir=desc').expect(200);
    expect(full.text).to.contain('<html');
    expect(rowIds(full.text)).to.deep.equal(rowIds(partial.text));
  });

  it('rows carry an accessible menu at the left with every action', async () => {
    const res = await admin.get('/admin/users?q=bob').expect(200);
    const row = /<tr id="user-row-\d+"[\s\S]*?<\/tr>/.exec(res.text)![0];
    const firstCell = /<td[\s\S]*?<\/td>/.exec(row)![0];
    expect(firstCell).to.contain('aria-haspopup="menu"');
    expect(firstCell).to.contain(`aria-controls="user-menu-${w.bob}"`);
    expect(firstCell).to.contain('role="menu"');
    for (const label of ['View logs', 'Edit allocation', 'Disallow credit spending', 'Change role to admin', 'Revoke access']) expect(firstCell).to.contain(label);
  });

  it("the menu's actions share one form per row: each button posts the form's token and return address with its own value to its own route", async () => {
    const res = await admin.get('/admin/users?q=bob').expect(200);
    const row = /<tr id="user-row-\d+"[\s\S]*?<\/tr>/.exec(res.text)![0];
    expect(row.match(/<form /g)).to.have.length(1);
    const form = /<form method="post" class="menu-form" hx-target:inherited="closest tr" hx-swap:inherited="outerHTML settle:0">([\s\S]*?)<\/form>/.exec(row)![1];
    const hidden = Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2].replace(/&amp;/g, '&')]));
    expect(Object.keys(hidden).sort()).to.deep.equal(['_csrf', 'return']);
    const buttons = [...form.matchAll(/<button ([^>]*)>([^<]*)<\/button>/g)].map((m) => ({ attrs: m[1], label: m[2], at: (a: string) => new RegExp(`\\b${a}="([^"]*)"`).exec(m[1])?.[1] }));
    expect(buttons.map((b) => b.label)).to.deep.equal(['Disallow credit spending', 'Change role to admin', 'Revoke access']);
    for (const b of buttons) {
      expect(b.at('formaction'), b.label).to.equal(b.at('hx-post'));
      expect(b.at('formaction')).to.match(new RegExp(`^/admin/users/${w.bob}/(credit-access|role|revoke)$`));
    }
    // what a browser sends for the first button without htmx: the form's fields and the button's own
    const credit = buttons[0];
    const sent = await admin.post(credit.at('formaction')!).type('form').send({ ...hidden, [credit.at('name')!]: credit.at('value')! });
    expect(sent.status).to.equal(303);
    expect(sent.headers.location).to.equal(`${hidden.return}&notice=credit`);
    expect(Number((await t.db('users').where({ id: w.bob }).first()).may_spend_credits)).to.equal(0);
    await admin.post(credit.at('formaction')!).type('form').send({ ...hidden, allowed: '1' }).expect(303);
    expect(Number((await t.db('users').where({ id: w.bob }).first()).may_spend_credits)).to.equal(1);
  });

  it('reads rollups only: no query touches the interactions table', async () => {
    const seen: string[] = [];
    const listener = (q: { sql: string }) => seen.push(q.sql);
    t.db.on('query', listener);
    try {
      for (const qs of ['', 'sort=monthly&dir=desc', 'sort=total_usage', 'allocation=near', 'q=bo&sort=share']) await admin.get(`/admin/users?${qs}`).expect(200);
    } finally {
      t.db.removeListener('query', listener);
    }
    expect(seen.some((s) => /rollup_monthly_user/.test(s))).to.equal(true);
    // the one exception is the usage version the kept list orders are checked against: the newest
    // id (one primary-key lookup) and, when it moved, the new ids' range (src/reports/memo.ts)
    const version = /\(CASE WHEN EXISTS \(SELECT 1 FROM [`"]rollup_pending[`"] WHERE [`"]workspace_id[`"] = \?\) THEN -1 ELSE \(SELECT MAX\([`"]id[`"]\) FROM [`"]interactions[`"]\) END\)|^select max\([`"]id[`"]\) as [`"]m[`"], max\([`"]day[`"]\) as [`"]hi[`"], min\([`"]day[`"]\) as [`"]lo[`"] from [`"]interactions[`"] where [`"]id[`"] > \? and [`"]id[`"] <= \? and [`"]workspace_id[`"] = \?/i;
    expect(seen.some((s) => version.test(s))).to.equal(true);
    expect(seen.map((s) => s.replace(new RegExp(version.source, 'gi'), '')).filter((s) => /[`"]interactions[`"]/.test(s))).to.deep.equal([]);
  });

  it('usage sorts join this month by the rollup primary key, one row per user (EXPLAIN on MySQL)', async function () {
    if (!isMySqlRun()) return this.skip();
    clearListCache(t.db); // the list's order is kept between views: make this view compute it
    const seen: { sql: string; bindings: unknown[] }[] = [];
    const listener = (q: { sql: string; bindings: unknown[] }) => seen.push(q);
    t.db.on('query', listener);
    try {
      await admin.get('/admin/users?sort=monthly&dir=desc').expect(200);
    } finally {
      t.db.removeListener('query', listener);
    }
    const ids = seen.find((q) => /order by COALESCE\(cur\.total_tokens, 0\) desc/.test(q.sql))!;
    expect(ids, 'the page-ids query').to.not.equal(undefined);
    expect(ids.sql).to.not.match(/group by/i);
    const [plan] = await t.db.raw(`EXPLAIN ${ids.sql}`, ids.bindings as readonly string[]);
    const cur = (plan as Record<string, unknown>[]).find((r) => r.table === 'cur')!;
    expect(cur.type, JSON.stringify(plan)).to.equal('eq_ref');
    expect(cur.key).to.equal('PRIMARY');
  });

  it('a member gets 403 and anonymous browsers are sent to /login', async () => {
    const member = await loginAs(t.app, 'member@alpha.test', PASSWORD);
    await member.get('/admin/users').expect(403);
    const anon = await request(t.app).get('/admin/users').expect(303);
    expect(anon.headers.location).to.match(/^\/login/);
  });

  it('table: email under the name (one line, full value on hover), one exact number format per column, unset allocations read "Not set"', async () => {
    const big = await createUser(t.db, w.a.id, { email: 'big.spender@alpha.test', name: 'Big Spender', maxInferenceTokens: 2_500_000, maxEmbeddingTokens: 0 });
    // 1,000,000 + 234,567 inference tokens this month and 4,321 embedding tokens, through the write path
    await recordInteractions(t.db, w.a.id, [
      ev('big.spender@alpha.test', w.nowish, { promptTokens: 1_000_000, completionTokens: 0 }),
      ev('big.spender@alpha.test', w.nowish, { promptTokens: 200_000, completionTokens: 34_567 }),
      ev('big.spender@alpha.test', w.nowish, { kind: 'embedding', promptTokens: 4_321, completionTokens: 0 }),
    ]);
    const res = await admin.get('/admin/users?q=big.spender').expect(200);
    const row = new RegExp(`<tr id="user-row-${big}"[\\s\\S]*?</tr>`).exec(res.text)![0];
    // name and email share one cell; the address is whole (no <wbr> split) with the full value as its title
    expect(/<td class="user-name">[\s\S]*?<\/td>/.exec(row)![0]).to.contain('Big Spender').and.contain('data-col="email" title="big.spender@alpha.test"');
    expect(cell(res.text, big, 'email')).to.equal('big.spender@alpha.test');
    // every token column: the exact count with separators, never an abbreviation (one format per column)
    const exact = (col: string, value: number, text: string) => expect(row).to.contain(`data-col="${col}" data-value="${value}">${text}</td>`);
    exact('monthly', 1234567, '1,234,567');
    exact('total_inference', 1234567, '1,234,567');
    exact('total_embedding', 4321, '4,321');
    exact('total_usage', 1238888, '1,238,888');
    exact('max_inference', 2500000, '2,500,000');
    expect(row).to.not.match(/\d(\.\d)?[KM]</);
    // an allocation never set reads "Not set", not 0
    expect(row).to.match(/data-col="max_embedding" data-value="0"><span class="muted not-set" data-testid="not-set">Not set<\/span><\/td>/);
    // 1,234,567 / 2,500,000 = 49.38% -> 49.4%
    expect(cell(res.text, big, 'share')).to.contain('49.4%');
    // headers: abbreviations carry the full column names
    // headers: each short label is hidden from screen readers, which read the full name instead; the
    // full name is also the hover title and (data-full) the tip shown when the link has keyboard focus
    for (const full of ['Max Inference Tokens', 'Max Embedding Tokens', 'Total Inference Tokens', 'Total Embedding Tokens', 'Total Usage', 'Monthly Inference Tokens', 'Prev Month Inference Tokens']) {
      expect(res.text).to.match(new RegExp(`<abbr title="(${full}[^"]*)" data-full="\\1"><span aria-hidden="true">[^<]+</span><span class="visually-hidden">\\1</span></abbr>`));
    }
    const short = [...res.text.matchAll(/<abbr [^>]*><span aria-hidden="true">([^<]+)<\/span>/g)].map((m) => m[1]);
    expect(short).to.deep.equal(['Limit', 'Dept.', 'Max inf.', 'Max emb.', 'Total inf.', 'Total emb.', 'Total', 'This month', 'Prev. month', 'Used', 'Credits', 'Last active']);
    expect(res.text).to.match(/data-sort="name"[^>]*>Name<\/a><span class="sort-sep"[^>]*> \/ <\/span><a[^>]*data-sort="email"[^>]*>Email<\/a><span class="sort-sep"[^>]*> \/ <\/span><a[^>]*data-sort="limit_use"/);
  });
  it('the share is highlighted from exactly 80 % (the "near or over" filter threshold) and at 100 %', async () => {
    await createUser(t.db, w.a.id, { email: 'eighty@alpha.test', name: 'Share Eighty', maxInferenceTokens: 1000 });
    await createUser(t.db, w.a.id, { email: 'seventynine@alpha.test', name: 'Share Seventynine', maxInferenceTokens: 1000 });
    await createUser(t.db, w.a.id, { email: 'hundred@alpha.test', name: 'Share Hundred', maxInferenceTokens: 1000 });
    await recordInteractions(t.db, w.a.id, [
      ev('eighty@alpha.test', w.nowish, { promptTokens: 800 }),
      ev('seventynine@alpha.test', w.nowish, { promptTokens: 799 }),
      ev('hundred@alpha.test', w.nowish, { promptTokens: 600, completionTokens: 400 }),
    ]);
    const res = await admin.get('/admin/users?q=share').expect(200);
    const pctOf = (name: string) => new RegExp(`${name}[\\s\\S]*?<span class="small share-pct ([a-z]*)"[^>]*>([^<]+)<`).exec(res.text)!.slice(1);
    expect(pctOf('Share Eighty')).to.deep.equal(['near', '80%']);
    expect(pctOf('Share Seventynine')).to.deep.equal(['', '79.9%']);
    expect(pctOf('Share Hundred')).to.deep.equal(['over', '100%']);
    // the filter agrees: 80 % and 100 % are "near or over", 79.9 % is not
    const near = (await admin.get('/admin/users?q=share&allocation=near').expect(200)).text;
    expect(near).to.contain('Share Eighty').and.contain('Share Hundred').and.not.contain('Share Seventynine');
  });
});
