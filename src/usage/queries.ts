// Every query of the Usage page. Reads rollup tables (and the small roster, agents and groups
// tables), never the raw interactions table: that is only streamed by the generation-log export.
import type { Knex } from 'knex';
import { rawRows } from '../db/dialect';
import { memo, rosterStamp } from '../reports/memo';
import { startOfDayUtc, toDbTime, weekStartOfDay, addDays } from '../db/time';
import { SURFACES, type Surface } from '../domain/model';
import type { ActivityLookup, AgentUseLookup } from './export-defs';

const n = (v: unknown) => Number(v ?? 0);

export interface Totals {
  generations: number;
  iqGenerations: number;
  bySurface: Record<Surface, number>;
}

/** Inference generations (text + image) in [from, to], by surface, from rollup_daily. */
export async function generationTotals(db: Knex, ws: number, from: string, to: string): Promise<Totals> {
  const rows = await db('rollup_daily')
    .select('surface')
    .sum({ g: 'interactions', iq: 'iq_interactions' })
    .where({ workspace_id: ws, token_kind: 'inference' })
    .whereBetween('day', [from, to])
    .groupBy('surface');
  const bySurface = Object.fromEntries(SURFACES.map((s) => [s, 0])) as Record<Surface, number>;
  let generations = 0;
  let iqGenerations = 0;
  for (const r of rows as any[]) {
    const s = (SURFACES as readonly string[]).includes(r.surface) ? (r.surface as Surface) : 'other';
    bySurface[s] += n(r.g);
    generations += n(r.g);
    iqGenerations += n(r.iq);
  }
  return { generations, iqGenerations, bySurface };
}

/** Users whose status is active now. */
export async function activeLicenses(db: Knex, ws: number): Promise<number> {
  const r = await db('users').where({ workspace_id: ws, status: 'active' }).count({ c: '*' }).first();
  return n(r?.c);
}

/**
 * Licenses held at the end of `day` (workspace zone), reconstructed from join/revoke times: the
 * comparison value for the Active licenses card. Invited users never held a license.
 */
export async function licensesAt(db: Knex, ws: number, day: string, zone: string): Promise<number> {
  const end = toDbTime(startOfDayUtc(addDays(day, 1), zone));
  const r = await db('users')
    .where({ workspace_id: ws })
    .whereNot('status', 'invited')
    .whereNotNull('joined_at')
    .where('joined_at', '<', end)
    .where((q) => q.whereNull('revoked_at').orWhere('revoked_at', '>=', end))
    .count({ c: '*' })
    .first();
  return n(r?.c);
}

/** Distinct users with at least one inference generation in [from, to] (rollup_daily_user). */
export async function distinctGenerators(db: Knex, ws: number, from: string, to: string): Promise<number> {
  const r = await db('rollup_daily_user')
    .where({ workspace_id: ws, token_kind: 'inference' })
    .whereBetween('day', [from, to])
    .where('interactions', '>', 0)
    .countDistinct({ c: 'user_id' })
    .first();
  return n(r?.c);
}

/** Generations and IQ generations per day in [from, to]. */
export async function dailyGenerations(db: Knex, ws: number, from: string, to: string): Promise<Map<string, { g: number; iq: number }>> {
  const rows = await db('rollup_daily')
    .select('day')
    .sum({ g: 'interactions', iq: 'iq_interactions' })
    .where({ workspace_id: ws, token_kind: 'inference' })
    .whereBetween('day', [from, to])
    .groupBy('day');
  return new Map(rows.map((r: any) => [String(r.day).slice(0, 10), { g: n(r.g), iq: n(r.iq) }]));
}

/** Mondays of every week [from, to] touches. */
export function weeksOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let w = weekStartOfDay(from); w <= to; w = addDays(w, 7)) out.push(w);
  return out;
}

/**
 * Distinct users who logged in, per Monday week, within [from, to] (login_days). One statement of
 * per-week COUNT(DISTINCT) branches: each is a covering range scan of the primary key
 * (workspace_id, day, user_id), with no per-row CASE or date function.
 */
