// Leases for background jobs: at most one process (on any host) runs a named job at a time. A
// holder that dies stops renewing, and its lease expires, so another process takes over.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_leases', (t) => {
    t.string('name', 100).primary();
    t.string('owner', 100).notNullable();
    t.dateTime('expires_at', { precision: 3 }).notNullable();
    t.dateTime('acquired_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('job_leases');
}
