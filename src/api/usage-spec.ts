// What the usage API (GET /api/v1/usage) can answer, written once as data: its metrics and
// dimensions, and for each rollup table the dimensions and metrics it holds. A request is answered
// by the first source that has every dimension it groups or filters by; no source = a 400 naming the
// combination. The docs (docs/read-api.md) and the OpenAPI document list the same table.

export const METRICS = ['tokens', 'interactions', 'credits', 'active_users', 'logins'] as const;
export type Metric = (typeof METRICS)[number];

export const DIMENSIONS = ['user', 'group', 'department', 'model', 'surface', 'agent', 'token_kind'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const BUCKETS = ['day', 'week', 'month', 'none'] as const;
export type Bucket = (typeof BUCKETS)[number];

/** How a source computes a metric: the sum of a counter, or distinct users with a row. */
export type MetricExpr = { sum: string } | { distinctUsers: true };

export interface UsageSource {
  table: string;
  /** the dimensions read from the table's own columns (dimension -> column) */
  columns: Partial<Record<Dimension, string>>;
  /** a user_id column: enables user, group (current membership) and department (current roster) */
  userColumn?: string;
  metrics: Partial<Record<Metric, MetricExpr>>;
  /** a month-grain twin for whole months (same dimensions and sums): used for long monthly reads */
  monthly?: { table: string; metrics: Partial<Record<Metric, MetricExpr>> };
}

const TOKENS = { tokens: { sum: 'total_tokens' }, interactions: { sum: 'interactions' } } as const;

/** In order of preference (smallest table first for the dimensions it covers). */
export const USAGE_SOURCES: UsageSource[] = [
  { table: 'rollup_daily', columns: { token_kind: 'token_kind', surface: 'surface' }, metrics: { ...TOKENS } },
  { table: 'rollup_daily_model', columns: { token_kind: 'token_kind', model: 'model' }, metrics: { ...TOKENS } },
  { table: 'rollup_daily_agent', columns: { agent: 'agent_id' }, metrics: { ...TOKENS } },
  {
    table: 'rollup_daily_user',
    columns: { token_kind: 'token_kind' },
    userColumn: 'user_id',
    metrics: { ...TOKENS, active_users: { distinctUsers: true } },
    monthly: { table: 'rollup_monthly_user', metrics: { ...TOKENS } },
  },
  { table: 'rollup_daily_credits', columns: {}, metrics: { credits: { sum: 'credits' } } },
  { table: 'rollup_daily_user_credits', columns: {}, userColumn: 'user_id', metrics: { credits: { sum: 'credits' } } },
  { table: 'login_days', columns: {}, userColumn: 'user_id', metrics: { logins: { sum: 'logins' } } },
];

const USER_DIMENSIONS: Dimension[] = ['user', 'group', 'department'];

export function sourceDimensions(s: UsageSource): Dimension[] {
  return [...(Object.keys(s.columns) as Dimension[]), ...(s.userColumn ? USER_DIMENSIONS : [])];
}

/** The source answering `metric` grouped or filtered by `dims`, or null when no rollup holds them together. */
export function pickSource(metric: Metric, dims: readonly Dimension[]): UsageSource | null {
  for (const s of USAGE_SOURCES) {
    if (!s.metrics[metric]) continue;
    const have = sourceDimensions(s);
    if (dims.every((d) => have.includes(d))) return s;
  }
  return null;
}

/** For the docs and the 400 message: the dimensions each metric can combine, one line per source. */
export function supportedCombinations(metric: Metric): Dimension[][] {
  return USAGE_SOURCES.filter((s) => s.metrics[metric]).map(sourceDimensions);
}
