// Bounds on every database call a request makes, per engine. A frozen database server (SIGSTOP,
// a network partition) otherwise holds requests for minutes: TCP stays open, nothing answers.
//
// - Connection: MySQL/MariaDB `connectTimeout` and Knex's `acquireConnectionTimeout` are both
//   DB_ACQUIRE_TIMEOUT_MS (a new connection's handshake, or a wait for a free pooled one).
//   SQLite has one connection that requests take in turn (an export streaming from it holds it),
//   so its wait is bounded at 30 s, or DB_ACQUIRE_TIMEOUT_MS when that is larger.
// - Statement: every query the app sends gets Knex's per-query timeout (DB_QUERY_TIMEOUT_MS unless
//   the query sets a shorter one, as /healthz does). A timed-out MySQL connection is discarded, not
//   returned to the pool. better-sqlite3 runs statements synchronously, so the bound there is
//   SQLite's busy_timeout (5 s) for locks held by another process.
// Streaming exports read through their own connection (dialect.streamRows) and are not cut off.
import type { Knex } from 'knex';

export interface DbTimeouts {
  acquireMs: number;
  queryMs: number;
}

export const SQLITE_MIN_ACQUIRE_MS = 30_000;

/** Knex's acquireConnectionTimeout for an engine. */
export function acquireTimeoutFor(client: 'mysql2' | 'better-sqlite3', acquireMs: number): number {
  return client === 'better-sqlite3' ? Math.max(acquireMs, SQLITE_MIN_ACQUIRE_MS) : acquireMs;
}

const PATCHED = Symbol.for('usage-console.queryTimeout');

/**
 * Gives every query run through `db` (transactions included) a timeout of `queryMs` unless it asked
 * for a shorter one. Knex builds a transaction's client from the client class's prototype and shares
 * the config object, so the hook sits on the prototype and reads the bound from the config: other
 * Knex instances (migrations, tools) have none and are not bounded.
 */
export function installQueryTimeout(db: Knex, queryMs: number): void {
  const client = db.client as { config: { queryTimeoutMs?: number } };
  client.config.queryTimeoutMs = queryMs;
  const proto = Object.getPrototypeOf(client) as Record<string | symbol, unknown> & { query: (conn: unknown, obj: unknown) => Promise<unknown> };
  if (proto[PATCHED]) return;
  const original = proto.query;
  proto.query = function (this: { config?: { queryTimeoutMs?: number } }, conn: unknown, obj: unknown) {
    const bound = this.config?.queryTimeoutMs;
    let ms = 0;
    if (bound && obj && typeof obj === 'object') {
      const q = obj as { timeout?: number };
      if (!q.timeout || q.timeout > bound) q.timeout = bound;
      ms = q.timeout;
    }
    const result = original.call(this, conn, obj);
    // MySQL: Knex discards a timed-out connection, but a polite close would leave the statement (a
    // COMMIT, say) in the frozen server's socket buffer, to run when it wakes up, after the client
    // was told 503. Reset the TCP connection instead, so nothing sent on it runs later.
    const stream = (conn as { stream?: { resetAndDestroy?: () => void; destroyed?: boolean } } | null)?.stream;
    if (ms && stream?.resetAndDestroy) {
      const timer = setTimeout(() => {
        if (!stream.destroyed) stream.resetAndDestroy!();
      }, ms + 5);
      timer.unref();
      const clear = () => clearTimeout(timer);
      result.then(clear, clear);
    }
    return result;
  };
  proto[PATCHED] = true;
}
