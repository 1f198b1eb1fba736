// API key scopes: what a key may do. `ingest` writes usage and roster (the v1 ingestion API and the
// authorize call), `read` reads usage and users (the read API), `scim` provisions users and groups
// (SCIM 2.0). Stored as a comma-separated list; every key that existed before is an ingest key.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_keys', (t) => {
    t.string('scopes', 100).notNullable().defaultTo('ingest');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_keys', (t) => {
    t.dropColumn('scopes');
  });
}
