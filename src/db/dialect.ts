// The only place that knows MySQL/MariaDB and SQLite apart. Everything else writes portable Knex.
import { Readable } from 'node:stream';
import type { Knex } from 'knex';

export function isSQLite(db: Knex): boolean {
  const c = db.client.config.client;
  return c === 'better-sqlite3' || c === 'sqlite3';
}

export function isMySQL(db: Knex): boolean {
  return !isSQLite(db);
}

const returningProbe = new WeakMap<object, Promise<boolean>>();

/**
 * Whether `INSERT ... RETURNING` works, ON DUPLICATE KEY / ON CONFLICT upserts included: SQLite
 * (3.35+) and MariaDB (10.5+) yes, MySQL no. Probed once per database handle (transactions share it).
 */
export function supportsInsertReturning(db: Knex): Promise<boolean> {
  if (isSQLite(db)) return Promise.resolve(true);
  const key = db.client.config as object;
  let p = returningProbe.get(key);
  if (!p) {
    p = db.raw('SELECT VERSION() AS v').then(
      (r) => /mariadb/i.test(String(rawRows<{ v: string }>(r)[0]?.v ?? '')),
      () => {
        returningProbe.delete(key); // ask again next time; meanwhile the portable path
        return false;
      },
    );
    returningProbe.set(key, p);
  }
  return p;
}

/**
 * Upsert that adds `counters` onto an existing row (rollup upkeep).
 * `rows` must all share the same keys; `keys` is the table's unique key.
 * `maxCols` / `minCols` keep the larger / smaller of old and new (timestamps).
 */
export async function upsertAdd(...args: Parameters<typeof upsertAddQueries>): Promise<void> {
  for (const q of upsertAddQueries(...args)) await q;
}

/** upsertAdd's statements, built but not run (a caller may compile them ahead: see RollupBatch.compile). */
export function upsertAddQueries(
  db: Knex,
  table: string,
  keys: string[],
  rows: Record<string, unknown>[],
  counters: string[],
  opts: { maxCols?: string[]; minCols?: string[]; chunk?: number } = {},
): Knex.QueryBuilder[] {
  if (rows.length === 0) return [];
  const sqlite = isSQLite(db);
  const merge: Record<string, Knex.Raw> = {};
  for (const c of counters) {
    merge[c] = sqlite ? db.raw('?? + excluded.??', [`${table}.${c}`, c]) : db.raw('?? + VALUES(??)', [c, c]);
  }
  for (const c of opts.maxCols ?? []) {
    merge[c] = sqlite
      ? db.raw('MAX(COALESCE(??, excluded.??), excluded.??)', [`${table}.${c}`, c, c])
      : db.raw('GREATEST(COALESCE(??, VALUES(??)), VALUES(??))', [c, c, c]);
  }
  for (const c of opts.minCols ?? []) {
    merge[c] = sqlite
      ? db.raw('MIN(COALESCE(??, excluded.??), excluded.??)', [`${table}.${c}`, c, c])
      : db.raw('LEAST(COALESCE(??, VALUES(??)), VALUES(??))', [c, c, c]);
  }
  const chunk = opts.chunk ?? rowsPerStatement(db, Object.keys(rows[0]).length);
  const out: Knex.QueryBuilder[] = [];
  for (let i = 0; i < rows.length; i += chunk) out.push(db(table).insert(rows.slice(i, i + chunk)).onConflict(keys).merge(merge));
  return out;
}

/**
 * Runs `fn` in transaction `trx` with the session's in-memory temporary tables allowed to grow to
 * `bytes` (MySQL): a GROUP BY with millions of groups (a rollup rebuild) then stays in memory
 * instead of spilling to an on-disk temporary table. Measured on 2M interactions: the per-user
 * daily rollup's rebuild 35.8 s -> 12.9 s, all tables 97 s -> 61 s. SQLite runs `fn` as it is.
 */
export async function withLargeTempTables<T>(trx: Knex.Transaction, fn: () => Promise<T>, bytes = 1024 ** 3): Promise<T> {
  if (!isMySQL(trx)) return fn();
  await trx.raw('SET SESSION tmp_table_size = ?, max_heap_table_size = ?', [bytes, bytes]);
  try {
    return await fn();
  } finally {
    await trx.raw('SET SESSION tmp_table_size = DEFAULT, max_heap_table_size = DEFAULT').catch(() => undefined);
  }
}

/** Rows per multi-row statement with `paramsPerRow` bound parameters each (SQLite's parameter limit; 1000 rows on MySQL). */
export function rowsPerStatement(db: Knex, paramsPerRow: number): number {
  return isSQLite(db) ? Math.max(1, Math.floor(900 / paramsPerRow)) : 1000;
}

