// user_totals: the all-time usage per user that the user list's "Total usage" column and sort read
// by primary key (a rollup of the specification, upkept by the write path), and its backfill.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { closeAll, isMySqlRun } from '../helpers/db';
import { PASSWORD } from '../helpers/fixtures';
import { ev, rowIds, usersWorld, type UsersWorld } from './fixture';
import { recordInteractions } from '../../src/ingest/write-path';
import { clearListCache } from '../../src/users/list-cache';
import { up as createUserTotals } from '../../migrations/202612071110_user_totals';

describe('users: user_totals (all-time usage per user)', () => {
  let t: TestApp;
  let w: UsersWorld;
  let admin: Agent;

  before(async () => {
    t = await createTestApp();
    w = await usersWorld(t.db);
    admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
  });
  after(closeAll);

  const totals = async () =>
    Object.fromEntries(
      ((await t.db('user_totals').where({ workspace_id: w.a.id }).select('user_id', 'interactions', 'total_tokens')) as Record<string, unknown>[]).map((r) => [
        Number(r.user_id),
        [Number(r.interactions), Number(r.total_tokens)],
      ]),
    );

  it('the write path keeps one row per user with every token kind: the fixture gives Alice 1500, Bob 135, Dave 70, Eve 30', async () => {
    expect(await totals()).to.deep.equal({ [w.alice]: [2, 1500], [w.bob]: [3, 135], [w.dave]: [1, 70], [w.eve]: [1, 30] });
    await recordInteractions(t.db, w.a.id, [ev('eve@alpha.test', w.nowish, { kind: 'embedding', promptTokens: 5, completionTokens: 0 })]);
    expect((await totals())[w.eve]).to.deep.equal([2, 35]);
  });

  it('the migration fills the table from the monthly rollups (an existing database needs no rebuild)', async () => {
    const before = await totals();
    await t.db.schema.dropTable('user_totals');
    await createUserTotals(t.db);
    expect(await totals()).to.deep.equal(before);
  });

  it('sorts the list by total usage with the totals table (ties by id; users without usage count 0)', async () => {
    const res = await admin.get('/admin/users?sort=total_usage&dir=desc&per=25').expect(200);
    // Alice 1500, Bob 135, Dave 70, Eve 35 (after the test above), then Mark and Carol (0) by id desc
    const zero = [w.mark, w.carol].sort((a, b) => b - a);
    expect(rowIds(res.text)).to.deep.equal([w.alice, w.bob, w.dave, w.eve, ...zero]);
  });

  it('users-with-tokens.csv reads the totals: 0 for a month without usage and for a user without any', async () => {
    const res = await admin.get('/admin/exports/users-with-tokens.csv').expect(200);
    const [head, ...lines] = res.text.trim().split('\r\n');
    const cols = head.split(',').map((c) => c.replace(/"/g, ''));
    const row = (email: string) => {
      const cells = lines.find((l) => l.includes(`"${email}"`))!.split(',');
      const at = (c: string) => cells[cols.indexOf(c)];
      return [at('total_usage_tokens'), at('monthly_inference_tokens'), at('previous_month_inference_tokens')];
    };
    expect(row('dave@alpha.test')).to.deep.equal(['70', '0', '70']); // last month only
    expect(row('bob@alpha.test')).to.deep.equal(['135', '85', '40']);
    expect(row('member@alpha.test')).to.deep.equal(['0', '0', '0']); // a login, no usage (the export writes 0)
  });

  it('the total-usage sort reads user_totals by index, no grouped subquery (EXPLAIN on MySQL)', async function () {
    if (!isMySqlRun()) return this.skip();
    clearListCache(t.db); // the list's order is kept between views: make this view compute it
    const seen: { sql: string; bindings: unknown[] }[] = [];
    const listener = (q: { sql: string; bindings: unknown[] }) => seen.push(q);
    t.db.on('query', listener);
    try {
      await admin.get('/admin/users?sort=total_usage&page=100000').expect(200);
    } finally {
      t.db.removeListener('query', listener);
    }
    const ids = seen.find((q) => /order by COALESCE\(tot\.total_tokens, 0\) asc/.test(q.sql))!;
    expect(ids, 'the page-ids query').to.not.equal(undefined);
    expect(ids.sql).to.not.match(/group by/i);
    const [plan] = await t.db.raw(`EXPLAIN ${ids.sql}`, ids.bindings as readonly string[]);
    const rows = plan as Record<string, unknown>[];
    // one simple join, no derived (grouped) table; the totals row found by an index on the user
    // (eq_ref on the primary key, or on a table this small the covering (workspace, tokens, user) index)
    expect(rows.map((r) => r.select_type), JSON.stringify(plan)).to.deep.equal(['SIMPLE', 'SIMPLE']);
    const tot = rows.find((r) => r.table === 'tot')!;
    expect(['eq_ref', 'ref'], JSON.stringify(plan)).to.include(tot.type);
    expect(['PRIMARY', 'user_totals_by_tokens']).to.include(tot.key);
  });
});
