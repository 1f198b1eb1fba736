// A counter per workspace that every transaction writing usage (interaction batches, logins, a
// rollup rebuild) moves just before it commits (src/reports/usage-version.ts). Readers that keep answers
// per process (the usage API's pages) put it in their version: it follows commit order, which a
// watermark of the newest interaction id cannot (a batch may commit after a higher id was seen).
// The row goes only with its workspace.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('usage_versions', (t) => {
    t.integer('workspace_id').unsigned().notNullable().primary().references('id').inTable('workspaces').onDelete('CASCADE');
    t.bigInteger('version').unsigned().notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('usage_versions');
}
