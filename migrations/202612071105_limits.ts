// Layered limits (docs/limits.md): the policies admins set per workspace, group and user, the
// once-per-period record of limits crossed (notifications), and members' requests for a temporary
// increase. Usage against a limit is read from the daily per-user rollups; nothing here counts.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('limit_policies', (t) => {
    t.increments('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('scope', 12).notNullable(); // workspace | group | user
    t.integer('group_id').unsigned().nullable().references('id').inTable('groups').onDelete('CASCADE');
    t.integer('user_id').unsigned().nullable().references('id').inTable('users').onDelete('CASCADE');
    // member: applies to each member on their own usage; shared: one budget for the group's total
    t.string('applies_to', 8).notNullable().defaultTo('member');
    t.string('metric', 20).notNullable(); // inference_tokens | embedding_tokens | credits
    t.string('period', 8).notNullable(); // day | week | month
    t.bigInteger('amount').notNullable();
    t.string('mode', 8).notNullable(); // soft | hard
    t.dateTime('expires_at', { precision: 3 }).nullable(); // a temporary limit stops applying at this instant
    t.string('note', 300).nullable();
    t.integer('created_by_user_id').unsigned().nullable();
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.dateTime('updated_at', { precision: 3 }).notNullable();
    t.index(['workspace_id', 'scope']);
    t.index(['workspace_id', 'user_id']);
  });

  // One row per (limit, subject, period, level) ever crossed: the unique key makes the
  // notification fire once per limit and period, whichever process sees the crossing first.
  await knex.schema.createTable('limit_crossings', (t) => {
    t.bigIncrements('id').primary();
    t.integer('workspace_id').unsigned().notNullable();
    t.string('limit_key', 48).notNullable(); // 'policy:<id>' or 'allocation:<metric>'
    t.string('subject', 32).notNullable(); // 'user:<id>' or 'group:<id>'
    t.string('period_start', 10).notNullable(); // YYYY-MM-DD
    t.bigInteger('used').notNullable();
    t.bigInteger('amount').notNullable();
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.string('mode', 8).notNullable();
    t.unique(['workspace_id', 'limit_key', 'subject', 'period_start'], { indexName: 'limit_crossings_once' });
    t.index(['workspace_id', 'period_start'], 'limit_crossings_period');
  });

  await knex.schema.createTable('limit_requests', (t) => {
    t.increments('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('metric', 20).notNullable();
    t.string('period', 8).notNullable();
    t.bigInteger('amount').notNullable(); // the limit asked for
    t.dateTime('expires_at', { precision: 3 }).notNullable(); // asked-for end of the increase
    t.string('note', 500).nullable();
    t.string('status', 12).notNullable().defaultTo('pending'); // pending | approved | denied
    t.integer('policy_id').unsigned().nullable(); // the user limit an approval created
    t.dateTime('created_at', { precision: 3 }).notNullable();
    t.dateTime('decided_at', { precision: 3 }).nullable();
    t.integer('decided_by_user_id').unsigned().nullable();
    t.index(['workspace_id', 'status', 'created_at']);
    t.index(['workspace_id', 'user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['limit_requests', 'limit_crossings', 'limit_policies']) await knex.schema.dropTableIfExists(t);
}