export async function weeklyLoginUsers(db: Knex, ws: number, from: string, to: string): Promise<Map<string, number>> {
  const weeks = weeksOf(from, to);
  // Two statements on two connections (MySQL runs each on one core); SQLite has one connection.
  const half = Math.ceil(weeks.length / 2);
  const chunks = weeks.length > 8 ? [weeks.slice(0, half), weeks.slice(half)] : [weeks];
  const out = new Map<string, number>();
  const results = await Promise.all(chunks.map((chunk) => weeklyLoginChunk(db, ws, chunk, from, to)));
  for (const rows of results) for (const r of rows) out.set(String(r.wk).slice(0, 10), n(r.c));
  return out;
}

async function weeklyLoginChunk(db: Knex, ws: number, weeks: string[], from: string, to: string): Promise<any[]> {
  const parts: string[] = [];
  const bindings: (string | number)[] = [];
  for (const w of weeks) {
    const start = w < from ? from : w;
    const end = addDays(w, 6) > to ? to : addDays(w, 6);
    parts.push('SELECT ? AS wk, COUNT(DISTINCT user_id) AS c FROM login_days WHERE workspace_id = ? AND day >= ? AND day <= ?');
    bindings.push(w, ws, start, end);
  }
  const result = await db.raw(parts.join(' UNION ALL '), bindings);
  return rawRows(result);
}

/** Credits consumed per day and category in [from, to]. */
export async function dailyCredits(db: Knex, ws: number, from: string, to: string): Promise<{ day: string; category: string; credits: number }[]> {
  const rows = await db('rollup_daily_credits')
    .select('day', 'category')
    .sum({ credits: 'credits' })
    .where({ workspace_id: ws })
    .whereBetween('day', [from, to])
    .groupBy('day', 'category');
  return rows.map((r: any) => ({ day: String(r.day).slice(0, 10), category: r.category, credits: n(r.credits) }));
}

/** Generations per surface and output (text/image) in [from, to]. */
export async function generationsBySurfaceOutput(db: Knex, ws: number, from: string, to: string): Promise<{ surface: string; output: string; g: number }[]> {
  const rows = await db('rollup_daily')
    .select('surface', 'output')
    .sum({ g: 'interactions' })
    .where({ workspace_id: ws, token_kind: 'inference' })
    .whereBetween('day', [from, to])
    .groupBy('surface', 'output');
  return rows.map((r: any) => ({ surface: r.surface, output: r.output, g: n(r.g) }));
}

export interface AgentUse {
  id: number;
  name: string;
  kind: string;
  type: string;
  runs: number;
}

/** Runs per agent in [from, to] (rollup_daily_agent), with the agent's name and kind. */
export async function agentRuns(db: Knex, ws: number, from: string, to: string): Promise<AgentUse[]> {
  const [rows, agents] = await Promise.all([
    db('rollup_daily_agent').select('agent_id').sum({ runs: 'interactions' }).where({ workspace_id: ws }).whereBetween('day', [from, to]).groupBy('agent_id'),
    agentMap(db, ws),
  ]);
  return rows
    .map((r: any) => {
      const a = agents.get(Number(r.agent_id));
      return { id: Number(r.agent_id), name: a?.name ?? `Agent #${r.agent_id}`, kind: a?.kind ?? 'custom', type: a?.type ?? 'general', runs: n(r.runs) };
    })
    .filter((a) => a.runs > 0);
}

/** A stamp of the agents' last change (names, kinds and types shown in the charts). */
export async function agentsStamp(db: Knex, ws: number): Promise<string> {
  const r = (await db('agents').where({ workspace_id: ws }).max({ m: 'updated_at' }).count({ c: '*' }).first()) as any;
  return `${r?.m ?? ''}/${r?.c ?? ''}`;
}

export async function agentMap(db: Knex, ws: number): Promise<Map<number, { name: string; kind: string; type: string; external_id: string }>> {
  const rows = await db('agents').select('id', 'name', 'kind', 'type', 'external_id').where({ workspace_id: ws });
  return new Map(rows.map((r: any) => [Number(r.id), { name: r.name, kind: r.kind, type: r.type, external_id: r.external_id }]));
}

export interface UserRef {
  id: number;
  name: string;
  email: string;
  status: string;
  department: string | null;
}

export async function userMap(db: Knex, ws: number): Promise<Map<number, UserRef>> {
  const rows = await db('users').select('id', 'name', 'email', 'status', 'department').where({ workspace_id: ws });
  return new Map(rows.map((r: any) => [Number(r.id), { id: Number(r.id), name: r.name, email: r.email, status: r.status, department: r.department }]));
}

