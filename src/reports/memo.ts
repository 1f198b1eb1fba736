// Memoises Usage and Token Statistics aggregates per process, keyed by cheap, workspace-scoped
// versions: the newest interaction (or login) id that belongs to the workspace, per-month stamps of
// interactions, and the roster's last change. New usage in this workspace gives a new version, so
// results are never stale beyond that; usage arriving for another workspace does not throw this
// workspace's results away.
// A TTL bounds anything the version cannot see (a manual rollup repair, a transaction that commits
// an id lower than one already seen).
import type { Knex } from 'knex';
import { usageVersionSql } from './usage-version';

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 300;
/** Past this many new ids since the last look, assume the workspace changed instead of scanning. */
const MAX_SCAN = 200_000;

interface Entry {
  version: string;
  at: number;
  value: Promise<unknown>;
}

export interface VersionedCache {
  /** Same value for the same version within the TTL; concurrent callers share one computation. */
  get<T>(db: Knex, key: string, version: string, compute: () => Promise<T>): Promise<T>;
  clear(db: Knex): void;
}

/**
 * A per-process cache per database handle: an entry is served while its version matches and it is
 * younger than `ttlMs`; a failed computation is forgotten; past `maxEntries` the oldest key goes.
 */
export function versionedCache(ttlMs: number, maxEntries: number): VersionedCache {
  const caches = new WeakMap<Knex, Map<string, Entry>>();
  return {
    get<T>(db: Knex, key: string, version: string, compute: () => Promise<T>): Promise<T> {
      let cache = caches.get(db);
      if (!cache) caches.set(db, (cache = new Map()));
      const now = Date.now();
      const hit = cache.get(key);
      if (hit && hit.version === version && now - hit.at < ttlMs) return hit.value as Promise<T>;
      const value = compute();
      cache.delete(key);
      cache.set(key, { version, at: now, value });
      value.catch(() => cache!.get(key)?.value === value && cache!.delete(key));
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
      return value;
    },
    clear(db: Knex): void {
      caches.delete(db);
    },
  };
}

const reports = versionedCache(TTL_MS, MAX_ENTRIES);

interface Watermark {
  /** newest id of the whole table at the last look */
  seen: number;
  /** the workspace's version: the newest id known to belong to it (or a later id, see below) */
  version: number;
}

const marks = new WeakMap<Knex, Map<string, Watermark>>();

/**
 * Per workspace, a counter per calendar month of interactions, bumped when new interactions of
 * that month arrive (`all` is bumped when the months cannot be known), so per-month aggregates of
 * closed months survive today's new usage.
 */
interface Epochs {
  all: number;
  months: Map<string, number>;
}
const epochs = new WeakMap<Knex, Map<number, Epochs>>();

function epochsOf(db: Knex, ws: number): Epochs {
  let byWs = epochs.get(db);
  if (!byWs) epochs.set(db, (byWs = new Map()));
  let e = byWs.get(ws);
  if (!e) byWs.set(ws, (e = { all: 0, months: new Map() }));
  return e;
}

function bumpMonths(e: Epochs, fromDay: string, toDay: string): void {
  let m = fromDay.slice(0, 7);
  const last = toDay.slice(0, 7);
  for (let guard = 0; m <= last && guard < 240; guard++) {
    e.months.set(m, (e.months.get(m) ?? 0) + 1);
    const [y, mo] = m.split('-').map(Number);
    m = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  }
}

/**
 * MAX(id) of interactions as a scalar expression, for callers that read it along with other things;
 * -1 (PENDING_TOP) while workspace `ws` has per-user rollup rows still to apply
 * (src/rollups/deferred.ts): per-user figures read then may miss a committed batch.
 */
export const PENDING_TOP = -1;
export function interactionsTopSql(db: Knex, ws: number): Knex.Raw {
  return db.raw(`(CASE WHEN ? THEN ${PENDING_TOP} ELSE (SELECT MAX(??) FROM ??) END)`, [pendingRollupsSql(db, ws), 'id', 'interactions']);
}
/** The same as SQL text, for statements built as text: its one `?` is the workspace id. */
export const INTERACTIONS_TOP_SQL = `(CASE WHEN EXISTS (SELECT 1 FROM rollup_pending WHERE workspace_id = ?) THEN ${PENDING_TOP} ELSE (SELECT MAX(id) FROM interactions) END)`;
/** True while workspace `ws` has per-user rollup rows still to apply (src/rollups/deferred.ts). */
function pendingRollupsSql(db: Knex, ws: number): Knex.Raw {
  return db.raw('EXISTS (SELECT 1 FROM ?? WHERE ?? = ?)', ['rollup_pending', 'workspace_id', ws]);
}
/** Versions handed out while rollups are pending: each one new, so nothing computed then is reused. */
let pendingVersion = 0;

/**
 * The newest id of `table` (interactions or logins) that belongs to workspace `ws`, found
 * incrementally: one O(1) MAX(id) on the primary key, and when it moved since the last look, a
 * primary-key range scan of only the ids added since then. The first look (and a look after
 * rows were deleted or after a very large load) takes the table's newest id: it may change the
 * version once without need, never miss a change. A caller that read MAX(id) in a statement of its
 * own (interactionsTopSql) passes it as `knownTop`.
 */
