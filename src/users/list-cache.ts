// What User Management keeps per process between views: each list's order (every matching user id,
// sorted), the summary bar's counts and the departments in use. The database computes each of them
// exactly as before; they are served again only while the stamps they depend on, read from the
// database on every view, are unchanged: the roster stamp (every write to users sets updated_at),
// and for the usage columns the workspace's interaction version, for last active also its login
// version (src/reports/memo.ts). So several app processes show the same list, and a view after any
// change sees it. An entry also lives a minute at most.
import type { Knex } from 'knex';
import { versionedCache, type WorkspaceStamps } from '../reports/memo';

/** Orders of up to a workspace's whole roster (80 kB each at 20,000 users): a hundred at most. */
const cache = versionedCache(60_000, 100);

/** Which stamps an entry depends on: the roster always; usage and logins when it reads them. */
export interface Depends {
  usage?: boolean;
  logins?: boolean;
}

/** The version of an entry that depends on `deps`, from the stamps read for this view. */
export function versionOf(stamps: Stamps, deps: Depends): string {
  return `${stamps.roster}|${deps.usage ? stamps.interactions : ''}|${deps.logins ? stamps.logins : ''}`;
}

/** The roster stamp, and the usage and login versions when an entry depends on them. */
export type Stamps = Pick<WorkspaceStamps, 'roster'> & Partial<WorkspaceStamps>;

export function cachedList<T>(db: Knex, key: string, stamps: Stamps, deps: Depends, compute: () => Promise<T>): Promise<T> {
  if ((deps.usage && stamps.interactions == null) || (deps.logins && stamps.logins == null)) throw new Error(`${key}: the stamps it depends on were not read`);
  return cache.get(db, key, versionOf(stamps, deps), compute);
}

/** Forgets every kept list (tests, and measuring cold paths). */
export function clearListCache(db: Knex): void {
  cache.clear(db);
}
