// User Management reads: the user table (filters, sort, page numbers); the summary bar is ./summary.ts.
// Usage columns come from rollup_monthly_user and user_activity; `interactions` is never read here.
import type { Knex } from 'knex';
import type { RosterRow } from '../csv/definitions';
import { addMonths, monthOfDay, today } from '../db/time';
import { NEAR_SHARE } from '../domain/limits';
import type { WorkspaceStamps } from '../reports/memo';
import type { LimitStatusFilter, UserLimitInfo, UserLimitSource } from './limit-info';
import { cachedList, type Depends } from './list-cache';
import { byLimit } from './limit-order';

export const SORT_KEYS = [
  'name',
  'email',
  'role',
  'department',
  'status',
  'max_inference',
  'max_embedding',
  'total_inference',
  'total_embedding',
  'total_usage',
  'monthly',
  'prev_month',
  'share',
  'credit',
  'last_active',
  'limit_use',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface UserListQuery {
  q?: string;
  role?: 'admin' | 'member';
  status?: 'invited' | 'active' | 'revoked';
  department?: string;
  credit?: 'yes' | 'no';
  allocation?: 'near' | 'over';
  limit_status?: LimitStatusFilter;
  sort: SortKey;
  dir: 'asc' | 'desc';
  page: number;
  per: number;
}

export interface UserRow extends Pick<RosterRow, 'id' | 'email' | 'name' | 'role' | 'department' | 'status'> {
  max_inference_tokens: number;
  max_embedding_tokens: number;
  may_spend_credits: boolean;
  total_inference: number;
  total_embedding: number;
  total_usage: number;
  monthly_inference: number;
  prev_month_inference: number;
  /** monthly / max inference allocation; null when no allocation is set */
  share: number | null;
  last_active: string | null;
}

export interface MonthContext {
  month: string;
  prevMonth: string;
  /** the instant the list is computed at (limit periods and projections count from it) */
  now: Date;
}

export function monthContext(zone: string, now: Date = new Date()): MonthContext {
  const month = monthOfDay(today(zone, now));
  return { month, prevMonth: addMonths(month, -1), now };
}

/** `%term%` for LIKE with the wildcards of the term escaped by '!' (portable: same ESCAPE on both engines). */
export function likeContains(term: string): string {
  return `%${term.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/** Usage expressions over the joins below (cur/prev/tot: one row per user at most, by primary key). */
const MONTHLY_SQL = 'COALESCE(cur.total_tokens, 0)';
const PREV_SQL = 'COALESCE(prev.total_tokens, 0)';
const TOTAL_SQL = 'COALESCE(tot.total_tokens, 0)';
const TOTAL_INFERENCE_SQL = 'COALESCE(tot.inference_tokens, 0)';
const TOTAL_EMBEDDING_SQL = 'COALESCE(tot.embedding_tokens, 0)';
const SHARE_SQL = `CASE WHEN u.max_inference_tokens > 0 THEN ${MONTHLY_SQL} * 1.0 / u.max_inference_tokens ELSE NULL END`;

/** `limit_use` is not a column: it is sorted after the limits are resolved (listUsersByLimit). */
const SORT_SQL: Record<Exclude<SortKey, 'limit_use'>, string> = {
  name: 'LOWER(u.name)',
  email: 'LOWER(u.email)',
  role: 'u.role',
  department: 'LOWER(u.department)',
  status: 'u.status',
  max_inference: 'u.max_inference_tokens',
  max_embedding: 'u.max_embedding_tokens',
  total_inference: TOTAL_INFERENCE_SQL,
  total_embedding: TOTAL_EMBEDDING_SQL,
  total_usage: TOTAL_SQL,
  monthly: MONTHLY_SQL,
  prev_month: PREV_SQL,
  share: SHARE_SQL,
  credit: 'u.may_spend_credits',
  last_active: 'ua.last_at',
};

type Join = 'cur' | 'prev' | 'tot' | 'ua';

/** The joins a sort key needs (the users columns need none). */
const SORT_JOINS: Partial<Record<SortKey, Join[]>> = {
  total_inference: ['tot'],
  total_embedding: ['tot'],
  total_usage: ['tot'],
  monthly: ['cur'],
  prev_month: ['prev'],
  share: ['cur'],
  last_active: ['ua'],
};

/** Filters on the users table itself (everything but the allocation-share filter). */
function applyUserFilters(q: Knex.QueryBuilder, f: Partial<UserListQuery>): Knex.QueryBuilder {
  if (f.q) {
    const like = likeContains(f.q);
    // E-mails are stored lowercased and compare exactly (both engines): search them lowercased.
    q.where((w) => w.whereRaw("u.name LIKE ? ESCAPE '!'", [like]).orWhereRaw("u.email LIKE ? ESCAPE '!'", [like.toLowerCase()]));
  }
  if (f.role) q.where('u.role', f.role);
  if (f.status) q.where('u.status', f.status);
  if (f.department) q.where('u.department', f.department);
  if (f.credit) q.where('u.may_spend_credits', f.credit === 'yes');
  return q;
}

/** "Near or over" / "over" this month's allocation (near: the share every limit uses); needs the `cur` join. */
function applyAllocationFilter(q: Knex.QueryBuilder, f: Partial<UserListQuery>): Knex.QueryBuilder {
  if (f.allocation === 'near') {
    q.where('u.max_inference_tokens', '>', 0).whereRaw(`${MONTHLY_SQL} >= u.max_inference_tokens * ?`, [NEAR_SHARE]);
  } else if (f.allocation === 'over') {
    q.where('u.max_inference_tokens', '>', 0).whereRaw(`${MONTHLY_SQL} >= u.max_inference_tokens`);
  }
  return q;
}

/**
 * `users u` of the workspace with the usage joins asked for, each by a full primary key (one eq_ref
 * lookup per user, no grouping): `cur`/`prev` the month's rollup row (workspace, month, user, kind),
 * `tot` the user's all-time row of `user_totals`, `ua` first/last activity.
 */
function usersWith(db: Knex, workspaceId: number, m: MonthContext, joins: Set<Join>, ids?: number[]): Knex.QueryBuilder {
  const q = db({ u: 'users' }).where('u.workspace_id', workspaceId);
  const month = (alias: string, value: string) =>
    q.leftJoin({ [alias]: 'rollup_monthly_user' }, function () {
      this.on(`${alias}.workspace_id`, '=', 'u.workspace_id')
        .andOnVal(`${alias}.month`, '=', value)
        .andOn(`${alias}.user_id`, '=', 'u.id')
        .andOnVal(`${alias}.token_kind`, '=', 'inference');
    });
  if (joins.has('cur')) month('cur', m.month);
  if (joins.has('prev')) month('prev', m.prevMonth);
  if (joins.has('tot')) {
    q.leftJoin({ tot: 'user_totals' }, function () {
      this.on('tot.workspace_id', '=', 'u.workspace_id').andOn('tot.user_id', '=', 'u.id');
    });
  }
  if (joins.has('ua')) {
    q.leftJoin({ ua: 'user_activity' }, function () {
      this.on('ua.workspace_id', '=', 'u.workspace_id').andOn('ua.user_id', '=', 'u.id');
    });
  }
  if (ids) q.whereIn('u.id', ids);
  return q;
}

function toRow(r: Record<string, unknown>): UserRow {
  return {
    id: Number(r.id),
    email: String(r.email),
    name: String(r.name),
    role: String(r.role),
    department: (r.department as string | null) ?? null,
    status: String(r.status),
    max_inference_tokens: Number(r.max_inference_tokens),
    max_embedding_tokens: Number(r.max_embedding_tokens),
    may_spend_credits: !!Number(r.may_spend_credits),
    total_inference: Number(r.total_inference ?? 0),
    total_embedding: Number(r.total_embedding ?? 0),
    total_usage: Number(r.total_usage ?? 0),
    monthly_inference: Number(r.monthly_inference ?? 0),
    prev_month_inference: Number(r.prev_month_inference ?? 0),
    share: r.share == null ? null : Number(r.share),
    last_active: (r.last_active as string | null) ?? null,
  };
}

/** Every table column of the given users (a page's worth of ids): a handful of index lookups. */
async function rowsFor(db: Knex, workspaceId: number, m: MonthContext, ids: number[]): Promise<UserRow[]> {
  const rows = await usersWith(db, workspaceId, m, new Set<Join>(['cur', 'prev', 'tot', 'ua']), ids).select(
    'u.id',
    'u.email',
    'u.name',
    'u.role',
    'u.department',
    'u.status',
    'u.max_inference_tokens',
    'u.max_embedding_tokens',
    'u.may_spend_credits',
    db.raw(`${TOTAL_INFERENCE_SQL} AS total_inference`),
    db.raw(`${TOTAL_EMBEDDING_SQL} AS total_embedding`),
    db.raw(`${TOTAL_SQL} AS total_usage`),
    db.raw(`${MONTHLY_SQL} AS monthly_inference`),
    db.raw(`${PREV_SQL} AS prev_month_inference`),
    db.raw(`${SHARE_SQL} AS share`),
    'ua.last_at as last_active',
  );
  return rows.map(toRow);
}

export interface UserPage {
  rows: UserRow[];
  total: number;
  page: number;
  pages: number;
  /** the effective limit and status of the page's users (those with a per-user limit) */
  limits: Map<number, UserLimitInfo>;
}

/** A column sort, or plain id order (the base of the limit use sort). */
type OrderKey = Exclude<SortKey, 'limit_use'> | 'id';

/** The stamps an order depends on besides the roster (src/users/list-cache.ts). */
function dependsOf(f: UserListQuery, order: OrderKey): Depends {
  // every join reads a usage rollup; user_activity (last active) also moves with logins
  const joins = order === 'id' ? [] : SORT_JOINS[order] ?? [];
  return { usage: !!f.allocation || joins.length > 0, logins: joins.includes('ua') };
}

/**
 * Every user id the filters on columns keep (all but limit status), in the list's order (`order`,
 * ties by id in the same direction): one statement with only the join the sort or filter needs.
 * Kept per process while the roster (and, for a usage column, the workspace's usage) is unchanged,
 * so paging, and the same view by another admin, read no users again. (Ids are INT UNSIGNED.)
 */
function orderedIds(db: Knex, workspaceId: number, m: MonthContext, f: UserListQuery, order: OrderKey, stamps: WorkspaceStamps): Promise<Uint32Array> {
  const filters = [f.q ?? '', f.role ?? '', f.status ?? '', f.department ?? '', f.credit ?? '', f.allocation ?? ''];
  const key = `order:${workspaceId}:${m.month}:${order}:${f.dir}:${JSON.stringify(filters)}`;
  return cachedList(db, key, stamps, dependsOf(f, order), async () => {
    const joins = new Set<Join>([...(f.allocation ? (['cur'] as Join[]) : []), ...(order === 'id' ? [] : SORT_JOINS[order] ?? [])]);
    const q = applyAllocationFilter(applyUserFilters(usersWith(db, workspaceId, m, joins), f), f).select('u.id');
    if (order !== 'id') q.orderByRaw(`${SORT_SQL[order]} ${f.dir}`);
    q.orderBy('u.id', f.dir);
    return Uint32Array.from(await q, (r: { id: number }) => Number(r.id));
  });
}

/**
 * One page of the user table: (1) the ids of the whole filtered list in its order (orderedIds,
 * kept between views), cut to the page; (2) every column for the page's ids. Users are a bounded
 * set per workspace (tens of thousands at most), so page numbers over the sorted, id-tie-broken list
 * are fine here: this is the documented exception to the keyset rule (docs/users.md "Limits",
 * docs/DEVELOPING.md "Lists"). Every sort key is an unindexed expression, so the database sorts the
 * filtered users whenever the order is not kept; the big table (interactions) is never read. The
 * limit status filter and the limit use sort are applied to that order (./limit-order.ts).
 */
export async function listUsers(db: Knex, workspaceId: number, m: MonthContext, f: UserListQuery, limits: UserLimitSource, stamps: WorkspaceStamps): Promise<UserPage> {
  const byUse = f.sort === 'limit_use';
  let ids = await orderedIds(db, workspaceId, m, f, byUse ? 'id' : (f.sort as OrderKey), stamps);
  if (f.limit_status || byUse) ids = byLimit(ids, await limits.states(db, workspaceId, m.now, stamps), f);
  const total = ids.length;
  const pages = Math.max(1, Math.ceil(total / f.per));
  const page = Math.min(f.page, pages);
  const pageIds = Array.from(ids.subarray((page - 1) * f.per, page * f.per));
  if (pageIds.length === 0) return { rows: [], total, page, pages, limits: new Map() };
  const byId = new Map((await rowsFor(db, workspaceId, m, pageIds)).map((r) => [r.id, r]));
  const rows = pageIds.map((id) => byId.get(id)!).filter(Boolean);
  return { rows, total, page, pages, limits: await limits.of(db, workspaceId, rows, m.now, stamps) };
}

/** One user with the table's columns (row re-render after an action); null when not in the workspace. */
export async function getUserRow(db: Knex, workspaceId: number, m: MonthContext, userId: number): Promise<UserRow | null> {
  return (await rowsFor(db, workspaceId, m, [userId]))[0] ?? null;
}
