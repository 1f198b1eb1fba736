// Activity Logs reads: one user's interactions (keyset pages, CSV stream) and totals for the
// filtered set. Every read is bounded by the interactions_user_time index (workspace, user, time, id)
// or reads rollup_daily_user; the whole interactions table is never scanned.
import type { Knex } from 'knex';
import { addDays, startOfDayUtc, toDbTime } from '../db/time';
import { keysetPage, type Cursor, type KeysetPage } from '../http/keyset';

export interface LogFilters {
  from?: string; // YYYY-MM-DD, workspace zone, inclusive
  to?: string; // inclusive
  model?: string;
  surface?: string;
  training?: 'yes' | 'no';
  kind?: 'inference' | 'embedding';
}

export interface LogRow {
  id: number;
  occurred_at: string;
  day: string;
  surface: string;
  output: string;
  token_kind: string;
  model: string;
  prompt_excerpt: string | null;
  /** the retention policy removed the prompt text (1/true) */
  prompt_removed?: boolean | number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  training: boolean | number;
  ip: string | null;
  agent_id: number | null;
  iq_layers: string;
  credits_charged: number;
}

export const LOG_COLUMNS = [
  'id',
  'occurred_at',
  'day',
  'surface',
  'output',
  'token_kind',
  'model',
  'prompt_excerpt',
  'prompt_removed',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'training',
  'ip',
  'agent_id',
  'iq_layers',
  'credits_charged',
];

export interface LogUser {
  id: number;
  name: string;
  email: string;
  role: string;
  status: string;
  department: string | null;
  max_inference_tokens: number;
  max_embedding_tokens: number;
}

export async function findUser(db: Knex, workspaceId: number, userId: number): Promise<LogUser | null> {
  const u = await db('users')
    .select('id', 'name', 'email', 'role', 'status', 'department', 'max_inference_tokens', 'max_embedding_tokens')
    .where({ id: userId, workspace_id: workspaceId })
    .first();
  return u ? { ...u, max_inference_tokens: Number(u.max_inference_tokens), max_embedding_tokens: Number(u.max_embedding_tokens) } : null;
}

/** UTC bounds of a local-day range: [start of `from`, start of the day after `to`). */
export function timeBounds(f: LogFilters, zone: string): { gte?: string; lt?: string } {
  return {
    gte: f.from ? toDbTime(startOfDayUtc(f.from, zone)) : undefined,
    lt: f.to ? toDbTime(startOfDayUtc(addDays(f.to, 1), zone)) : undefined,
  };
}

/** The user's interactions matching the filters: an index range on (workspace_id, user_id, occurred_at). */
export function logQuery(db: Knex, workspaceId: number, userId: number, f: LogFilters, zone: string): Knex.QueryBuilder {
  const q = db('interactions').select(LOG_COLUMNS).where({ workspace_id: workspaceId, user_id: userId });
  const b = timeBounds(f, zone);
  if (b.gte) q.where('occurred_at', '>=', b.gte);
  if (b.lt) q.where('occurred_at', '<', b.lt);
  if (f.model) q.where('model', f.model);
  if (f.surface) q.where('surface', f.surface);
  if (f.training) q.where('training', f.training === 'yes');
  if (f.kind) q.where('token_kind', f.kind);
  return q;
}

/** Every matching row, newest first (the CSV export). */
export function logExportQuery(db: Knex, workspaceId: number, userId: number, f: LogFilters, zone: string): Knex.QueryBuilder {
  return logQuery(db, workspaceId, userId, f, zone).orderBy('occurred_at', 'desc').orderBy('id', 'desc');
}

export async function logPage(
  db: Knex,
  workspaceId: number,
  userId: number,
  f: LogFilters,
  zone: string,
  limit: number,
  nav: { before?: Cursor | null; after?: Cursor | null },
): Promise<KeysetPage<LogRow & Record<string, unknown>>> {
  return keysetPage(() => logQuery(db, workspaceId, userId, f, zone), 'occurred_at', 'id', limit, nav);
}

export interface LogTotals {
  interactions: number;
  totalTokens: number;
  inferenceTokens: number;
  embeddingTokens: number;
  /** where the numbers came from (shown in the page footnote) */
  source: 'rollup' | 'range';
}

/** Only date and kind filters (or none): the per-user daily rollup (day, user, kind) answers exactly, in a few rows. */
export function totalsFromRollup(f: LogFilters): boolean {
  return !f.model && !f.surface && !f.training;
}

export async function logTotals(db: Knex, workspaceId: number, userId: number, f: LogFilters, zone: string): Promise<LogTotals> {
  let rows: { token_kind: string; n: unknown; tokens: unknown }[];
  let source: LogTotals['source'];
  if (totalsFromRollup(f)) {
    const q = db('rollup_daily_user')
      .select('token_kind')
      .sum({ n: 'interactions', tokens: 'total_tokens' })
      .where({ workspace_id: workspaceId, user_id: userId })
      .groupBy('token_kind');
    if (f.from) q.where('day', '>=', f.from);
    if (f.to) q.where('day', '<=', f.to);
    if (f.kind) q.where('token_kind', f.kind);
    rows = (await q) as typeof rows;
    source = 'rollup';
  } else {
    const q = logQuery(db, workspaceId, userId, f, zone)
      .clearSelect()
      .select('token_kind')
      .count({ n: '*' })
      .sum({ tokens: 'total_tokens' })
      .groupBy('token_kind');
    rows = (await q) as typeof rows;
    source = 'range';
  }
  const t: LogTotals = { interactions: 0, totalTokens: 0, inferenceTokens: 0, embeddingTokens: 0, source };
  for (const r of rows) {
    const n = Number(r.n ?? 0);
    const tokens = Number(r.tokens ?? 0);
    t.interactions += n;
    t.totalTokens += tokens;
    if (r.token_kind === 'inference') t.inferenceTokens += tokens;
    else t.embeddingTokens += tokens;
  }
  return t;
}

/** This calendar month's usage of the user (header), from rollup_monthly_user. */
export async function monthUsage(db: Knex, workspaceId: number, userId: number, month: string): Promise<{ inference: number; embedding: number }> {
  const rows = await db('rollup_monthly_user').select('token_kind', 'total_tokens').where({ workspace_id: workspaceId, user_id: userId, month });
  const out = { inference: 0, embedding: 0 };
  for (const r of rows) out[r.token_kind === 'inference' ? 'inference' : 'embedding'] += Number(r.total_tokens);
  return out;
}

/** Models seen in the workspace (filter choices), from the daily model rollup. */
export async function modelsInUse(db: Knex, workspaceId: number): Promise<string[]> {
  const rows = await db('rollup_daily_model').distinct('model').where({ workspace_id: workspaceId }).orderBy('model');
  return rows.map((r: { model: string }) => r.model);
}
