// Daily and monthly rollups, upkept in the same transaction as the raw rows (src/ingest/write-path.ts)
// and rebuildable from them (src/ingest/rollups.ts). Grains follow the queries the pages run.
import type { Knex } from 'knex';

function counters(t: Knex.CreateTableBuilder, cols: string[]) {
  for (const c of cols) t.bigInteger(c).notNullable().defaultTo(0);
}

export async function up(knex: Knex): Promise<void> {
  // Workspace totals per day: cards, weekly charts, generations by feature, token statistics.
  await knex.schema.createTable('rollup_daily', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.date('day').notNullable();
    t.string('token_kind', 10).notNullable();
    t.string('surface', 16).notNullable();
    t.string('output', 8).notNullable();
    counters(t, ['interactions', 'iq_interactions', 'training_interactions', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'training_tokens']);
    t.primary(['workspace_id', 'day', 'token_kind', 'surface', 'output']);
  });

  // Per model per day: token statistics breakdown by model and training vs not.
  await knex.schema.createTable('rollup_daily_model', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.date('day').notNullable();
    t.string('token_kind', 10).notNullable();
    t.string('model', 64).notNullable();
    t.boolean('training').notNullable();
    counters(t, ['interactions', 'total_tokens']);
    t.primary(['workspace_id', 'day', 'token_kind', 'model', 'training']);
  });

  // Per agent per day (generations run through an agent).
  await knex.schema.createTable('rollup_daily_agent', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.date('day').notNullable();
    t.integer('agent_id').unsigned().notNullable();
    counters(t, ['interactions', 'total_tokens']);
    t.primary(['workspace_id', 'day', 'agent_id']);
  });

  // Per user per day: active users (last 30 days), per-user totals over exact day ranges.
  await knex.schema.createTable('rollup_daily_user', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.date('day').notNullable();
    t.integer('user_id').unsigned().notNullable();
    t.string('token_kind', 10).notNullable();
    counters(t, ['interactions', 'iq_interactions', 'total_tokens']);
    t.primary(['workspace_id', 'day', 'user_id', 'token_kind']);
    t.index(['workspace_id', 'user_id', 'day']);
  });

  // Per user per calendar month: user table (monthly, previous month, all-time), heatmap.
  await knex.schema.createTable('rollup_monthly_user', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.string('month', 7).notNullable(); // YYYY-MM
    t.integer('user_id').unsigned().notNullable();
    t.string('token_kind', 10).notNullable();
    counters(t, ['interactions', 'iq_interactions', 'prompt_tokens', 'completion_tokens', 'total_tokens']);
    t.primary(['workspace_id', 'month', 'user_id', 'token_kind']);
    t.index(['workspace_id', 'user_id', 'month']);
  });

  // Per user per month per surface (inference generations): top users by feature.
  await knex.schema.createTable('rollup_monthly_user_surface', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.string('month', 7).notNullable();
    t.integer('user_id').unsigned().notNullable();
    t.string('surface', 16).notNullable();
    counters(t, ['interactions']);
    t.primary(['workspace_id', 'month', 'user_id', 'surface']);
  });

  // Per user per month per agent: top users by agent type.
  await knex.schema.createTable('rollup_monthly_user_agent', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.string('month', 7).notNullable();
    t.integer('user_id').unsigned().notNullable();
    t.integer('agent_id').unsigned().notNullable();
    counters(t, ['interactions']);
    t.primary(['workspace_id', 'month', 'user_id', 'agent_id']);
  });

  // Credits consumed per day per category.
  await knex.schema.createTable('rollup_daily_credits', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.date('day').notNullable();
    t.string('category', 8).notNullable();
    counters(t, ['events', 'credits', 'overage_credits']);
    t.primary(['workspace_id', 'day', 'category']);
  });

  // First and last activity (interactions and logins) per user, upkept with MIN/MAX upserts.
  await knex.schema.createTable('user_activity', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.integer('user_id').unsigned().notNullable();
    t.dateTime('first_at', { precision: 3 }).nullable();
    t.dateTime('last_at', { precision: 3 }).nullable();
    t.primary(['workspace_id', 'user_id']);
  });

  // Daily login records per user (also the user-activity-log export).
  await knex.schema.createTable('login_days', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.date('day').notNullable();
    t.integer('user_id').unsigned().notNullable();
    counters(t, ['logins']);
    t.dateTime('first_at', { precision: 3 }).nullable();
    t.dateTime('last_at', { precision: 3 }).nullable();
    t.primary(['workspace_id', 'day', 'user_id']);
    t.index(['workspace_id', 'user_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'login_days',
    'user_activity',
    'rollup_daily_credits',
    'rollup_monthly_user_agent',
    'rollup_monthly_user_surface',
    'rollup_monthly_user',
    'rollup_daily_user',
    'rollup_daily_agent',
    'rollup_daily_model',
    'rollup_daily',
  ]) {
    await knex.schema.dropTableIfExists(t);
  }
}