/** Inserts rows in chunks sized to each engine's bound-parameter limits. */
export async function insertChunked(db: Knex, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const chunk = rowsPerStatement(db, Object.keys(rows[0]).length);
  for (let i = 0; i < rows.length; i += chunk) await db(table).insert(rows.slice(i, i + chunk));
}

/** Max bound parameters per statement for `whereIn` lists. */
export function maxInList(db: Knex): number {
  return isSQLite(db) ? 900 : 5000;
}

/** `SELECT ... FOR UPDATE` where the engine has row locks; SQLite serialises writers already. */
export function forUpdate<T extends Knex.QueryBuilder>(db: Knex, qb: T): T {
  return (isSQLite(db) ? qb : qb.forUpdate()) as T;
}

/**
 * `SELECT ... FOR UPDATE SKIP LOCKED` on MySQL 8 / MariaDB 10.6+: concurrent workers each lock a
 * different set of queued rows. SQLite has no row locks: there a single worker (a job lease) claims.
 */
export function forUpdateSkipLocked<T extends Knex.QueryBuilder>(db: Knex, qb: T): T {
  return (isSQLite(db) ? qb : qb.forUpdate().skipLocked()) as T;
}

/**
 * Which MySQL-compatible engine serves a mysql:// DATABASE_URL (`DB_FLAVOR`): 'mysql' (MySQL and
 * MariaDB, the default), 'tidb' or 'vitess'. Only this module asks; see docs/scaling.md.
 */
export type DbFlavor = 'mysql' | 'tidb' | 'vitess';
export function dbFlavor(env: NodeJS.ProcessEnv = process.env): DbFlavor {
  const v = (env.DB_FLAVOR ?? '').trim().toLowerCase();
  if (v === '' || v === 'mysql' || v === 'mariadb') return 'mysql';
  if (v === 'tidb' || v === 'vitess') return v;
  throw new Error(`DB_FLAVOR must be mysql, mariadb, tidb or vitess (got "${env.DB_FLAVOR}")`);
}

/**
 * `SELECT ... LOCK IN SHARE MODE` (a read of the latest committed row that others may also share); no-op on SQLite.
 * TiDB implements shared locks as a no-op that errors by default: there the read takes the row
 * lock instead (stronger, and the rows read this way are one per workspace).
 */
export function forShare<T extends Knex.QueryBuilder>(db: Knex, qb: T): T {
  if (isSQLite(db)) return qb;
  return (dbFlavor() === 'tidb' ? qb.forUpdate() : qb.forShare()) as T;
}

/** True when the error is a unique-key violation on either engine. */
export function isDuplicateKeyError(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string };
  return e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062 || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * How the engine's unique keys compare text (client event ids): MySQL's utf8mb4_unicode_ci compares
 * case-insensitively, SQLite exactly. Code that de-duplicates ids before an insert compares the same
 * way, or two ids differing only in case would fail the insert on every retry.
 */
export function uniqueTextKey(db: Knex): (text: string) => string {
  return isSQLite(db) ? (text: string) => text : (text: string) => text.toLowerCase();
}

/** True when InnoDB chose this transaction as a deadlock victim (a retry may succeed). */
export function isDeadlockError(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e?.code === 'ER_LOCK_DEADLOCK' || e?.errno === TIDB_WRITE_CONFLICT;
}

/** TiDB's optimistic-transaction write conflict (the deadlock of that model: retry the transaction). */
const TIDB_WRITE_CONFLICT = 9007;
/** TiDB errors after which nothing was committed: write conflict, commit failed (retry), schema changed during the transaction. */
const TIDB_TRANSIENT_ERRNOS = new Set([TIDB_WRITE_CONFLICT, 8022, 8028]);

/** Error codes after which nothing was committed and a retry of the request may succeed. */
const TRANSIENT_CODES = new Set([
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_SERVER_SHUTDOWN',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
]);

/** The database failed or went away mid-request (connection lost, deadlock, lock timeout): a retry may succeed. */
export function isTransientDbError(err: unknown): boolean {
  if (isConnectionError(err)) return true;
  const e = err as { code?: string; errno?: number; message?: string; name?: string };
  if (e?.code && TRANSIENT_CODES.has(e.code)) return true;
  if (e?.errno && TIDB_TRANSIENT_ERRNOS.has(e.errno)) return true;
  // better-sqlite3 after its connection was closed; knex after its pool was destroyed.
  return /database connection is not open|Unable to acquire a connection|aborted|Knex: Timeout acquiring a connection|Connection (is in closed state|was killed)|Cannot enqueue/i.test(e?.message ?? '');
}

