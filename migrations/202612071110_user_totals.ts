// All-time usage per user (interactions and tokens of every kind), one row per user: what the user
// list's "Total usage" column and sort read with one primary-key lookup per user, instead of
// grouping every monthly rollup row of the workspace on each request (docs/scaling.md, "The user
// axis"). Upkept by the write path like every rollup (src/rollups/spec.ts); filled here from the
// monthly rollups so an existing database needs no rebuild.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('user_totals', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.integer('user_id').unsigned().notNullable();
    t.bigInteger('interactions').notNullable().defaultTo(0);
    t.bigInteger('total_tokens').notNullable().defaultTo(0);
    t.bigInteger('inference_tokens').notNullable().defaultTo(0);
    t.bigInteger('embedding_tokens').notNullable().defaultTo(0);
    t.primary(['workspace_id', 'user_id']);
    t.index(['workspace_id', 'total_tokens', 'user_id'], 'user_totals_by_tokens');
  });
  await knex.raw(
    `INSERT INTO user_totals (workspace_id, user_id, interactions, total_tokens, inference_tokens, embedding_tokens)
     SELECT workspace_id, user_id, SUM(interactions), SUM(total_tokens),
            SUM(CASE WHEN token_kind = 'inference' THEN total_tokens ELSE 0 END),
            SUM(CASE WHEN token_kind = 'inference' THEN 0 ELSE total_tokens END)
     FROM rollup_monthly_user GROUP BY workspace_id, user_id`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('user_totals');
}
