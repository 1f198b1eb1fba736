// What is left of each credit pack, kept next to the append-only ledger so a charge does not sum
// every consumption row ever drawn on a pack. Upkept under the workspace's credit lock; a pack
// without a row is summed from the ledger once and then cached (so it is rebuildable at any time).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('credit_pack_balances', (t) => {
    t.bigInteger('entry_id').unsigned().notNullable().primary(); // the pack's credit_ledger id
    t.integer('workspace_id').unsigned().notNullable();
    t.bigInteger('remaining').notNullable();
    t.dateTime('updated_at', { precision: 3 }).notNullable();
    t.index(['workspace_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('credit_pack_balances');
}
