// The shell's one query: a round trip to the database for the health check.
import type { Knex } from 'knex';

/** `timeoutMs` bounds the statement itself (the connection wait is bounded by the pool). */
export async function pingDatabase(db: Knex, timeoutMs?: number): Promise<void> {
  const q = db.raw('select 1 as ok');
  await (timeoutMs ? q.timeout(timeoutMs) : q);
}
