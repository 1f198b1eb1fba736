// User Management reads: the summary bar and the user table (filters, sort, page numbers).
// Usage columns come from rollup_monthly_user and user_activity; `interactions` is never read here.
import type { Knex } from 'knex';
import { addMonths, monthOfDay, today } from '../db/time';

export const SORT_KEYS = [
  'name',
  'email',
  'role',
  'department',
  'status',
  'max_inference',
  'max_embedding',
  'total_usage',
  'monthly',
  'prev_month',
  'share',
  'credit',
  'last_active',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface UserListQuery {
  q?: string;
  role?: 'admin' | 'member';
  status?: 'invited' | 'active' | 'revoked';
  department?: string;
  credit?: 'yes' | 'no';
  allocation?: 'near' | 'over';
  sort: SortKey;
  dir: 'asc' | 'desc';
  page: number;
  per: number;
}

export interface UserRow {
  id: number;
  email: string;
  name: string;
  role: string;
  department: string | null;
  status: string;
  max_inference_tokens: number;
  max_embedding_tokens: number;
  may_spend_credits: boolean;
  total_usage: number;
  monthly_inference: number;
  prev_month_inference: number;
  /** monthly / max inference allocation; null when no allocation is set */
  share: number | null;
  last_active: string | null;
}

/** Share of the monthly allocation at which a user counts as "near" (and 1.0 = "over"). */
export const NEAR_SHARE = 0.8;

export interface MonthContext {
  month: string;
  prevMonth: string;
}

export function monthContext(zone: string, now: Date = new Date()): MonthContext {
  const month = monthOfDay(today(zone, now));
  return { month, prevMonth: addMonths(month, -1) };
}

/** `%term%` for LIKE with the wildcards of the term escaped by '!' (portable: same ESCAPE on both engines). */
export function likeContains(term: string): string {
  return `%${term.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

const SHARE_SQL = 'CASE WHEN u.max_inference_tokens > 0 THEN COALESCE(cur.tokens, 0) * 1.0 / u.max_inference_tokens ELSE NULL END';

const SORT_SQL: Record<SortKey, string> = {
  name: 'LOWER(u.name)',
  email: 'LOWER(u.email)',
  role: 'u.role',
  department: 'LOWER(u.department)',
  status: 'u.status',
  max_inference: 'u.max_inference_tokens',
  max_embedding: 'u.max_embedding_tokens',
  total_usage: 'total_usage',
  monthly: 'monthly_inference',
  prev_month: 'prev_month_inference',
  share: 'share',
  credit: 'u.may_spend_credits',
  last_active: 'last_active',
};

/** Filters on the users table itself (everything but the allocation-share filter). */
function applyUserFilters(q: Knex.QueryBuilder, f: Partial<UserListQuery>): Knex.QueryBuilder {
  if (f.q) {
    const like = likeContains(f.q);
    q.where((w) => w.whereRaw("u.name LIKE ? ESCAPE '!'", [like]).orWhereRaw("u.email LIKE ? ESCAPE '!'", [like]));
  }
  if (f.role) q.where('u.role', f.role);
  if (f.status) q.where('u.status', f.status);
  if (f.department) q.where('u.department', f.department);
  if (f.credit) q.where('u.may_spend_credits', f.credit === 'yes');
  return q;
}

/**
 * The filtered user set with its usage columns (no order, no limit). With `ids`, the rollup
 * aggregates read only those users' rows (index ranges) instead of the whole workspace's.
 */
function baseQuery(db: Knex, workspaceId: number, m: MonthContext, f: Partial<UserListQuery>, ids?: number[]): Knex.QueryBuilder {
  const restrict = (q: Knex.QueryBuilder) => (ids ? q.whereIn('user_id', ids) : q);
  const monthSum = (month: string, alias: string) =>
    restrict(
      db('rollup_monthly_user')
        .select('user_id')
        .sum({ tokens: 'total_tokens' })
        .where({ workspace_id: workspaceId, month, token_kind: 'inference' }),
    )
      .groupBy('user_id')
      .as(alias);
  const allTime = restrict(db('rollup_monthly_user').select('user_id').sum({ tokens: 'total_tokens' }).where({ workspace_id: workspaceId }))
    .groupBy('user_id')
    .as('tot');

  const q = db({ u: 'users' })
    .leftJoin(monthSum(m.month, 'cur'), 'cur.user_id', 'u.id')
    .leftJoin(monthSum(m.prevMonth, 'prev'), 'prev.user_id', 'u.id')
    .leftJoin(allTime, 'tot.user_id', 'u.id')
    .leftJoin({ ua: 'user_activity' }, function () {
      this.on('ua.user_id', '=', 'u.id').andOn('ua.workspace_id', '=', 'u.workspace_id');
    })
    .where('u.workspace_id', workspaceId);
  if (ids) q.whereIn('u.id', ids);
  applyUserFilters(q, f);
  if (f.allocation === 'near') {
    q.where('u.max_inference_tokens', '>', 0).whereRaw('COALESCE(cur.tokens, 0) >= u.max_inference_tokens * ?', [NEAR_SHARE]);
  } else if (f.allocation === 'over') {
    q.where('u.max_inference_tokens', '>', 0).whereRaw('COALESCE(cur.tokens, 0) >= u.max_inference_tokens');
  }
  return q;
}

/** Sorts that need the usage aggregates of every user (the others sort on users columns alone). */
const USAGE_SORTS: SortKey[] = ['total_usage', 'monthly', 'prev_month', 'share', 'last_active'];

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
    total_usage: Number(r.total_usage ?? 0),
    monthly_inference: Number(r.monthly_inference ?? 0),
    prev_month_inference: Number(r.prev_month_inference ?? 0),
    share: r.share == null ? null : Number(r.share),
    last_active: (r.last_active as string | null) ?? null,
  };
}

function selectColumns(db: Knex, q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q.select(
    'u.id',
    'u.email',
    'u.name',
    'u.role',
    'u.department',
    'u.status',
    'u.max_inference_tokens',
    'u.max_embedding_tokens',
    'u.may_spend_credits',
    db.raw('COALESCE(tot.tokens, 0) AS total_usage'),
    db.raw('COALESCE(cur.tokens, 0) AS monthly_inference'),
    db.raw('COALESCE(prev.tokens, 0) AS prev_month_inference'),
    db.raw(`${SHARE_SQL} AS share`),
    'ua.last_at as last_active',
  );
}

export interface UserPage {
  rows: UserRow[];
  total: number;
  page: number;
  pages: number;
}

/**
 * One page of the user table. Users are a bounded set per workspace (thousands at most), so page
 * numbers over a sorted, id-tie-broken list are fine here; the big table (interactions) is not read.
 */
export async function listUsers(db: Knex, workspaceId: number, m: MonthContext, f: UserListQuery): Promise<UserPage> {
  const needsUsage = !!f.allocation || USAGE_SORTS.includes(f.sort);
  const countQuery = needsUsage
    ? db.count({ n: '*' }).from(baseQuery(db, workspaceId, m, f).select('u.id').as('x'))
    : applyUserFilters(db({ u: 'users' }).count({ n: '*' }).where('u.workspace_id', workspaceId), f);
  const total = Number((await countQuery.first())?.n ?? 0);
  const pages = Math.max(1, Math.ceil(total / f.per));
  const page = Math.min(f.page, pages);
  const offset = (page - 1) * f.per;
  if (needsUsage) {
    const q = selectColumns(db, baseQuery(db, workspaceId, m, f)).orderByRaw(`${SORT_SQL[f.sort]} ${f.dir}`).orderBy('u.id', f.dir).limit(f.per).offset(offset);
    return { rows: (await q).map(toRow), total, page, pages };
  }
  // Sorted on users columns: pick the page's ids first, then aggregate usage for those users only.
  const idRows = await applyUserFilters(db({ u: 'users' }).select('u.id').where('u.workspace_id', workspaceId), f)
    .orderByRaw(`${SORT_SQL[f.sort]} ${f.dir}`)
    .orderBy('u.id', f.dir)
    .limit(f.per)
    .offset(offset);
  const ids = idRows.map((r: { id: number }) => Number(r.id));
  if (ids.length === 0) return { rows: [], total, page, pages };
  const byId = new Map((await selectColumns(db, baseQuery(db, workspaceId, m, {}, ids))).map((r: Record<string, unknown>) => [Number(r.id), toRow(r)]));
  return { rows: ids.map((id: number) => byId.get(id)!).filter(Boolean), total, page, pages };
}

/** One user with the table's columns (row re-render after an action); null when not in the workspace. */
export async function getUserRow(db: Knex, workspaceId: number, m: MonthContext, userId: number): Promise<UserRow | null> {
  const r = await selectColumns(db, baseQuery(db, workspaceId, m, {}, [userId])).first();
  return r ? toRow(r) : null;
}

export interface Summary {
  total: number;
  active: number;
  invited: number;
  revoked: number;
  purchasedInference: number;
  purchasedEmbedding: number;
  assignedInference: number;
  assignedEmbedding: number;
  unassignedInference: number;
  unassignedEmbedding: number;
  overInference: boolean;
  overEmbedding: boolean;
}

/** The summary bar: head counts by status, purchased tokens, and allocations of non-revoked users. */
export async function userSummary(db: Knex, workspaceId: number): Promise<Summary> {
  const ws = await db('workspaces').select('purchased_inference_tokens', 'purchased_embedding_tokens').where({ id: workspaceId }).first();
  const byStatus = await db('users')
    .select('status')
    .count({ n: '*' })
    .sum({ inf: 'max_inference_tokens', emb: 'max_embedding_tokens' })
    .where({ workspace_id: workspaceId })
    .groupBy('status');
  const s = { active: 0, invited: 0, revoked: 0 } as Record<string, number>;
  let assignedInference = 0;
  let assignedEmbedding = 0;
  for (const r of byStatus as Record<string, unknown>[]) {
    s[r.status as string] = Number(r.n);
    if (r.status !== 'revoked') {
      assignedInference += Number(r.inf ?? 0);
      assignedEmbedding += Number(r.emb ?? 0);
    }
  }
  const purchasedInference = Number(ws?.purchased_inference_tokens ?? 0);
  const purchasedEmbedding = Number(ws?.purchased_embedding_tokens ?? 0);
  return {
    total: s.active + s.invited + s.revoked,
    active: s.active,
    invited: s.invited,
    revoked: s.revoked,
    purchasedInference,
    purchasedEmbedding,
    assignedInference,
    assignedEmbedding,
    unassignedInference: purchasedInference - assignedInference,
    unassignedEmbedding: purchasedEmbedding - assignedEmbedding,
    overInference: assignedInference > purchasedInference,
    overEmbedding: assignedEmbedding > purchasedEmbedding,
  };
}

/** Departments in use (filter and invite suggestions). */
export async function departments(db: Knex, workspaceId: number): Promise<string[]> {
  const rows = await db('users').distinct('department').where({ workspace_id: workspaceId }).whereNotNull('department').orderBy('department');
  return rows.map((r: { department: string }) => r.department).filter((d: string) => d !== '');
}
