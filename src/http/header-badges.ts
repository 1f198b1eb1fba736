// Header badges: small figures drawn in every admin page header (the bell's unread count, the
// credit meter). Features provide them and the app registers them when it is built, so the shell
// never reaches into a feature.
import type { Knex } from 'knex';
import type { SessionUser } from './context';
import type { Workspace } from '../workspaces/workspace';

export interface HeaderBadge {
  /** The view locals the layout reads, as they are when the badge is not drawn (fragments, members). */
  defaults: Record<string, unknown>;
  /** The locals for one admin page view. */
  load(db: Knex, user: SessionUser, ws: Workspace): Promise<Record<string, unknown>>;
}

/** Defaults of every badge (set on each request before anything can fail). */
export function badgeDefaults(badges: readonly HeaderBadge[]): Record<string, unknown> {
  return Object.assign({}, ...badges.map((b) => b.defaults));
}

/** Every badge's locals, one after the other (a SQLite connection serves one query at a time). */
export async function loadBadges(badges: readonly HeaderBadge[], db: Knex, user: SessionUser, ws: Workspace): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const b of badges) Object.assign(out, await b.load(db, user, ws));
  return out;
}
