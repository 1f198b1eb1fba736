// The shell's one query: a round trip to the database for the health check.
import type { Knex } from 'knex';

export async function pingDatabase(db: Knex): Promise<void> {
  await db.raw('select 1 as ok');
}
