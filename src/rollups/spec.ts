// The one specification of the rollup tables: for each table its key, its counters (added on upsert),
// its first/last columns (kept as MIN/MAX), what one stored event contributes, and how the table is
// rebuilt from the raw rows. The write path's upkeep (src/rollups/upkeep.ts), the charge
// (src/credits/charge.ts), the rebuild command (src/rollups/rebuild.ts, `npm run rebuild-rollups`),
// the credit rebuild and the bench all read it; the schema itself is the migrations' (a test checks
// that every column named here exists on both engines).
import type { CreditCategory, Output, Surface, TokenKind } from '../domain/model';

/** One stored interaction, as the rollups see it (already normalised by the write path). */
export interface InteractionFacts {
  workspace_id: number;
  day: string;
  month: string;
  user_id: number;
  agent_id: number | null;
  token_kind: TokenKind;
  surface: Surface;
  output: Output;
  model: string;
  training: boolean;
  /** at least one IQ layer applied */
  iq: boolean;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** occurred_at as stored (DB time text) */
  at: string;
}

/** One stored platform login. */
export interface LoginFacts {
  workspace_id: number;
  day: string;
  user_id: number;
  at: string;
}

/** One charged billable interaction (what the credits engine decided for it). */
export interface ChargeFacts {
  workspace_id: number;
  day: string;
  user_id: number;
  category: CreditCategory;
  credits: number;
  /** the action's whole cost when it ran beyond what was allowed, else 0 */
  overage_credits: number;
}

export type Row = Record<string, unknown>;

/**
 * How the rebuild recomputes a table: `INSERT INTO table (columns) SELECT <exprs> FROM <from>
 * WHERE <where> GROUP BY <group>`. `:ws` is the workspace id; `{month}` stands for the engine's
 * 'YYYY-MM' of the `day` column (src/db/dialect.ts). `group` defaults to the key columns' expressions.
 */
export interface RebuildSql {
  from: string;
  where: string;
  select: Record<string, string>;
  group?: string[];
}

export interface RollupSpec {
  table: string;
  /** the table's primary key */
  keys: readonly string[];
  /** added onto an existing row */
  counters: readonly string[];
  /** keep the smaller / larger of the old and new value (first and last timestamps) */
  minCols?: readonly string[];
  maxCols?: readonly string[];
  /** what one stored interaction contributes (key + counter values), or null when it does not count here */
  interaction?: (f: InteractionFacts) => Row | null;
  /** what one stored login contributes */
  login?: (f: LoginFacts) => Row | null;
  /** what one charge contributes (upkept by the credits engine, inside the same transaction) */
  charge?: (f: ChargeFacts) => Row | null;
  rebuild: RebuildSql;
}

const b = (v: boolean) => (v ? 1 : 0);
const IQ_SQL = "SUM(CASE WHEN iq_layers <> '' THEN 1 ELSE 0 END)";
const OF_WS = 'workspace_id = :ws';
/** The credit counters recomputed from the charges stored on interactions. */
const CHARGE_SUMS = { events: 'COUNT(*)', credits: 'SUM(credits_charged)', overage_credits: 'SUM(CASE WHEN overage THEN credits_charged ELSE 0 END)' };

