// Core schema: workspaces, people, agents, groups, raw events, credits, admin records, sessions.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workspaces', (t) => {
    t.increments('id').primary();
    t.string('slug', 64).notNullable().unique();
    t.string('name', 200).notNullable();
    t.string('time_zone', 64).notNullable().defaultTo('America/Chicago');
    t.bigInteger('purchased_inference_tokens').notNullable().defaultTo(0);
    t.bigInteger('purchased_embedding_tokens').notNullable().defaultTo(0);
    t.string('billing_mode', 16).notNullable().defaultTo('seat'); // seat | credits
    t.boolean('payg_enabled').notNullable().defaultTo(false);
    t.bigInteger('payg_monthly_cap').nullable(); // null = unlimited
    t.bigInteger('included_credits_per_period').notNullable().defaultTo(0);
    t.integer('grid_free_test_rows').notNullable().defaultTo(0);
    t.boolean('auto_invite_unknown_users').notNullable().defaultTo(false);
    t.dateTime('created_at', { precision: 3 }).notNullable();
  });

  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('email', 255).notNullable();
    t.string('name', 200).notNullable();
    t.string('role', 16).notNullable().defaultTo('member'); // admin | member
    t.string('department', 100).nullable();
    t.string('status', 16).notNullable().defaultTo('invited'); // invited | active | revoked
    t.dateTime('invited_at', { precision: 3 }).nullable();
    t.dateTime('joined_at', { precision: 3 }).nullable();
    t.dateTime('revoked_at', { precision: 3 }).nullable();
    t.string('password_hash', 255).nullable();
    t.bigInteger('max_inference_tokens').notNullable().defaultTo(0);
    t.bigInteger('max_embedding_tokens').notNullable().defaultTo(0);
    t.boolean('may_spend_credits').notNullable().defaultTo(true);
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.dateTime('updated_at', { precision: 3 }).notNullable();
    t.unique(['workspace_id', 'email']);
    t.index(['workspace_id', 'name', 'id']);
    t.index(['workspace_id', 'status']);
    t.index(['workspace_id', 'department']);
  });

  await knex.schema.createTable('groups', (t) => {
    t.increments('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('external_id', 128).notNullable();
    t.string('name', 200).notNullable();
    t.string('status', 16).notNullable().defaultTo('active'); // active | archived
    t.boolean('knowledge_applied').notNullable().defaultTo(false);
    t.boolean('brand_voice_applied').notNullable().defaultTo(false);
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.dateTime('updated_at', { precision: 3 }).notNullable();
    t.unique(['workspace_id', 'external_id']);
  });

  await knex.schema.createTable('group_members', (t) => {
    t.integer('group_id').unsigned().notNullable().references('id').inTable('groups').onDelete('CASCADE');
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('workspace_id').unsigned().notNullable();
    t.dateTime('added_at', { precision: 3 }).notNullable();
    t.primary(['group_id', 'user_id']);
    t.index(['workspace_id', 'user_id']);
  });

  await knex.schema.createTable('agents', (t) => {
    t.increments('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('external_id', 128).notNullable();
    t.string('name', 200).notNullable();
    t.string('kind', 16).notNullable(); // public (platform-provided) | custom (workspace-created)
    t.string('type', 32).notNullable().defaultTo('general'); // research | optimization | content | seo | analysis | general ...
    t.string('visibility', 16).notNullable().defaultTo('workspace'); // private | shared | workspace
    t.integer('creator_user_id').unsigned().nullable();
    t.string('status', 16).notNullable().defaultTo('active'); // active | archived
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.dateTime('updated_at', { precision: 3 }).notNullable();
    t.unique(['workspace_id', 'external_id']);
    t.index(['workspace_id', 'kind']);
  });

  // One row per AI interaction. High volume: no foreign keys (keeps bulk writes fast and the
  // schema portable to MySQL-compatible distributed SQL); integrity is enforced by the write path.
  await knex.schema.createTable('interactions', (t) => {
    t.bigIncrements('id').primary();
    t.integer('workspace_id').unsigned().notNullable();
    t.integer('user_id').unsigned().notNullable();
    t.string('client_event_id', 128).notNullable();
    t.dateTime('occurred_at', { precision: 3 }).notNullable(); // UTC
    t.date('day').notNullable(); // reporting day in the workspace time zone
    t.string('surface', 16).notNullable();
    t.string('output', 8).notNullable().defaultTo('text');
    t.integer('agent_id').unsigned().nullable();
    t.string('iq_layers', 120).notNullable().defaultTo(''); // comma-separated, canonical order
    t.string('model', 64).notNullable();
    t.integer('prompt_tokens').unsigned().notNullable().defaultTo(0);
    t.integer('completion_tokens').unsigned().notNullable().defaultTo(0);
    t.integer('total_tokens').unsigned().notNullable().defaultTo(0);
    t.string('token_kind', 10).notNullable(); // inference | embedding
    t.boolean('training').notNullable().defaultTo(false);
    t.string('ip', 45).nullable();
    t.string('prompt_excerpt', 500).nullable();
    t.bigInteger('credits_charged').notNullable().defaultTo(0);
    t.string('credit_category', 8).nullable(); // grid | api | agents
    t.boolean('overage').notNullable().defaultTo(false); // charged beyond what was allowed
    t.unique(['workspace_id', 'client_event_id']);
    t.index(['workspace_id', 'user_id', 'occurred_at', 'id'], 'interactions_user_time');
    t.index(['workspace_id', 'day', 'occurred_at', 'id'], 'interactions_day_time');
  });

  await knex.schema.createTable('logins', (t) => {
    t.bigIncrements('id').primary();
    t.integer('workspace_id').unsigned().notNullable();
    t.integer('user_id').unsigned().notNullable();
    t.dateTime('occurred_at', { precision: 3 }).notNullable();
    t.date('day').notNullable();
    t.string('ip', 45).nullable();
    t.unique(['workspace_id', 'user_id', 'occurred_at']);
    t.index(['workspace_id', 'day']);
  });

  // Append-only: the balance is the sum of amounts; rows are never updated in place.
  await knex.schema.createTable('credit_ledger', (t) => {
    t.bigIncrements('id').primary();
    t.integer('workspace_id').unsigned().notNullable();
    t.dateTime('occurred_at', { precision: 3 }).notNullable();
    t.date('day').notNullable();
    t.string('entry_type', 16).notNullable(); // included | purchase | grant | consumption | adjustment | expiry | overage
    t.bigInteger('amount').notNullable(); // signed credits
    t.string('category', 8).nullable(); // consumption: grid | api | agents
    t.integer('user_id').unsigned().nullable();
    t.string('interaction_client_id', 128).nullable();
    t.bigInteger('source_entry_id').unsigned().nullable(); // the grant/purchase a consumption or expiry draws on
    t.dateTime('expires_at', { precision: 3 }).nullable(); // grants / purchases
    t.bigInteger('price_cents').nullable();
    t.boolean('is_overage').notNullable().defaultTo(false);
    t.string('note', 500).nullable();
    t.integer('created_by_user_id').unsigned().nullable();
    t.index(['workspace_id', 'occurred_at', 'id']);
    t.index(['workspace_id', 'entry_type', 'expires_at']);
    t.index(['workspace_id', 'day']);
  });

  await knex.schema.createTable('credit_access_requests', (t) => {
    t.increments('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('status', 16).notNullable().defaultTo('pending'); // pending | approved | denied
    t.string('note', 500).nullable();
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.dateTime('decided_at', { precision: 3 }).nullable();
    t.integer('decided_by_user_id').unsigned().nullable();
    t.index(['workspace_id', 'status', 'created_at']);
    t.index(['workspace_id', 'user_id']);
  });

  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.integer('recipient_user_id').unsigned().nullable(); // null = every admin of the workspace
    t.string('kind', 48).notNullable();
    t.string('title', 200).notNullable();
    t.string('body', 1000).nullable();
    t.string('link', 300).nullable();
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.dateTime('read_at', { precision: 3 }).nullable();
    t.index(['workspace_id', 'recipient_user_id', 'read_at']);
    t.index(['workspace_id', 'created_at', 'id']);
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.integer('workspace_id').unsigned().notNullable();
    t.integer('actor_user_id').unsigned().nullable();
    t.string('actor_label', 255).notNullable(); // email, 'api-key:<prefix>' or 'system'
    t.string('action', 64).notNullable(); // e.g. user.allocation.update, export.download
    t.string('target_type', 32).nullable();
    t.string('target_id', 128).nullable();
    t.text('before_json').nullable();
    t.text('after_json').nullable();
    t.string('ip', 45).nullable();
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.index(['workspace_id', 'created_at', 'id']);
    t.index(['workspace_id', 'action', 'created_at', 'id']);
    t.index(['workspace_id', 'actor_user_id', 'created_at', 'id']);
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.increments('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('name', 100).notNullable();
    t.string('prefix', 16).notNullable().unique();
    t.string('secret_hash', 128).notNullable();
    t.integer('created_by_user_id').unsigned().nullable();
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.dateTime('last_used_at', { precision: 3 }).nullable();
    t.dateTime('revoked_at', { precision: 3 }).nullable();
    t.index(['workspace_id']);
  });

  // express-session store (connect-session-knex with createTable: false).
  await knex.schema.createTable('sessions', (t) => {
    t.string('sid', 255).primary();
    t.text('sess').notNullable();
    t.dateTime('expired').notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'sessions',
    'api_keys',
    'audit_log',
    'notifications',
    'credit_access_requests',
    'credit_ledger',
    'logins',
    'interactions',
    'agents',
    'group_members',
    'groups',
    'users',
    'workspaces',
  ]) {
    await knex.schema.dropTableIfExists(t);
  }
}
