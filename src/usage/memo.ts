// Memoises the heaviest Usage aggregates (per-user monthly rollups over up to 13 months) per
// process, keyed by a cheap data version: the newest interaction id plus the roster's and agents'
// last change. Any new usage, user or agent change gives a new version, so results are never stale
// beyond that; a TTL bounds anything the version cannot see (e.g. a manual rollup repair).
import type { Knex } from 'knex';

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 300;

interface Entry {
  version: string;
  at: number;
  value: Promise<unknown>;
}

const caches = new WeakMap<Knex, Map<string, Entry>>();

/** A version stamp for one workspace's usage data: O(1) on the primary key plus two small scans. */
export async function dataVersion(db: Knex, ws: number): Promise<string> {
  const [i, u, a] = await Promise.all([
    db('interactions').max({ m: 'id' }).first(),
    db('users').where({ workspace_id: ws }).max({ m: 'updated_at' }).count({ c: '*' }).first(),
    db('agents').where({ workspace_id: ws }).max({ m: 'updated_at' }).count({ c: '*' }).first(),
  ]);
  const r = (x: any) => `${x?.m ?? ''}/${x?.c ?? ''}`;
  return `${(i as any)?.m ?? 0}|${r(u)}|${r(a)}`;
}

/** A version stamp for login data (weekly logins): the newest login id. */
export async function loginVersion(db: Knex): Promise<string> {
  const l = await db('logins').max({ m: 'id' }).first();
  return String((l as any)?.m ?? 0);
}

export async function memo<T>(db: Knex, key: string, version: string, compute: () => Promise<T>): Promise<T> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.version === version && now - hit.at < TTL_MS) return hit.value as Promise<T>;
  const value = compute();
  cache.delete(key);
  cache.set(key, { version, at: now, value });
  value.catch(() => cache!.get(key)?.value === value && cache!.delete(key));
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  return value;
}
