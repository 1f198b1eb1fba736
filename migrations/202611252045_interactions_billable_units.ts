// Billable units on each interaction, so the credit counters that depend on them (Grid rows and the
// free test rows used per month) can be rebuilt exactly from stored rows: `billable_units` is what
// the platform reported (rows, calls, runs), `billable_free_units` how many of them the free Grid
// test rows covered when the event was charged. Both NULL for events that are not billable, and for
// events stored before this migration (their months keep the counters they had; see docs/ingest.md).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('interactions', (t) => {
    t.decimal('billable_units', 14, 4).nullable();
    t.decimal('billable_free_units', 14, 4).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('interactions', (t) => {
    t.dropColumn('billable_free_units');
    t.dropColumn('billable_units');
  });
}
