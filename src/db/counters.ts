// Windowed counters in one statement per hit (or block of hits), on both engines: the row's window
// restarts when it has ended (hits back to n), else hits + n. Used by the shared rate-limit store.
// Where the engine has INSERT ... RETURNING (SQLite, MariaDB) the hit and its read-back are one
// round trip.
import type { Knex } from 'knex';
import { isSQLite, rawRows, supportsInsertReturning } from './dialect';

/** Counts `n` hits for `key`; a window that ended at or before `now` restarts, ending at `windowEnd`. */
export async function hitWindowedCounter(db: Knex, table: string, key: string, now: number, windowEnd: number, n = 1): Promise<{ hits: number; expiresAt: number }> {
  const returning = (await supportsInsertReturning(db)) ? ' RETURNING hits, expires_at' : '';
  let result: unknown;
  if (isSQLite(db)) {
    // SQLite evaluates every SET expression against the old row.
    result = await db.raw(
      `INSERT INTO ?? (rl_key, hits, expires_at) VALUES (?, ?, ?)
       ON CONFLICT(rl_key) DO UPDATE SET
         hits = CASE WHEN ??.expires_at <= ? THEN excluded.hits ELSE ??.hits + excluded.hits END,
         expires_at = CASE WHEN ??.expires_at <= ? THEN excluded.expires_at ELSE ??.expires_at END${returning}`,
      [table, key, n, windowEnd, table, now, table, table, now, table],
    );
  } else {
    // MySQL assigns left to right and later assignments see earlier ones: `hits` first, while
    // `expires_at` still holds the old window end.
    result = await db.raw(
      `INSERT INTO ?? (rl_key, hits, expires_at) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE
         hits = IF(expires_at <= ?, VALUES(hits), hits + VALUES(hits)),
         expires_at = IF(expires_at <= ?, VALUES(expires_at), expires_at)${returning}`,
      [table, key, n, windowEnd, now, now],
    );
  }
  const row = returning ? rawRows<{ hits: unknown; expires_at: unknown }>(result)[0] : await db(table).where({ rl_key: key }).first('hits', 'expires_at');
  return { hits: Number(row?.hits ?? n), expiresAt: Number(row?.expires_at ?? windowEnd) };
}
