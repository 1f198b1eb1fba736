// The nouns of layered limits: metrics, periods, modes, scopes, a stored policy and an effective
// limit (a policy resolved for one user), shared by the decision, the queries and the pages.
import { timestampInSentence } from '../http/format';

export const METRICS = ['inference', 'embedding', 'credits'] as const;
export type Metric = (typeof METRICS)[number];
export const PERIODS = ['day', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];
export const MODES = ['soft', 'hard'] as const;
export type Mode = (typeof MODES)[number];
export const SCOPES = ['workspace', 'group', 'user'] as const;
export type Scope = (typeof SCOPES)[number];
/** member: each member's own usage against the amount; shared: the group's total against it */
export const APPLIES_TO = ['member', 'shared'] as const;
export type AppliesTo = (typeof APPLIES_TO)[number];

/** Where an effective limit comes from (the `source` field of the authorize answer). */
export type Source = 'user_override' | 'user_allocation' | 'group_member' | 'group_budget' | 'workspace_default';

export const METRIC_LABELS: Record<Metric, string> = { inference: 'inference tokens', embedding: 'embedding tokens', credits: 'credits' };
export const PERIOD_LABELS: Record<Period, string> = { day: 'day', week: 'week', month: 'month' };

/** A stored limit (a row of limit_policies, with its group's name). */
export interface Policy {
  id: number;
  scope: Scope;
  groupId: number | null;
  groupName: string | null;
  userId: number | null;
  appliesTo: AppliesTo;
  metric: Metric;
  period: Period;
  amount: number;
  mode: Mode;
  expiresAt: Date | null;
}

/** What the decision needs to know about the user asking. */
export interface Subject {
  id: number;
  email: string;
  /** the groups the user belongs to */
  groupIds: number[];
  /** today's per-user allocations (users.max_*_tokens, monthly); 0 = none */
  allocation: { inference: number; embedding: number };
}

/** A limit that applies to the user, resolved from the layers. */
export interface EffectiveLimit {
  /** null for the allocation, which lives on the user row */
  policyId: number | null;
  scope: Scope;
  name: string;
  metric: Metric;
  period: Period;
  amount: number;
  mode: Mode;
  source: Source;
  expiresAt: Date | null;
  /** whose usage counts: the user's own, or the group's total (a shared budget) */
  counts: { kind: 'user' } | { kind: 'group'; groupId: number };
}

/** Usage per metric over the periods in force (the current day, week and month). */
export type PeriodUsage = Record<Period, Record<Metric, number>>;

export function emptyUsage(): PeriodUsage {
  const z = () => ({ inference: 0, embedding: 0, credits: 0 });
  return { day: z(), week: z(), month: z() };
}

/** "500k", "1.2M": compact amounts for labels. */
export function compact(n: number): string {
  const abs = Math.abs(n);
  const fmt = (v: number, unit: string) => `${Number.isInteger(v) ? v : v.toFixed(1).replace(/\.0$/, '')}${unit}`;
  if (abs >= 1e9) return fmt(n / 1e9, 'B');
  if (abs >= 1e6) return fmt(Math.round(n / 1e5) / 10, 'M');
  if (abs >= 1e3) return fmt(Math.round(n / 1e2) / 10, 'k');
  return String(n);
}

/** "group Engineering, 500k inference tokens/month, hard" — where an effective limit comes from. */
export function describeLimit(l: Pick<EffectiveLimit, 'source' | 'name' | 'amount' | 'metric' | 'period' | 'mode' | 'expiresAt'>, zone = 'UTC'): string {
  const where: Record<Source, string> = {
    user_override: 'user override',
    user_allocation: 'user allocation',
    group_member: `group ${l.name}`,
    group_budget: `group ${l.name} budget (shared)`,
    workspace_default: 'workspace default',
  };
  const until = l.expiresAt ? `, until ${timestampInSentence(l.expiresAt, zone)}` : '';
  return `${where[l.source]}, ${compact(l.amount)} ${METRIC_LABELS[l.metric]}/${l.period}, ${l.mode}${until}`;
}
