// All SQL of limits: policies, the stamps that version the cache, the user asking, group
// memberships, and usage per day read from the per-user rollups (never from raw interactions).
import type { Knex } from 'knex';
import { fromDbTime, monthOfDay, toDbTime } from '../db/time';
import { isSQLite, maxInList, rawRows } from '../db/dialect';
import { CREDIT_STAMP_SQL, type CreditWorkspace } from '../credits/pool';
import { addDayUsage, periodBounds } from './decide';
import { INTERACTIONS_TOP_SQL } from '../reports/memo';
import { emptyUsage, type AppliesTo, type Metric, type Mode, type Period, type PeriodUsage, type Policy, type Scope } from './model';

interface PolicyRow {
  id: number;
  scope: Scope;
  group_id: number | null;
  group_name: string | null;
  user_id: number | null;
  user_email: string | null;
  applies_to: AppliesTo;
  metric: Metric;
  period: Period;
  amount: number | string;
  mode: Mode;
  expires_at: string | null;
  note: string | null;
  updated_at: string;
}

export interface PolicyRecord extends Policy {
  userEmail: string | null;
  note: string | null;
  updatedAt: string;
}

function toPolicy(r: PolicyRow): PolicyRecord {
  return {
    id: Number(r.id),
    scope: r.scope,
    groupId: r.group_id == null ? null : Number(r.group_id),
    groupName: r.group_name,
    userId: r.user_id == null ? null : Number(r.user_id),
    userEmail: r.user_email,
    appliesTo: r.applies_to,
    metric: r.metric,
    period: r.period,
    amount: Number(r.amount),
    mode: r.mode,
    expiresAt: fromDbTime(r.expires_at),
    note: r.note,
    updatedAt: String(r.updated_at),
  };
}

const POLICY_COLUMNS = ['p.id', 'p.scope', 'p.group_id', 'g.name as group_name', 'p.user_id', 'u.email as user_email', 'p.applies_to', 'p.metric', 'p.period', 'p.amount', 'p.mode', 'p.expires_at', 'p.note', 'p.updated_at'];

function policyQuery(db: Knex, ws: number) {
  return db('limit_policies as p')
    .leftJoin('groups as g', 'g.id', 'p.group_id')
    .leftJoin('users as u', 'u.id', 'p.user_id')
    .select(POLICY_COLUMNS)
    .where('p.workspace_id', ws);
}

/** Every policy of the workspace (expired ones too: the page shows them), layer by layer. */
export async function listPolicies(db: Knex, ws: number): Promise<PolicyRecord[]> {
  const rows: PolicyRow[] = await policyQuery(db, ws).orderBy([{ column: 'p.scope', order: 'desc' }, { column: 'g.name' }, { column: 'u.email' }, { column: 'p.metric' }, { column: 'p.period' }, { column: 'p.id' }]);
  return rows.map(toPolicy);
}

export async function findPolicy(db: Knex, ws: number, id: number): Promise<PolicyRecord | null> {
  const r: PolicyRow | undefined = await policyQuery(db, ws).where('p.id', id).first();
  return r ? toPolicy(r) : null;
}

export interface PolicyInput {
  scope: Scope;
  groupId: number | null;
  userId: number | null;
  appliesTo: AppliesTo;
  metric: Metric;
  period: Period;
  amount: number;
  mode: Mode;
  expiresAt: Date | null;
  note: string | null;
}

function policyColumns(p: PolicyInput) {
  return {
    scope: p.scope,
    group_id: p.groupId,
    user_id: p.userId,
    applies_to: p.appliesTo,
    metric: p.metric,
    period: p.period,
    amount: p.amount,
    mode: p.mode,
    expires_at: p.expiresAt ? toDbTime(p.expiresAt) : null,
    note: p.note,
  };
}

export async function insertPolicy(db: Knex, ws: number, p: PolicyInput, actorId: number | null): Promise<number> {
  const now = toDbTime(new Date());
  const [id] = await db('limit_policies').insert({ workspace_id: ws, ...policyColumns(p), created_by_user_id: actorId, created_at: now, updated_at: now });
  return Number(id);
}

export async function updatePolicy(db: Knex, ws: number, id: number, p: PolicyInput): Promise<void> {
  await db('limit_policies').where({ workspace_id: ws, id }).update({ ...policyColumns(p), updated_at: toDbTime(new Date()) });
}

export async function deletePolicy(db: Knex, ws: number, id: number): Promise<void> {
  await db('limit_policies').where({ workspace_id: ws, id }).delete();
}

/**
 * A stamp of what the per-workspace limits context is built from: the workspace's name and time
 * zone, its policies and its groups, as columns over `workspaces w` (bindings: the workspace id,
 * twice). Any add, edit or removal of a policy changes it (count and newest updated_at), and so
 * does every roster write of a group (upsertGroup stamps groups.updated_at, membership changes
 * included). group_members itself is not read here: scanning it on every authorize call cost more
 * than the rest of the call; a membership written some other way is seen within the cache's TTL.
 */
