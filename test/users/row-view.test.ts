// The user table's rows are drawn by a function compiled once from views/partials/users/row.ejs
// (src/users/row-view.ts) instead of an include per row: its output must be the include's, byte for
// byte, whatever the row holds (markup in names, no allocation, revoked, a limit badge, selected).
import path from 'node:path';
import { expect } from 'chai';
import ejs from 'ejs';
import * as vm from '../../src/users/view-model';
import { userRows } from '../../src/users/row-view';
import { timeTag } from '../../src/http/format';
import type { UserRow } from '../../src/users/queries';

const VIEWS = path.resolve(__dirname, '../../views');
const ROW = path.join(VIEWS, 'partials/users/row.ejs');

const base: UserRow = {
  id: 7,
  email: 'ann@example.test',
  name: 'Ann Example',
  role: 'member',
  department: 'Sales',
  status: 'active',
  max_inference_tokens: 1000,
  max_embedding_tokens: 0,
  may_spend_credits: true,
  total_inference: 1234567,
  total_embedding: 89,
  total_usage: 1234656,
  monthly_inference: 850,
  prev_month_inference: 12,
  share: 0.85,
  last_active: '2026-11-01 06:30:00.000',
};

const rows: UserRow[] = [
  base,
  { ...base, id: 8, name: `<script>alert("x")</script> O'Brien & Co`, email: 'o"brien@example.test', department: null, share: null, max_inference_tokens: 0, last_active: null },
  { ...base, id: 9, role: 'admin', status: 'revoked', may_spend_credits: false, share: 1.2, monthly_inference: 1200 },
  { ...base, id: 10, status: 'invited', share: 0, monthly_inference: 0, department: '' },
];

function pageLocals(over: Record<string, unknown> = {}) {
  const zone = 'America/Chicago';
  return {
    settings: { views: VIEWS, 'view cache': true },
    vm,
    zone,
    timeTag: (v: string | null, ifNone?: string) => timeTag(v, zone, ifNone),
    utcTime: (v: string | null) => (v ? `${v.slice(0, 19)} UTC` : ''),
    csrfToken: 'tok&"<>',
    user: { id: 9, role: 'admin' },
    returnUrl: '/admin/users?q=a&b&sort=name',
    limitInfo: new Map([
      [7, { label: 'group <Eng>, 500k inference tokens/month, hard (+1 more)', state: 'near', badge: 'Near', detail: '8,500 of 10,000 "inference" tokens this week (85 %)', use: 0.85 }],
      [9, { label: 'user allocation, 1k inference tokens/month, soft', state: 'within', badge: null, detail: 'x', use: 0.1 }],
    ]),
    selectedIds: [8, 10],
    // a page's other locals, which a row never reads
    page: { rows },
    f: { sort: 'name' },
    ...over,
  };
}

describe('users: the compiled row renderer', () => {
  for (const cache of [true, false]) {
    it(`draws every row exactly as an include of the row partial (view cache ${cache ? 'on' : 'off'})`, async () => {
      const locals = pageLocals({ settings: { views: VIEWS, 'view cache': cache } });
      const draw = userRows(locals);
      for (const row of rows) {
        const include = await ejs.renderFile(ROW, { ...locals, row, rowNotice: null, rowError: null });
        expect(draw(row), `row ${row.id}`).to.equal(include);
      }
      // the values that needed escaping were escaped
      expect(draw(rows[1])).to.contain('&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Brien &amp; Co').and.not.contain('<script>');
      expect(draw(rows[0])).to.contain('data-testid="limit-badge"');
    });
  }

  it('a page without selection or limits (names absent from the locals) still draws', async () => {
    const locals = pageLocals({ selectedIds: undefined, limitInfo: undefined, user: undefined });
    const include = await ejs.renderFile(ROW, { ...locals, row: base, rowNotice: null, rowError: null });
    expect(userRows(locals)(base)).to.equal(include);
  });
});
