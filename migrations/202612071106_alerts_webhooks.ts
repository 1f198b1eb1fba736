// Alert rules and their firings, webhook endpoints with a transactional outbox (events written in
// the transaction that caused them, one delivery per subscribed endpoint), and scheduled reports
// (one row per subscription and period: the unique key makes each period's send happen once).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.increments('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('kind', 16).notNullable().defaultTo('webhook'); // webhook | slack
    t.string('description', 200).notNullable().defaultTo('');
    t.string('url', 2000).notNullable();
    t.text('event_types').notNullable(); // JSON array
    t.text('secret_sealed').notNullable(); // AES-256-GCM (src/crypto/secret-box.ts)
    t.boolean('enabled').notNullable().defaultTo(true);
    t.string('disabled_reason', 200).nullable();
    t.dateTime('failing_since', { precision: 3 }).nullable();
    t.dateTime('failure_notified_at', { precision: 3 }).nullable();
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.dateTime('updated_at', { precision: 3 }).notNullable();
    t.index(['workspace_id', 'enabled']);
  });

  await knex.schema.createTable('webhook_events', (t) => {
    t.bigIncrements('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('msg_id', 40).notNullable().unique(); // webhook-id: the same on every retry
    t.string('type', 64).notNullable();
    t.text('payload').notNullable(); // the JSON body sent: {type, timestamp, data}
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.index(['workspace_id', 'created_at']);
  });

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.bigIncrements('id').primary();
    t.integer('workspace_id').unsigned().notNullable();
    t.bigInteger('event_id').unsigned().notNullable().references('id').inTable('webhook_events').onDelete('CASCADE');
    t.integer('endpoint_id').unsigned().notNullable().references('id').inTable('webhook_endpoints').onDelete('CASCADE');
    t.string('status', 12).notNullable(); // pending | sending | delivered | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.dateTime('next_attempt_at', { precision: 3 }).notNullable();
    t.string('claimed_by', 100).nullable();
    t.dateTime('claimed_until', { precision: 3 }).nullable();
    t.integer('response_status').nullable();
    t.integer('response_ms').nullable();
    t.string('last_error', 500).nullable();
    t.dateTime('last_attempt_at', { precision: 3 }).nullable();
    t.dateTime('delivered_at', { precision: 3 }).nullable();
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.index(['status', 'next_attempt_at']);
    t.index(['endpoint_id', 'id']);
  });

  await knex.schema.createTable('alert_rules', (t) => {
    t.increments('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('name', 200).notNullable();
    t.string('condition', 24).notNullable(); // pool_below | cap_reached | allocation_above | usage_spike
    t.text('params').notNullable(); // JSON, per condition
    t.text('channels').notNullable(); // JSON {inapp, email: [user ids], webhook, slack}
    t.boolean('enabled').notNullable().defaultTo(true);
    t.string('builtin', 32).nullable(); // the default rule it stands for ('pool_below:1000', 'cap_reached')
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.dateTime('updated_at', { precision: 3 }).notNullable();
    t.unique(['workspace_id', 'builtin']);
  });

  // Per rule and subject (workspace, a user, a group): fired until the condition clears.
  await knex.schema.createTable('alert_rule_state', (t) => {
    t.integer('rule_id').unsigned().notNullable().references('id').inTable('alert_rules').onDelete('CASCADE');
    t.string('subject', 64).notNullable(); // 'workspace', 'user:12', 'group:3'
    t.boolean('fired').notNullable().defaultTo(false);
    t.string('last_day', 10).nullable(); // spike rules: the last complete day evaluated
    t.dateTime('updated_at', { precision: 3 }).notNullable();
    t.primary(['rule_id', 'subject']);
  });

  await knex.schema.createTable('alert_firings', (t) => {
    t.bigIncrements('id').primary();
    t.integer('workspace_id').unsigned().notNullable();
    t.integer('rule_id').unsigned().notNullable().references('id').inTable('alert_rules').onDelete('CASCADE');
    t.string('subject', 64).notNullable();
    t.string('summary', 500).notNullable();
    t.text('values_json').notNullable();
    t.dateTime('fired_at', { precision: 3 }).notNullable();
    t.index(['workspace_id', 'fired_at']);
    t.index(['rule_id', 'fired_at']);
  });

  await knex.schema.createTable('report_subscriptions', (t) => {
    t.increments('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('period', 8).notNullable(); // weekly | monthly
    t.text('recipients').notNullable(); // JSON array of addresses
    t.text('exports').notNullable(); // JSON array of export ids attached as CSV
    t.integer('created_by_user_id').unsigned().nullable();
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.index(['workspace_id']);
  });

  await knex.schema.createTable('report_runs', (t) => {
    t.increments('id').primary();
    t.integer('subscription_id').unsigned().notNullable().references('id').inTable('report_subscriptions').onDelete('CASCADE');
    t.string('period_key', 16).notNullable(); // '2026-W49' (week starting Monday) | '2026-11'
    t.string('status', 12).notNullable(); // sending | sent | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('last_error', 500).nullable();
    t.dateTime('started_at', { precision: 3 }).notNullable();
    t.dateTime('sent_at', { precision: 3 }).nullable();
    t.unique(['subscription_id', 'period_key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['report_runs', 'report_subscriptions', 'alert_firings', 'alert_rule_state', 'alert_rules', 'webhook_deliveries', 'webhook_events', 'webhook_endpoints']) {
    await knex.schema.dropTableIfExists(t);
  }
}