function contextStampSql(db: Knex): string {
  return (
    "w.name AS ws_name, w.time_zone AS ws_time_zone, " +
    "(SELECT CONCAT_WS('/', COUNT(*), MAX(updated_at)) FROM limit_policies WHERE workspace_id = ?) AS policies_stamp, " +
    `(SELECT CONCAT_WS('/', COUNT(*), MAX(updated_at)) FROM ${quoted(db, 'groups')} WHERE workspace_id = ?) AS groups_stamp`
  );
}

function stampOf(r: Record<string, unknown> | undefined): string {
  return ['ws_name', 'ws_time_zone', 'policies_stamp', 'groups_stamp'].map((k) => String(r?.[k] ?? '')).join('|');
}

/** An identifier quoted for the engine (`groups` is a reserved word on MySQL). */
function quoted(db: Knex, name: string): string {
  return isSQLite(db) ? `"${name}"` : `\`${name}\``;
}

/** The limits context's stamp: one round trip over the workspace row and two small tables. */
export async function contextStamp(db: Knex, ws: number): Promise<string> {
  return stampOf(rawRows(await db.raw(`SELECT ${contextStampSql(db)} FROM workspaces w WHERE w.id = ?`, [ws, ws, ws]))[0]);
}

const ASKING_COLUMNS = ['id', 'email', 'name', 'status', 'max_inference_tokens', 'max_embedding_tokens'] as const;

/** A users row (its columns optionally prefixed) in the shape the limits need; null when absent. */
export function askingUserOf(row: Record<string, unknown> | undefined, prefix = ''): AskingUser | null {
  if (!row || row[`${prefix}id`] == null) return null;
  return {
    id: Number(row[`${prefix}id`]),
    email: String(row[`${prefix}email`]),
    name: String(row[`${prefix}name`] ?? ''),
    status: String(row[`${prefix}status`]),
    max_inference_tokens: Number(row[`${prefix}max_inference_tokens`]),
    max_embedding_tokens: Number(row[`${prefix}max_embedding_tokens`]),
  };
}

/** The asking user with what a credit quote needs of them. */
export interface AuthorizingUser extends AskingUser {
  may_spend_credits: boolean;
}

function authorizingUserOf(row: Record<string, unknown> | undefined, prefix = ''): AuthorizingUser | null {
  const user = askingUserOf(row, prefix);
  return user && { ...user, may_spend_credits: !!Number(row![`${prefix}may_spend_credits`]) };
}

/** What an authorize call reads first (authorizeRead). */
export interface AuthorizeRead {
  /** the workspace's settings a decision uses; null when there is no such workspace */
  workspace: CreditWorkspace | null;
  /** the user named by email (null: not one of the workspace's emails, findAuthorizingUserByExternalId then looks) */
  user: AuthorizingUser | null;
  /** the limits context's stamp (contextStamp) */
  stamp: string;
  /** MAX(id) of interactions, for the workspace's data version */
  interactionsTop: number;
  /** the credit pool's stamp (CREDIT_STAMP_SQL) */
  creditStamp: string;
  /** the key to confirm is still active (undefined when none was given) */
  keyActive?: boolean;
}

const WORKSPACE_COLUMNS = ['id', 'time_zone', 'billing_mode', 'payg_enabled', 'payg_monthly_cap', 'included_credits_per_period', 'grid_free_test_rows'] as const;
const AUTHORIZING_COLUMNS = [...ASKING_COLUMNS, 'may_spend_credits'] as const;
/** The statement's text per engine and shape (with or without a key to confirm): built once. */
const readSql = new Map<string, string>();

/**
 * Everything an authorize call reads while its caches are valid, in one statement: the workspace's
 * settings (its limits context and its credit quote use them), the user named by email, the limits
 * context's stamp, MAX(id) of interactions for the workspace's data version, the credit pool's
 * stamp and, for a key the API layer took on trust (see authenticate's confirmLater), whether it is
 * still active. The text is built once per engine and shape and sent as is.
 */