export const ROLLUPS = [
  {
    // Workspace totals per day: cards, weekly charts, generations by feature, token statistics.
    table: 'rollup_daily',
    keys: ['workspace_id', 'day', 'token_kind', 'surface', 'output'],
    counters: ['interactions', 'iq_interactions', 'training_interactions', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'training_tokens'],
    interaction: (f) => ({
      workspace_id: f.workspace_id,
      day: f.day,
      token_kind: f.token_kind,
      surface: f.surface,
      output: f.output,
      interactions: 1,
      iq_interactions: b(f.iq),
      training_interactions: b(f.training),
      prompt_tokens: f.prompt_tokens,
      completion_tokens: f.completion_tokens,
      total_tokens: f.total_tokens,
      training_tokens: f.training ? f.total_tokens : 0,
    }),
    rebuild: {
      from: 'interactions',
      where: OF_WS,
      select: {
        workspace_id: 'workspace_id',
        day: 'day',
        token_kind: 'token_kind',
        surface: 'surface',
        output: 'output',
        interactions: 'COUNT(*)',
        iq_interactions: IQ_SQL,
        training_interactions: 'SUM(CASE WHEN training THEN 1 ELSE 0 END)',
        prompt_tokens: 'SUM(prompt_tokens)',
        completion_tokens: 'SUM(completion_tokens)',
        total_tokens: 'SUM(total_tokens)',
        training_tokens: 'SUM(CASE WHEN training THEN total_tokens ELSE 0 END)',
      },
    },
  },
  {
    // Per model per day: token statistics by model, training or not.
    table: 'rollup_daily_model',
    keys: ['workspace_id', 'day', 'token_kind', 'model', 'training'],
    counters: ['interactions', 'total_tokens'],
    interaction: (f) => ({ workspace_id: f.workspace_id, day: f.day, token_kind: f.token_kind, model: f.model, training: f.training, interactions: 1, total_tokens: f.total_tokens }),
    rebuild: {
      from: 'interactions',
      where: OF_WS,
      select: { workspace_id: 'workspace_id', day: 'day', token_kind: 'token_kind', model: 'model', training: 'training', interactions: 'COUNT(*)', total_tokens: 'SUM(total_tokens)' },
    },
  },
  {
    // Per agent per day (interactions run through an agent).
    table: 'rollup_daily_agent',
    keys: ['workspace_id', 'day', 'agent_id'],
    counters: ['interactions', 'total_tokens'],
    interaction: (f) => (f.agent_id == null ? null : { workspace_id: f.workspace_id, day: f.day, agent_id: f.agent_id, interactions: 1, total_tokens: f.total_tokens }),
    rebuild: {
      from: 'interactions',
      where: `${OF_WS} AND agent_id IS NOT NULL`,
      select: { workspace_id: 'workspace_id', day: 'day', agent_id: 'agent_id', interactions: 'COUNT(*)', total_tokens: 'SUM(total_tokens)' },
    },
  },
  {
    // Per user per day: active users (last 30 days), per-user totals over exact day ranges.
    table: 'rollup_daily_user',
    keys: ['workspace_id', 'day', 'user_id', 'token_kind'],
    counters: ['interactions', 'iq_interactions', 'total_tokens'],
    interaction: (f) => ({ workspace_id: f.workspace_id, day: f.day, user_id: f.user_id, token_kind: f.token_kind, interactions: 1, iq_interactions: b(f.iq), total_tokens: f.total_tokens }),
    rebuild: {
      from: 'interactions',
      where: OF_WS,
      select: { workspace_id: 'workspace_id', day: 'day', user_id: 'user_id', token_kind: 'token_kind', interactions: 'COUNT(*)', iq_interactions: IQ_SQL, total_tokens: 'SUM(total_tokens)' },
    },
  },
  {
    // Per user per calendar month: user table (monthly, previous month, all time), heatmap.
    table: 'rollup_monthly_user',
    keys: ['workspace_id', 'month', 'user_id', 'token_kind'],
    counters: ['interactions', 'iq_interactions', 'prompt_tokens', 'completion_tokens', 'total_tokens'],
    interaction: (f) => ({
      workspace_id: f.workspace_id,
      month: f.month,
      user_id: f.user_id,
      token_kind: f.token_kind,
      interactions: 1,
      iq_interactions: b(f.iq),
      prompt_tokens: f.prompt_tokens,
      completion_tokens: f.completion_tokens,
      total_tokens: f.total_tokens,
    }),
    rebuild: {
      from: 'interactions',
      where: OF_WS,
      select: {
        workspace_id: 'workspace_id',
        month: '{month}',
        user_id: 'user_id',
        token_kind: 'token_kind',
        interactions: 'COUNT(*)',
        iq_interactions: IQ_SQL,
        prompt_tokens: 'SUM(prompt_tokens)',
        completion_tokens: 'SUM(completion_tokens)',
        total_tokens: 'SUM(total_tokens)',
      },
    },
  },
  {
    // Per user per month per surface (inference generations): top users by feature.
    table: 'rollup_monthly_user_surface',
    keys: ['workspace_id', 'month', 'user_id', 'surface'],
    counters: ['interactions'],
    interaction: (f) => (f.token_kind !== 'inference' ? null : { workspace_id: f.workspace_id, month: f.month, user_id: f.user_id, surface: f.surface, interactions: 1 }),
    rebuild: {
      from: 'interactions',
      where: `${OF_WS} AND token_kind = 'inference'`,
      select: { workspace_id: 'workspace_id', month: '{month}', user_id: 'user_id', surface: 'surface', interactions: 'COUNT(*)' },
    },
  },
  {
    // Per user per month per agent (inference generations): top users by agent type.
    table: 'rollup_monthly_user_agent',
    keys: ['workspace_id', 'month', 'user_id', 'agent_id'],
    counters: ['interactions'],
    interaction: (f) =>
      f.token_kind !== 'inference' || f.agent_id == null ? null : { workspace_id: f.workspace_id, month: f.month, user_id: f.user_id, agent_id: f.agent_id, interactions: 1 },
    rebuild: {
      from: 'interactions',
      where: `${OF_WS} AND token_kind = 'inference' AND agent_id IS NOT NULL`,
      select: { workspace_id: 'workspace_id', month: '{month}', user_id: 'user_id', agent_id: 'agent_id', interactions: 'COUNT(*)' },
    },
  },
  {
    // Credits consumed per day per category (what the charge decided for each billable interaction).
    table: 'rollup_daily_credits',
    keys: ['workspace_id', 'day', 'category'],
    counters: ['events', 'credits', 'overage_credits'],
    charge: (f) => ({ workspace_id: f.workspace_id, day: f.day, category: f.category, events: 1, credits: f.credits, overage_credits: f.overage_credits }),
    rebuild: {
      from: 'interactions',
      where: `${OF_WS} AND credit_category IS NOT NULL`,
      select: { workspace_id: 'workspace_id', day: 'day', category: 'credit_category', ...CHARGE_SUMS },
    },
  },
  {
    // Credits per user per day per category: the credits page's per-user figures.
    table: 'rollup_daily_user_credits',
    keys: ['workspace_id', 'day', 'user_id', 'category'],
    counters: ['events', 'credits', 'overage_credits'],
    charge: (f) => ({ workspace_id: f.workspace_id, day: f.day, user_id: f.user_id, category: f.category, events: 1, credits: f.credits, overage_credits: f.overage_credits }),
    rebuild: {
      from: 'interactions',
      where: `${OF_WS} AND credit_category IS NOT NULL`,
      select: { workspace_id: 'workspace_id', day: 'day', user_id: 'user_id', category: 'credit_category', ...CHARGE_SUMS },
    },
  },
  {
    // Daily logins per user with the first and last of the day (also the user-activity-log export).
    table: 'login_days',
    keys: ['workspace_id', 'day', 'user_id'],
    counters: ['logins'],
    minCols: ['first_at'],
    maxCols: ['last_at'],
    login: (f) => ({ workspace_id: f.workspace_id, day: f.day, user_id: f.user_id, logins: 1, first_at: f.at, last_at: f.at }),
    rebuild: {
      from: 'logins',
      where: OF_WS,
      select: { workspace_id: 'workspace_id', day: 'day', user_id: 'user_id', logins: 'COUNT(*)', first_at: 'MIN(occurred_at)', last_at: 'MAX(occurred_at)' },
    },
  },
  {
    // All-time per user (in all and per token kind): the user list's total columns and sorts, one
    // primary-key lookup per user (migrations/202612071110_user_totals.ts).
    table: 'user_totals',
    keys: ['workspace_id', 'user_id'],
    counters: ['interactions', 'total_tokens', 'inference_tokens', 'embedding_tokens'],
    interaction: (f) => ({
      workspace_id: f.workspace_id,
      user_id: f.user_id,
      interactions: 1,
      total_tokens: f.total_tokens,
      inference_tokens: f.token_kind === 'inference' ? f.total_tokens : 0,
      embedding_tokens: f.token_kind === 'inference' ? 0 : f.total_tokens,
    }),
    // Rebuilt from rollup_monthly_user (rebuilt before it: ROLLUPS order), which holds every
    // interaction per user, month and token kind: ~13 rows per user to add instead of every raw row
    // through the per-user index (5M interactions: 22 s -> under 1 s).
    rebuild: {
      from: 'rollup_monthly_user',
      where: OF_WS,
      select: {
        workspace_id: 'workspace_id',
        user_id: 'user_id',
        interactions: 'SUM(interactions)',
        total_tokens: 'SUM(total_tokens)',
        inference_tokens: "SUM(CASE WHEN token_kind = 'inference' THEN total_tokens ELSE 0 END)",
        embedding_tokens: "SUM(CASE WHEN token_kind = 'inference' THEN 0 ELSE total_tokens END)",
      },
    },
  },
  {
    // First and last activity (interactions and logins) per user.
    table: 'user_activity',
    keys: ['workspace_id', 'user_id'],
    counters: [],
    minCols: ['first_at'],
    maxCols: ['last_at'],
    interaction: (f) => ({ workspace_id: f.workspace_id, user_id: f.user_id, first_at: f.at, last_at: f.at }),
    login: (f) => ({ workspace_id: f.workspace_id, user_id: f.user_id, first_at: f.at, last_at: f.at }),
    rebuild: {
      from: `(
        SELECT user_id, MIN(occurred_at) AS f, MAX(occurred_at) AS l FROM interactions WHERE workspace_id = :ws GROUP BY user_id
        UNION ALL
        SELECT user_id, MIN(occurred_at) AS f, MAX(occurred_at) AS l FROM logins WHERE workspace_id = :ws GROUP BY user_id
      ) AS x`,
      where: '1 = 1',
      select: { workspace_id: ':ws', user_id: 'user_id', first_at: 'MIN(f)', last_at: 'MAX(l)' },
      group: ['user_id'],
    },
  },
] as const satisfies readonly RollupSpec[];