export async function workspaceTableVersion(db: Knex, table: 'interactions' | 'logins', ws: number, knownTop?: number): Promise<number> {
  let byKey = marks.get(db);
  if (!byKey) marks.set(db, (byKey = new Map()));
  const key = `${table}:${ws}`;
  // `knownTop`: the table's MAX(id), when the caller read it in a statement of its own
  const top =
    knownTop ??
    Number(((table === 'interactions' ? await db.select({ m: interactionsTopSql(db, ws) }).first() : await db(table).max({ m: 'id' }).first()) as any)?.m ?? 0);
  // Rollups of committed interactions are being applied: a version that matches nothing, and the
  // watermark stays where it is, so the look after they are applied sees (and dates) the new rows.
  if (table === 'interactions' && top === PENDING_TOP) return --pendingVersion;
  const mark = byKey.get(key);
  if (mark && top === mark.seen) return mark.version;
  let version = top;
  if (mark && top > mark.seen && top - mark.seen <= MAX_SCAN) {
    const hit = (await db(table)
      .where('id', '>', mark.seen)
      .andWhere('id', '<=', top)
      .andWhere('workspace_id', ws)
      .max({ m: 'id', hi: 'day' })
      .min({ lo: 'day' })
      .first()) as any;
    const m = Number(hit?.m ?? 0);
    version = m > 0 ? m : mark.version;
    if (m > 0 && table === 'interactions' && hit.lo && hit.hi) bumpMonths(epochsOf(db, ws), String(hit.lo).slice(0, 10), String(hit.hi).slice(0, 10));
  } else if (table === 'interactions' && (!mark || top !== mark.seen)) {
    // first look, rows deleted, or too many new rows to scan: every month may have changed
    epochsOf(db, ws).all++;
  }
  const now = byKey.get(key);
  // a slower concurrent look must not move the watermark back
  if (!now || now.seen <= top) byKey.set(key, { seen: top, version });
  return version;
}

/**
 * Version stamps of one workspace's interactions per calendar month ('YYYY-MM'): a month's stamp
 * changes when interactions dated in that month arrive, not when other months get new usage.
 */
export async function monthVersions(db: Knex, ws: number, months: string[]): Promise<string[]> {
  await workspaceTableVersion(db, 'interactions', ws);
  const e = epochsOf(db, ws);
  return months.map((m) => `${e.all}.${e.months.get(m) ?? 0}`);
}

/** The two columns of the roster stamp, as scalar subqueries (see rosterStamp). */
function rosterStampColumns(db: Knex, ws: number) {
  return { rosterAt: db('users').where({ workspace_id: ws }).max('updated_at'), rosterTop: db('users').max('id') };
}

const rosterStampOf = (r: { rosterAt?: unknown; rosterTop?: unknown } | undefined) => `${r?.rosterAt ?? ''}/${r?.rosterTop ?? ''}`;

/**
 * A stamp of the roster's last change (every write to users sets updated_at): license counts, User
 * Management's list and anything else read from the users table. Two index lookups whatever the
 * size of the roster: the workspace's newest updated_at (index users_workspace_updated_at) and the
 * table's newest id, which a new user moves even when its updated_at is not the newest (a clock
 * behind, the same millisecond). Users are never deleted (they are revoked; a workspace goes with
 * its users), so no count is kept: a count would read every user of the workspace on each call.
 */
export async function rosterStamp(db: Knex, ws: number): Promise<string> {
  return rosterStampOf((await db.select(rosterStampColumns(db, ws)).first()) as any);
}

/**
 * A stamp of everything committed about a workspace's usage and roster, in commit order: its
 * usage version (src/reports/usage-version.ts, moved by every usage write before it commits) and the
 * roster stamp. Null while per-user rollups of committed batches are still to be applied
 * (src/rollups/deferred.ts): an answer read then may miss part of a batch and must not be kept.
 */
export async function usageStamp(db: Knex, ws: number): Promise<string | null> {
  const r = (await db
    .select({ ...rosterStampColumns(db, ws), usage: usageVersionSql(db, ws), pending: pendingRollupsSql(db, ws) })
    .first()) as any;
  if (Number(r?.pending ?? 0) !== 0) return null;
  return `${r?.usage ?? 0}|${rosterStampOf(r)}`;
}

/** The roster stamp and the workspace's interaction and login versions. */
export interface WorkspaceStamps {
  roster: string;
  interactions: number;
  logins: number;
}

/**
 * rosterStamp and the two workspaceTableVersions, from one statement (and a scan only when ids
 * moved); the interaction version is a new one on every call while the workspace has per-user
 * rollup rows still to apply (interactionsTopSql).
 */
export async function workspaceStamps(db: Knex, ws: number): Promise<WorkspaceStamps> {
  const r = (await db
    .select({ ...rosterStampColumns(db, ws), interactionsTop: interactionsTopSql(db, ws), loginsTop: db('logins').max('id') })
    .first()) as any;
  const [interactions, logins] = await Promise.all([
    workspaceTableVersion(db, 'interactions', ws, Number(r?.interactionsTop ?? 0)),
    workspaceTableVersion(db, 'logins', ws, Number(r?.loginsTop ?? 0)),
  ]);
  return { roster: rosterStampOf(r), interactions, logins };
}

/** A version stamp for one workspace's login data (weekly logins). */
export async function loginVersion(db: Knex, ws: number): Promise<string> {
  return String(await workspaceTableVersion(db, 'logins', ws));
}

export function memo<T>(db: Knex, key: string, version: string, compute: () => Promise<T>): Promise<T> {
  return reports.get(db, key, version, compute);
}

/** Forgets every memoised result and watermark of `db` (tests, and measuring cold paths). */
export function clearMemo(db: Knex): void {
  reports.clear(db);
  marks.delete(db);
  epochs.delete(db);
}
