// The per-user rollup rows a stored batch still has to add (src/rollups/deferred.ts): the write
// path stores a batch's raw rows, its credit charge, its workspace-wide rollups and these pending
// rows in one transaction, then applies them to the per-user rollup tables in a transaction per
// part of the roster. One row per batch and part; its payload is the batch's per-user rollup rows,
// already merged, as JSON. Rows left by a process that stopped are applied by the next batch of the
// same part or by the `user-rollups` job.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rollup_pending', (t) => {
    t.bigIncrements('id');
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.smallint('part').unsigned().notNullable();
    t.text('payload', 'longtext').notNullable();
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.index(['workspace_id', 'part', 'id'], 'rollup_pending_part');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('rollup_pending');
}