export type RollupTable = (typeof ROLLUPS)[number]['table'];

/** Every rollup table, in rebuild order (rollup_daily_credits before the credit tables derived from it). */
export const ROLLUP_TABLES: readonly RollupTable[] = ROLLUPS.map((r) => r.table);

export function rollupSpec(table: RollupTable): RollupSpec {
  return ROLLUPS.find((r) => r.table === table)!;
}

/** The rollups one kind of source event feeds. */
export const INTERACTION_ROLLUPS: readonly RollupSpec[] = ROLLUPS.filter((r: RollupSpec) => r.interaction);
/**
 * The interaction rollups keyed by user: concurrent batches share their rows only for the same
 * users, so the write path applies them after its commit, a part of the roster at a time
 * (src/rollups/deferred.ts). The others (workspace-wide rows every batch adds to) stay in the
 * batch's transaction.
 */
export const PER_USER_INTERACTION_ROLLUPS: readonly RollupSpec[] = INTERACTION_ROLLUPS.filter((r) => r.keys.includes('user_id'));
export const SHARED_INTERACTION_ROLLUPS: readonly RollupSpec[] = INTERACTION_ROLLUPS.filter((r) => !r.keys.includes('user_id'));
export const LOGIN_ROLLUPS: readonly RollupSpec[] = ROLLUPS.filter((r: RollupSpec) => r.login);
export const CHARGE_ROLLUPS: readonly RollupSpec[] = ROLLUPS.filter((r: RollupSpec) => r.charge);

/** Every column a spec names (keys, counters, first/last), for the schema check. */
export function specColumns(r: RollupSpec): string[] {
  return [...r.keys, ...r.counters, ...(r.minCols ?? []), ...(r.maxCols ?? [])];
}
