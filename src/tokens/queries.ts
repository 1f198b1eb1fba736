// Token Statistics SQL: everything reads the rollup tables (rollup_daily, rollup_daily_model,
// rollup_monthly_user, user_activity), never a scan of `interactions`.
import type { Knex } from 'knex';
import { monthOfDay } from '../db/time';

export interface MonthKindTotal {
  month: string; // YYYY-MM
  token_kind: string;
  total_tokens: number;
  training_tokens: number;
  interactions: number;
  training_interactions: number;
}

/**
 * Token totals per calendar month and kind, optionally from `fromDay` (inclusive). Grouped by the
 * stored reporting day (workspace zone; the rollup's key order, so no temporary table) and bucketed
 * into months here: no date functions in SQL.
 */
export async function monthlyTotals(db: Knex, workspaceId: number, fromDay?: string): Promise<MonthKindTotal[]> {
  const q = db('rollup_daily')
    .select('day', 'token_kind')
    .sum({ total_tokens: 'total_tokens', training_tokens: 'training_tokens', interactions: 'interactions', training_interactions: 'training_interactions' })
    .where('workspace_id', workspaceId)
    .groupBy('day', 'token_kind');
  if (fromDay) q.where('day', '>=', fromDay);
  const byMonth = new Map<string, MonthKindTotal>();
  for (const r of (await q) as Record<string, unknown>[]) {
    const month = monthOfDay(String(r.day));
    const kind = String(r.token_kind);
    const key = `${month}|${kind}`;
    let m = byMonth.get(key);
    if (!m) byMonth.set(key, (m = { month, token_kind: kind, total_tokens: 0, training_tokens: 0, interactions: 0, training_interactions: 0 }));
    m.total_tokens += Number(r.total_tokens ?? 0);
    m.training_tokens += Number(r.training_tokens ?? 0);
    m.interactions += Number(r.interactions ?? 0);
    m.training_interactions += Number(r.training_interactions ?? 0);
  }
  return [...byMonth.values()];
}

export interface ModelTotal {
  model: string;
  token_kind: string;
  training: boolean;
  interactions: number;
  total_tokens: number;
}

/** Token totals per model, kind and training flag, optionally from `fromDay` (inclusive). */
export async function modelTotals(db: Knex, workspaceId: number, fromDay?: string): Promise<ModelTotal[]> {
  const q = db('rollup_daily_model')
    .select('model', 'token_kind', 'training')
    .sum({ interactions: 'interactions', total_tokens: 'total_tokens' })
    .where('workspace_id', workspaceId)
    .groupBy('model', 'token_kind', 'training');
  if (fromDay) q.where('day', '>=', fromDay);
  const rows = await q;
  return rows.map((r: Record<string, unknown>) => ({
    model: String(r.model),
    token_kind: String(r.token_kind),
    training: r.training === true || Number(r.training) === 1,
    interactions: Number(r.interactions ?? 0),
    total_tokens: Number(r.total_tokens ?? 0),
  }));
}

const USER_COLUMNS = [
  'u.id',
  'u.name',
  'u.email',
  'u.role',
  'u.department',
  'u.status',
  'u.invited_at',
  'u.joined_at',
  'u.revoked_at',
  'ua.last_at as last_active_at',
];

/** The users.csv query: every user of the workspace with their last activity, by id. */
export function usersQuery(db: Knex, workspaceId: number): Knex.QueryBuilder {
  return db('users as u')
    .select(USER_COLUMNS)
    .leftJoin('user_activity as ua', function () {
      this.on('ua.user_id', '=', 'u.id').andOn('ua.workspace_id', '=', 'u.workspace_id');
    })
    .where('u.workspace_id', workspaceId)
    .orderBy('u.id');
}

/**
 * The users-with-tokens.csv query: users plus allocations, lifetime tokens (`user_totals`) and
 * this/previous month's inference tokens (`rollup_monthly_user`), each joined by its primary key,
 * so rows stream from the first user on instead of after a grouped pass over every monthly row.
 * A user without usage has NULL usage columns (the export writes 0), as with the grouped read before.
 */
export function usersWithTokensQuery(db: Knex, workspaceId: number, month: string, previousMonth: string): Knex.QueryBuilder {
  const monthOf = (alias: string, value: string) =>
    function (this: Knex.JoinClause) {
      this.on(`${alias}.workspace_id`, '=', 'u.workspace_id')
        .andOnVal(`${alias}.month`, '=', value)
        .andOn(`${alias}.user_id`, '=', 'u.id')
        .andOnVal(`${alias}.token_kind`, '=', 'inference');
    };
  return db('users as u')
    .select(USER_COLUMNS)
    .select(
      'u.max_inference_tokens',
      'u.max_embedding_tokens',
      't.inference_tokens as total_inference_tokens',
      't.embedding_tokens as total_embedding_tokens',
      't.total_tokens as total_usage_tokens',
      db.raw('CASE WHEN t.user_id IS NULL THEN NULL ELSE COALESCE(cur.total_tokens, 0) END AS monthly_inference_tokens'),
      db.raw('CASE WHEN t.user_id IS NULL THEN NULL ELSE COALESCE(prev.total_tokens, 0) END AS previous_month_inference_tokens'),
    )
    .leftJoin('user_activity as ua', function () {
      this.on('ua.user_id', '=', 'u.id').andOn('ua.workspace_id', '=', 'u.workspace_id');
    })
    .leftJoin('user_totals as t', function () {
      this.on('t.workspace_id', '=', 'u.workspace_id').andOn('t.user_id', '=', 'u.id');
    })
    .leftJoin({ cur: 'rollup_monthly_user' }, monthOf('cur', month))
    .leftJoin({ prev: 'rollup_monthly_user' }, monthOf('prev', previousMonth))
    .where('u.workspace_id', workspaceId)
    .orderBy('u.id');
}