/** The rows of a `db.raw` SELECT (mysql2 answers [rows, fields]; better-sqlite3 the rows). */
export function rawRows<T = Record<string, unknown>>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

/** True when the error means the database is unreachable or the connection died. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; fatal?: boolean; message?: string; name?: string };
  if (e?.fatal) return true;
  if (e?.name === 'KnexTimeoutError') return true;
  return ['ECONNREFUSED', 'ECONNRESET', 'PROTOCOL_CONNECTION_LOST', 'ETIMEDOUT', 'EPIPE', 'ER_CON_COUNT_ERROR', 'SQLITE_BUSY'].includes(
    e?.code ?? '',
  );
}

/**
 * Streams the rows of a query without loading them all: mysql2 streams from the server;
 * better-sqlite3 iterates its statement lazily (Knex's .stream() on SQLite buffers everything).
 */
export function streamRows(db: Knex, qb: Knex.QueryBuilder): Readable {
  if (!isSQLite(db)) return streamMySqlRows(db, qb);
  const { sql, bindings } = qb.toSQL().toNative();
  let iterator: IterableIterator<unknown> | null = null;
  let conn: any = null;
  const release = () => {
    if (conn) {
      const c = conn;
      conn = null;
      iterator?.return?.();
      db.client.releaseConnection(c);
    }
  };
  return new Readable({
    objectMode: true,
    highWaterMark: 2000,
    async read() {
      try {
        if (!iterator) {
          conn = await db.client.acquireConnection();
          iterator = conn.prepare(sql).iterate(...(bindings as unknown[]));
        }
        for (let i = 0; i < 500; i++) {
          const next = iterator!.next();
          if (next.done) {
            release();
            this.push(null);
            return;
          }
          if (!this.push(next.value)) return;
        }
      } catch (err) {
        release();
        this.destroy(err as Error);
      }
    },
    destroy(err, cb) {
      release();
      cb(err);
    },
  });
}

/**
 * mysql2 rows pushed straight into one object-mode Readable ('result' events, connection paused
 * while the consumer is full). Knex's own .stream() pipes mysql2's stream through a second
 * PassThrough stage, which costs about a third of an export's time at millions of rows.
 * A stream destroyed before its end (client gone) destroys its connection: a half-read result set
 * cannot go back to the pool.
 */
function streamMySqlRows(db: Knex, qb: Knex.QueryBuilder): Readable {
  const { sql, bindings } = qb.toSQL().toNative();
  let conn: any = null;
  let query: any = null;
  let paused = false;
  let ended = false;
  const release = (broken: boolean) => {
    if (!conn) return;
    const c = conn;
    conn = null;
    if (broken) c.destroy();
    db.client.releaseConnection(c).catch?.(() => undefined);
  };
  const out = new Readable({
    objectMode: true,
    highWaterMark: 2000,
    read() {
      if (query) {
        if (paused && conn) {
          paused = false;
          conn.resume();
        }
        return;
      }
      query = {};
      db.client
        .acquireConnection()
        .then((c: any) => {
          conn = c;
          if (out.destroyed) return release(false);
          query = c.query({ sql, values: bindings });
          query.on('result', (row: unknown) => {
            if (!out.push(row) && conn) {
              paused = true;
              conn.pause();
            }
          });
          query.on('error', (err: Error) => {
            release(true);
            out.destroy(err);
          });
          query.on('end', () => {
            ended = true;
            release(false);
            out.push(null);
          });
        })
        .catch((err: Error) => out.destroy(err));
    },
    destroy(err, cb) {
      release(!ended);
      cb(err);
    },
  });
  return out;
}

/** SQL expression for the 'YYYY-MM' month of a DATE column (portable substring of its ISO text). */
export function monthOfDaySql(db: Knex, column: string): Knex.Raw {
  return isSQLite(db) ? db.raw('substr(??, 1, 7)', [column]) : db.raw('LEFT(CAST(?? AS CHAR), 7)', [column]);
}

/** Names of the tables in the current database (used by the demo reset and the test harness). */
export async function listTables(db: Knex): Promise<string[]> {
  if (isSQLite(db)) {
    const rows = await db('sqlite_master').select('name').where('type', 'table').andWhereNot('name', 'like', 'sqlite_%');
    return rows.map((r: { name: string }) => r.name);
  }
  const rows = await db('information_schema.tables').select('table_name as t').whereRaw('table_schema = DATABASE()');
  return rows.map((r: { t?: string; TABLE_NAME?: string }) => (r.t ?? r.TABLE_NAME)!);
}