/**
 * userMap kept per process while the roster stamp is unchanged (every write to a user moves it),
 * for the Usage charts that name users: at 20,000 users, reading the roster was most of such a
 * request. Shared between requests: read it, never change it.
 */
export async function rosterMap(db: Knex, ws: number): Promise<ReadonlyMap<number, UserRef>> {
  const stamp = await rosterStamp(db, ws);
  return memo(db, `usage:roster:${ws}`, stamp, () => userMap(db, ws));
}

/**
 * Inference generations per user per month for the given months (rollup_monthly_user). The rollup
 * holds one inference row per (month, user), so no GROUP BY (and no temporary table) is needed.
 */
export async function monthlyUserGenerations(db: Knex, ws: number, months: string[]): Promise<{ user_id: number; month: string; g: number }[]> {
  const rows = await db('rollup_monthly_user')
    .select('user_id', 'month', 'interactions')
    .where({ workspace_id: ws, token_kind: 'inference' })
    .whereBetween('month', [months[0], months[months.length - 1]]);
  return rows.map((r: any) => ({ user_id: Number(r.user_id), month: r.month, g: n(r.interactions) }));
}

/**
 * Generations per surface of the given users over the months (rollup_monthly_user_surface). The
 * months and users are IN lists, so MySQL reads point ranges of the primary key
 * (workspace_id, month, user_id, ...) instead of every user's rows of the months.
 */
export async function userSurfaceGenerations(db: Knex, ws: number, months: string[], userIds: number[]): Promise<{ user_id: number; surface: string; g: number }[]> {
  if (!userIds.length) return [];
  const rows = await db('rollup_monthly_user_surface')
    .select('user_id', 'surface')
    .sum({ g: 'interactions' })
    .where({ workspace_id: ws })
    .whereIn('month', months)
    .whereIn('user_id', userIds)
    .groupBy('user_id', 'surface');
  return rows.map((r: any) => ({ user_id: Number(r.user_id), surface: r.surface, g: n(r.g) }));
}

/**
 * Agent runs per user in one calendar month (rollup_monthly_user_agent). With the month fixed, the
 * primary key (workspace_id, month, user_id, agent_id) is already in user order, so the GROUP BY
 * streams without a temporary table.
 */
export async function monthAgentRuns(db: Knex, ws: number, month: string): Promise<{ user_id: number; total: number }[]> {
  const rows = await db('rollup_monthly_user_agent').select('user_id').sum({ total: 'interactions' }).where({ workspace_id: ws, month }).groupBy('user_id');
  return rows.map((r: any) => ({ user_id: Number(r.user_id), total: n(r.total) })).filter((r) => r.total > 0);
}

/** Agent runs per agent of the given users over the months (rollup_monthly_user_agent, point ranges). */
export async function userAgentRuns(db: Knex, ws: number, months: string[], userIds: number[]): Promise<{ user_id: number; agent_id: number; g: number }[]> {
  if (!userIds.length) return [];
  const rows = await db('rollup_monthly_user_agent')
    .select('user_id', 'agent_id')
    .sum({ g: 'interactions' })
    .where({ workspace_id: ws })
    .whereIn('month', months)
    .whereIn('user_id', userIds)
    .groupBy('user_id', 'agent_id');
  return rows.map((r: any) => ({ user_id: Number(r.user_id), agent_id: Number(r.agent_id), g: n(r.g) }));
}

export interface GroupSize {
  id: number;
  name: string;
  members: number;
  knowledge: boolean;
  brandVoice: boolean;
}

/** Active groups with their count of active members and the IQ resources applied. */
export async function groupSizes(db: Knex, ws: number): Promise<GroupSize[]> {
  const [groups, counts] = await Promise.all([
    db('groups').select('id', 'name', 'knowledge_applied', 'brand_voice_applied').where({ workspace_id: ws, status: 'active' }).orderBy('name').orderBy('id'),
    db('group_members as gm')
    .join('users as u', 'u.id', 'gm.user_id')
    .select('gm.group_id')
    .count({ c: '*' })
    .where('gm.workspace_id', ws)
    .where('u.workspace_id', ws)
    .where('u.status', 'active')
    .groupBy('gm.group_id'),
  ]);
  const byGroup = new Map(counts.map((r: any) => [Number(r.group_id), n(r.c)]));
  return groups.map((g: any) => ({
    id: Number(g.id),
    name: g.name,
    members: byGroup.get(Number(g.id)) ?? 0,
    knowledge: !!g.knowledge_applied,
    brandVoice: !!g.brand_voice_applied,
  }));
}

