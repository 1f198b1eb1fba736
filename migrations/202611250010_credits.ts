// Credits: the editable price table, the per-workspace credit state row (the lock that serialises
// charges, plus alert state), monthly PAYG/overage counters, credits per user per day, idempotency
// keys on the ledger (included grants, expiries) and the e-mail outbox state of notifications.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Credits per unit, per workspace; rows are created with the defaults on first use.
  await knex.schema.createTable('credit_prices', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.string('item', 32).notNullable(); // grid_row | api_call | agent_research | agent_optimization | agent_other
    t.integer('credits').unsigned().notNullable();
    t.dateTime('updated_at', { precision: 3 }).notNullable();
    t.primary(['workspace_id', 'item']);
  });

  // One row per credit-billing workspace. Charges lock it (SELECT ... FOR UPDATE) so parallel
  // batches draw down the pool one after the other.
  await knex.schema.createTable('credit_state', (t) => {
    t.integer('workspace_id').unsigned().notNullable().primary();
    t.string('armed_thresholds', 64).nullable(); // comma list of armed alert thresholds; null = not initialised
    t.string('cap_alert_key', 40).nullable(); // 'YYYY-MM:cap' of the last PAYG-cap alert
    t.dateTime('updated_at', { precision: 3 }).notNullable();
  });

  // Per workspace per month (reporting month of the event): PAYG drawn (against the cap),
  // unpaid overage, Grid rows and the free test rows used.
  await knex.schema.createTable('credit_monthly', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.string('month', 7).notNullable();
    for (const c of ['payg_credits', 'overage_credits', 'grid_rows', 'grid_free_rows']) t.bigInteger(c).notNullable().defaultTo(0);
    t.primary(['workspace_id', 'month']);
  });

  // Credits per user per day per category (the "by user" breakdown).
  await knex.schema.createTable('rollup_daily_user_credits', (t) => {
    t.integer('workspace_id').unsigned().notNullable();
    t.date('day').notNullable();
    t.integer('user_id').unsigned().notNullable();
    t.string('category', 8).notNullable();
    for (const c of ['events', 'credits', 'overage_credits']) t.bigInteger(c).notNullable().defaultTo(0);
    t.primary(['workspace_id', 'day', 'user_id', 'category']);
    t.index(['workspace_id', 'user_id', 'day'], 'rollup_duc_user_day');
  });

  await knex.schema.alterTable('credit_ledger', (t) => {
    t.string('dedupe_key', 64).nullable(); // 'included:YYYY-MM', 'expiry:<id>': written at most once
    t.unique(['workspace_id', 'dedupe_key'], { indexName: 'credit_ledger_dedupe' });
    t.index(['workspace_id', 'source_entry_id'], 'credit_ledger_source');
  });

  await knex.schema.alterTable('notifications', (t) => {
    t.string('email_status', 12).nullable(); // null (in-app only) | pending | sent | failed
    t.index(['email_status'], 'notifications_email_status');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => {
    t.dropIndex(['email_status'], 'notifications_email_status');
  });
  await knex.schema.alterTable('notifications', (t) => {
    t.dropColumn('email_status');
  });
  await knex.schema.alterTable('credit_ledger', (t) => {
    t.dropUnique(['workspace_id', 'dedupe_key'], 'credit_ledger_dedupe');
    t.dropIndex(['workspace_id', 'source_entry_id'], 'credit_ledger_source');
  });
  await knex.schema.alterTable('credit_ledger', (t) => {
    t.dropColumn('dedupe_key');
  });
  for (const t of ['rollup_daily_user_credits', 'credit_monthly', 'credit_state', 'credit_prices']) await knex.schema.dropTableIfExists(t);
}