export async function authorizeRead(db: Knex, ws: number, ident: string, key?: { sql: string; bindings: Knex.Value[] }): Promise<AuthorizeRead> {
  const shape = `${isSQLite(db) ? 'sqlite' : 'mysql'}:${key ? key.sql : ''}`;
  let sql = readSql.get(shape);
  if (!sql) {
    sql =
      `SELECT ${contextStampSql(db)}, ` +
      WORKSPACE_COLUMNS.map((c) => `w.${c} AS w_${c}`).join(', ') + ', ' +
      AUTHORIZING_COLUMNS.map((c) => `u.${c} AS u_${c}`).join(', ') +
      `, ${INTERACTIONS_TOP_SQL} AS top, ${CREDIT_STAMP_SQL} AS credit_stamp` +
      (key ? `, ${key.sql} AS key_active` : '') +
      ' FROM workspaces w LEFT JOIN users u ON u.workspace_id = w.id AND u.email = ? WHERE w.id = ?';
    readSql.set(shape, sql);
  }
  const email = ident.trim().toLowerCase();
  // policies and groups stamps, pending rollups (the data version), the credit stamp, the key, the user
  const row = rawRows(await db.raw(sql, [ws, ws, ws, ws, ...(key?.bindings ?? []), email, ws]))[0];
  const workspace = row ? (Object.fromEntries(WORKSPACE_COLUMNS.map((c) => [c, row[`w_${c}`]])) as unknown as CreditWorkspace) : null;
  if (workspace) workspace.id = Number(workspace.id);
  return {
    workspace,
    user: authorizingUserOf(row, 'u_'),
    stamp: stampOf(row),
    interactionsTop: Number(row?.top ?? 0),
    creditStamp: String(row?.credit_stamp ?? ''),
    ...(key ? { keyActive: Number(row?.key_active ?? 0) > 0 } : {}),
  };
}

export interface WorkspaceLimitsRow {
  id: number;
  name: string;
  time_zone: string;
}

export async function workspaceRow(db: Knex, ws: number): Promise<WorkspaceLimitsRow | null> {
  return (await db('workspaces').select('id', 'name', 'time_zone').where({ id: ws }).first()) ?? null;
}

/** Group names of the workspace, and the members of groups that carry a limit (user -> groups). */
export async function groupsAndMembers(db: Knex, ws: number, limitedGroupIds: number[]): Promise<{ names: Map<number, string>; members: Map<number, number[]> }> {
  const names = new Map<number, string>();
  for (const g of await db('groups').select('id', 'name').where('workspace_id', ws)) names.set(Number(g.id), g.name);
  const members = new Map<number, number[]>();
  if (limitedGroupIds.length) {
    const rows = await db('group_members').select('group_id', 'user_id').where('workspace_id', ws).whereIn('group_id', limitedGroupIds);
    for (const r of rows) {
      const list = members.get(Number(r.user_id)) ?? [];
      list.push(Number(r.group_id));
      members.set(Number(r.user_id), list);
    }
  }
  return { names, members };
}

export interface AskingUser {
  id: number;
  email: string;
  name: string;
  status: string;
  max_inference_tokens: number;
  max_embedding_tokens: number;
}

/** The user a SCIM identity provider knows by `ident` (its externalId), or null. */
export async function findAuthorizingUserByExternalId(db: Knex, ws: number, ident: string): Promise<AuthorizingUser | null> {
  return authorizingUserOf(await db('users').select([...AUTHORIZING_COLUMNS]).where({ workspace_id: ws, scim_external_id: ident.trim() }).first());
}

interface DayRow {
  day: string;
  token_kind?: string;
  t?: number | string;
  c?: number | string;
}

function addRows(usage: PeriodUsage, today: string, tokens: DayRow[], credits: DayRow[]): PeriodUsage {
  for (const r of tokens) if (r.token_kind === 'inference' || r.token_kind === 'embedding') addDayUsage(usage, today, String(r.day).slice(0, 10), r.token_kind, Number(r.t));
  for (const r of credits) addDayUsage(usage, today, String(r.day).slice(0, 10), 'credits', Number(r.c));
  return usage;
}

/** One user's usage in the periods in force, from the daily user rollups (tokens and credits). */
export async function userUsage(db: Knex, ws: number, userId: number, today: string, from: string, to: string): Promise<PeriodUsage> {
  const usage = emptyUsage();
  const [tokens, credits]: [DayRow[], DayRow[]] = await Promise.all([
    db('rollup_daily_user').select('day', 'token_kind').sum({ t: 'total_tokens' }).where({ workspace_id: ws, user_id: userId }).whereBetween('day', [from, to]).groupBy('day', 'token_kind'),
    db('rollup_daily_user_credits').select('day').sum({ c: 'credits' }).where({ workspace_id: ws, user_id: userId }).whereBetween('day', [from, to]).groupBy('day'),
  ]) as any;
  return addRows(usage, today, tokens, credits);
}

/**
 * A group's total usage in the periods in force: the sum over `memberIds` (the group's current
 * members). An explicit id list lets both engines walk the (workspace, user, day) index per
 * member instead of scanning every user's days.
 */