// ---- The five Usage exports: row sources in file order (streamed), and the lookups they join.

/** The generation log's stored columns, which the database may format instead (see generationLogQuery). */
const GENERATION_STORED = ['occurred_at', 'day', 'prompt_tokens', 'completion_tokens', 'total_tokens'];

/**
 * Generations of the range, on the (workspace_id, day, occurred_at, id) index in its order: no sort,
 * no joins. `stored`: the SELECT of the stored columns (by default the columns themselves; for a
 * download, databaseFormatted's ready CSV segments of them).
 */
export function generationLogQuery(db: Knex, ws: number, from: string, to: string, stored: (string | Knex.Raw)[] = GENERATION_STORED): Knex.QueryBuilder {
  return db('interactions')
    .select('user_id', 'agent_id', 'output', 'surface', 'iq_layers', 'model', ...stored)
    .where('workspace_id', ws)
    .whereBetween('day', [from, to])
    .where('token_kind', 'inference')
    .orderBy([{ column: 'day' }, { column: 'occurred_at' }, { column: 'id' }]);
}

export function loginDaysQuery(db: Knex, ws: number, from: string, to: string): Knex.QueryBuilder {
  return db('login_days')
    .select('day', 'user_id', 'logins', 'first_at', 'last_at')
    .where('workspace_id', ws)
    .whereBetween('day', [from, to])
    .orderBy([{ column: 'day' }, { column: 'user_id' }]);
}

/** First and last activity per user (user_activity). */
export async function userActivityLookup(db: Knex, ws: number): Promise<ActivityLookup> {
  const rows = await db('user_activity').select('user_id', 'first_at', 'last_at').where('workspace_id', ws);
  return new Map(rows.map((a: any) => [Number(a.user_id), { first_at: a.first_at, last_at: a.last_at }]));
}

export function rosterQuery(db: Knex, ws: number): Knex.QueryBuilder {
  return db('users')
    .select('id', 'email', 'name', 'role', 'department', 'status', 'invited_at', 'joined_at', 'revoked_at')
    .where('workspace_id', ws)
    .orderBy([{ column: 'name' }, { column: 'id' }]);
}

/** Runs and last day of use per agent in the range (rollup_daily_agent). */
export async function agentUseLookup(db: Knex, ws: number, from: string, to: string): Promise<AgentUseLookup> {
  const useRows = await db('rollup_daily_agent')
    .select('agent_id')
    .sum({ runs: 'interactions' })
    .max({ last_day: 'day' })
    .where('workspace_id', ws)
    .whereBetween('day', [from, to])
    .groupBy('agent_id');
  return new Map(useRows.map((u: any) => [Number(u.agent_id), { runs: Number(u.runs ?? 0), last_day: u.last_day ? String(u.last_day).slice(0, 10) : null }]));
}

export function customAgentsQuery(db: Knex, ws: number): Knex.QueryBuilder {
  return db('agents')
    .select('id', 'external_id', 'name', 'type', 'visibility', 'status', 'creator_user_id', 'created_at')
    .where({ workspace_id: ws, kind: 'custom' })
    .orderBy([{ column: 'name' }, { column: 'id' }]);
}

/** Active members of active groups. */
export function groupMembersQuery(db: Knex, ws: number): Knex.QueryBuilder {
  return db('groups as g')
    .join('group_members as gm', 'gm.group_id', 'g.id')
    .join('users as u', 'u.id', 'gm.user_id')
    .select('g.external_id', 'g.name as group_name', 'g.knowledge_applied', 'g.brand_voice_applied', 'u.email', 'u.name', 'u.department', 'gm.added_at')
    .where('g.workspace_id', ws)
    .where('g.status', 'active')
    .where('u.workspace_id', ws)
    .where('u.status', 'active')
    .orderBy([{ column: 'g.name' }, { column: 'g.id' }, { column: 'u.name' }, { column: 'u.id' }]);
}
