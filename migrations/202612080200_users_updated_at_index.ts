// The roster stamp (src/reports/memo.ts, rosterStamp) reads the workspace's newest users.updated_at
// on every User Management view and limit status read: with this index that is one index lookup
// instead of a pass over every user row of the workspace (20,000 rows at the enterprise size).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.index(['workspace_id', 'updated_at'], 'users_workspace_updated_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropIndex(['workspace_id', 'updated_at'], 'users_workspace_updated_at');
  });
}
