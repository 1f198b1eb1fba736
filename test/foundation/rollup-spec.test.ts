// The rollup specification (src/rollups/spec.ts) against the live schema the migrations build, on the
// engine under test: every table it names exists with exactly the columns it names, and its rebuild
// fills every one of them.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { ROLLUPS, specColumns, type ChargeFacts, type InteractionFacts, type LoginFacts, type RollupSpec } from '../../src/rollups/spec';
import { freshDb, closeAll } from '../helpers/db';

const at = '2026-03-04 15:00:00.000';
const INTERACTION: InteractionFacts = {
  workspace_id: 1, day: '2026-03-04', month: '2026-03', user_id: 2, agent_id: 3, token_kind: 'inference', surface: 'chat', output: 'text',
  model: 'm', training: false, iq: true, prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, at,
};
const LOGIN: LoginFacts = { workspace_id: 1, day: '2026-03-04', user_id: 2, at };
const CHARGE: ChargeFacts = { workspace_id: 1, day: '2026-03-04', user_id: 2, category: 'grid', credits: 4, overage_credits: 0 };

describe('foundation: rollup specification matches the schema', () => {
  let db: Knex;
  before(async () => {
    db = await freshDb();
  });
  after(closeAll);

  it('a rollup rebuilt from another rollup comes after it (the rebuild runs in this order)', () => {
    const order = (ROLLUPS as readonly RollupSpec[]).map((s) => s.table);
    const fromRollups = (ROLLUPS as readonly RollupSpec[]).filter((s) => order.includes(s.rebuild.from));
    expect(fromRollups.map((s) => `${s.table} <- ${s.rebuild.from}`)).to.deep.equal(['user_totals <- rollup_monthly_user']);
    for (const s of fromRollups) expect(order.indexOf(s.rebuild.from), s.table).to.be.below(order.indexOf(s.table));
  });

  for (const spec of ROLLUPS as readonly RollupSpec[]) {
    it(`${spec.table}: columns, key and rebuild agree with the migrations`, async () => {
      const live = Object.keys(await db(spec.table).columnInfo()).sort();
      expect(live, 'columns of the live table').to.deep.equal([...specColumns(spec)].sort());
      expect(Object.keys(spec.rebuild.select).sort(), 'the rebuild fills every column').to.deep.equal(live);
      // What one event contributes is a whole row: every column of the table, nothing else.
      const contributed = [spec.interaction?.(INTERACTION), spec.login?.(LOGIN), spec.charge?.(CHARGE)].filter((r) => r != null);
      expect(contributed.length, 'fed by some event').to.be.greaterThan(0);
      for (const row of contributed) expect(Object.keys(row).sort()).to.deep.equal(live);
    });
  }
});