export async function groupUsage(db: Knex, ws: number, memberIds: number[], today: string, from: string, to: string): Promise<PeriodUsage> {
  const usage = emptyUsage();
  for (let i = 0; i < memberIds.length; i += maxInList(db)) {
    const chunk = memberIds.slice(i, i + maxInList(db));
    const [tokens, credits]: [DayRow[], DayRow[]] = (await Promise.all([
      db('rollup_daily_user').select('day', 'token_kind').sum({ t: 'total_tokens' }).where('workspace_id', ws).whereIn('user_id', chunk).whereBetween('day', [from, to]).groupBy('day', 'token_kind'),
      db('rollup_daily_user_credits').select('day').sum({ c: 'credits' }).where('workspace_id', ws).whereIn('user_id', chunk).whereBetween('day', [from, to]).groupBy('day'),
    ])) as any;
    addRows(usage, today, tokens, credits);
  }
  return usage;
}

/** A user by id, in the shape the limits need. */
export async function askingUserById(db: Knex, ws: number, id: number): Promise<AskingUser | null> {
  return askingUserOf(await db('users').select([...ASKING_COLUMNS]).where({ workspace_id: ws, id }).first());
}

/** A (period, metric) some limit counts, e.g. `week:inference`. */
export type UsageNeed = `${Period}:${Metric}`;

/**
 * Per user, the usage of the current day, week and month (those in `needs` only), read set-wise:
 * one read per period and rollup, never one per user, never raw interactions. Month tokens come
 * from `rollup_monthly_user` (one row per user and kind), the rest from the per-user daily rollups
 * over the period's days, summed per user here: on MariaDB a GROUP BY of a week of 20,000 users'
 * days (87,000 rows) took 2-3 times as long as reading the rows and adding them up. `ids` narrows
 * the reads to those users (a page of a list); without it every user of the workspace is read.
 * Users without usage are absent.
 */
export async function periodUsageByUser(db: Knex, ws: number, today: string, needs: Iterable<UsageNeed>, ids?: number[]): Promise<Map<number, PeriodUsage>> {
  const out = new Map<number, PeriodUsage>();
  const need = new Set(needs);
  if (ids && !ids.length) return out;
  const at = (id: number) => out.get(id) ?? out.set(id, emptyUsage()).get(id)!;
  const chunks: (number[] | undefined)[] = [];
  if (ids) for (let i = 0; i < ids.length; i += maxInList(db)) chunks.push(ids.slice(i, i + maxInList(db)));
  else chunks.push(undefined);
  const reads: Promise<void>[] = [];
  for (const period of ['day', 'week', 'month'] as const) {
    const kinds = (['inference', 'embedding'] as const).filter((k) => need.has(`${period}:${k}`));
    const b = periodBounds(today, period);
    for (const chunk of chunks) {
      if (kinds.length) {
        const q =
          period === 'month'
            ? db('rollup_monthly_user').select('user_id', 'token_kind', 'total_tokens as t').where({ workspace_id: ws, month: monthOfDay(today) })
            : db('rollup_daily_user').select('user_id', 'token_kind', 'total_tokens as t').where('workspace_id', ws).whereBetween('day', [b.start, b.end]);
        q.whereIn('token_kind', kinds);
        if (chunk) q.whereIn('user_id', chunk);
        reads.push(
          q.then((rows: unknown) => {
            for (const r of rows as { user_id: number; token_kind: 'inference' | 'embedding'; t: number | string }[]) at(Number(r.user_id))[period][r.token_kind] += Number(r.t);
          }),
        );
      }
      if (need.has(`${period}:credits`)) {
        const q = db('rollup_daily_user_credits').select('user_id', 'credits as c').where('workspace_id', ws).whereBetween('day', [b.start, b.end]);
        if (chunk) q.whereIn('user_id', chunk);
        reads.push(
          q.then((rows: unknown) => {
            for (const r of rows as { user_id: number; c: number | string }[]) at(Number(r.user_id))[period].credits += Number(r.c);
          }),
        );
      }
    }
  }
  await Promise.all(reads);
  return out;
}

/** The users whose limits Limit status lists: everyone of the workspace but the revoked. */
export async function limitedUsersOf(db: Knex, ws: number): Promise<AskingUser[]> {
  const rows: Record<string, unknown>[] = await db('users').select([...ASKING_COLUMNS]).where('workspace_id', ws).whereNot('status', 'revoked');
  return rows.map((r) => askingUserOf(r)!);
}

/** What every user's limits are resolved from, narrow (the whole roster is read at once). */
export async function limitSubjectsOf(db: Knex, ws: number): Promise<{ id: number; email: string; status: string; max_inference_tokens: number; max_embedding_tokens: number }[]> {
  const rows = await db('users').select('id', 'status', 'max_inference_tokens', 'max_embedding_tokens').where('workspace_id', ws).whereNot('status', 'revoked');
  // the e-mail only names a user's own limits in words, which this read never shows
  for (const r of rows) {
    r.id = Number(r.id);
    r.email = '';
  }
  return rows;
}
