// Data retention: one settings row per workspace (prompt text kept N days, raw interactions and
// logins kept M months; NULL = forever), the purge's watermarks (everything before them is done, so
// a run resumes where the last one stopped and never rescans cleared rows), and a flag on each
// interaction whose prompt text the policy removed (the activity log says so instead of "—").
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('retention_settings', (t) => {
    t.integer('workspace_id').unsigned().notNullable().primary().references('id').inTable('workspaces').onDelete('CASCADE');
    t.integer('prompt_days').unsigned().nullable(); // null = keep prompt text forever
    t.integer('raw_months').unsigned().nullable(); // null = keep raw rows forever (minimum 13)
    t.date('prompts_cleared_before').nullable(); // every interaction before this day has no prompt text
    // ...except rows stored later with an older day (late events): rows with ids up to this one were checked
    t.bigInteger('prompts_checked_id').unsigned().nullable();
    t.date('raw_purged_before').nullable(); // no interaction or login before this day is kept (a month start)
    t.dateTime('updated_at', { precision: 3 }).notNullable();
  });
  await knex.schema.alterTable('interactions', (t) => {
    t.boolean('prompt_removed').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('interactions', (t) => {
    t.dropColumn('prompt_removed');
  });
  await knex.schema.dropTableIfExists('retention_settings');
}
