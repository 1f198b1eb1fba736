// Keyset cursors over (timestamp, id), newest first, written in the expanded OR form
// (`t < X OR (t = X AND id < Y)`) so any page costs one index range read, never an OFFSET; and the
// page links (Newer, Older, Newest) of a list paged that way.
import type { Knex } from 'knex';
import type { Request, Response } from 'express';
import { isHtmx } from './errors';
import { fromDbTime, toDbTime } from '../db/time';

export interface Cursor {
  at: string; // DB timestamp 'YYYY-MM-DD HH:MM:SS.mmm' (UTC)
  id: number;
}

/** URL form: ISO instant + '_' + id, e.g. 2026-11-20T10:00:00.123Z_1234 */
export function encodeCursor(c: Cursor): string {
  return `${fromDbTime(c.at)!.toISOString()}_${c.id}`;
}

const CURSOR_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_([1-9]\d{0,15})$/;

export function decodeCursor(s: string | undefined): Cursor | null {
  if (!s) return null;
  const m = CURSOR_RE.exec(s);
  if (!m) return null;
  const d = new Date(m[1]);
  if (Number.isNaN(d.getTime())) return null;
  return { at: toDbTime(d), id: Number(m[2]) };
}

export function isCursor(s: string): boolean {
  return decodeCursor(s) !== null;
}

/** Rows strictly older than the cursor (descending order). */
export function olderThan(qb: Knex.QueryBuilder, timeCol: string, idCol: string, c: Cursor): Knex.QueryBuilder {
  return qb.where((w) => w.where(timeCol, '<', c.at).orWhere((x) => x.where(timeCol, '=', c.at).andWhere(idCol, '<', c.id)));
}

/** Rows strictly newer than the cursor (ascending order). */
export function newerThan(qb: Knex.QueryBuilder, timeCol: string, idCol: string, c: Cursor): Knex.QueryBuilder {
  return qb.where((w) => w.where(timeCol, '>', c.at).orWhere((x) => x.where(timeCol, '=', c.at).andWhere(idCol, '>', c.id)));
}

export interface KeysetPage<R> {
  rows: R[];
  /** cursor for the next older page (null = no older rows) */
  older: string | null;
  /** cursor for the next newer page (null = this is the newest page) */
  newer: string | null;
}

/**
 * Fetches one page newest-first. `before`: rows older than it; `after`: rows newer than it (shown
 * newest-first too); neither: the newest page. Reads limit+1 rows to know whether more exist.
 */
export async function keysetPage<R extends Record<string, unknown>>(
  base: () => Knex.QueryBuilder,
  timeCol: string,
  idCol: string,
  limit: number,
  nav: { before?: Cursor | null; after?: Cursor | null },
): Promise<KeysetPage<R>> {
  const cur = (r: R): string => encodeCursor({ at: String(r[timeKey(timeCol)]), id: Number(r[timeKey(idCol)]) });
  if (nav.after) {
    const rows = (await newerThan(base(), timeCol, idCol, nav.after).orderBy(timeCol, 'asc').orderBy(idCol, 'asc').limit(limit + 1)) as R[];
    // Reached the newest rows: show the newest page (a full page, no cursor) rather than a short one.
    if (rows.length <= limit) return keysetPage(base, timeCol, idCol, limit, {});
    const page = rows.slice(0, limit).reverse();
    return { rows: page, newer: cur(page[0]), older: cur(page[page.length - 1]) };
  }
  let q = base();
  if (nav.before) q = olderThan(q, timeCol, idCol, nav.before);
  const rows = (await q.orderBy(timeCol, 'desc').orderBy(idCol, 'desc').limit(limit + 1)) as R[];
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  return {
    rows: page,
    older: more ? cur(page[page.length - 1]) : null,
    newer: nav.before ? (page.length ? cur(page[0]) : encodeCursor(nav.before)) : null,
  };
}

/** 'i.occurred_at' -> 'occurred_at' (the key the row object carries). */
function timeKey(col: string): string {
  return col.includes('.') ? col.slice(col.indexOf('.') + 1) : col;
}

// ---- Page links of a keyset-paged list (Activity Logs, the Audit log).

export interface KeysetNav {
  before: Cursor | null;
  after: Cursor | null;
}

/** The cursors of a request: `before` wins when both are given. */
export function keysetNav(q: { before?: string; after?: string }): KeysetNav {
  return { before: decodeCursor(q.before), after: q.before ? null : decodeCursor(q.after) };
}

/**
 * The links of one page: Newer, Older and Newest keep the filters (`params`); `currentUrl` is this
 * page's own address (filters and the cursor it was opened with), for htmx to push into history.
 */
export function keysetLinks(base: string, params: URLSearchParams, page: { newer: string | null; older: string | null }, nav: KeysetNav, q: { before?: string; after?: string }) {
  const at = (p: URLSearchParams) => (p.toString() ? `${base}?${p.toString()}` : base);
  const withCursor = (k: 'before' | 'after', c: string) => {
    const p = new URLSearchParams(params);
    p.set(k, c);
    return at(p);
  };
  const current = new URLSearchParams(params);
  if (nav.before) current.set('before', q.before!);
  else if (nav.after) current.set('after', q.after!);
  return {
    newerUrl: page.newer ? withCursor('after', page.newer) : null,
    olderUrl: page.older ? withCursor('before', page.older) : null,
    newestUrl: nav.before || nav.after ? at(params) : null,
    currentUrl: at(current),
  };
}

/** htmx swaps of a paged or filtered list put the list's own URL in the address bar (not on a history restore). */
export function pushListUrl(req: Request, res: Response, url: string): void {
  if (isHtmx(req) && !req.get('HX-History-Restore-Request')) res.set('HX-Push-Url', url);
}
