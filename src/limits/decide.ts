// The pure heart of limits: which limits apply to a user (the layers resolved), the period each
// one counts over, and the decision for a request. No database, no clock: callers pass `now`,
// the workspace's `today` and the usage read from the rollups, so tests compute answers by hand.
import { addDays, firstDayOfMonth, lastDayOfMonth, monthOfDay, weekStartOfDay } from '../db/time';
import {
  METRICS,
  METRIC_LABELS,
  PERIODS,
  type EffectiveLimit,
  type Metric,
  type Mode,
  type Period,
  type PeriodUsage,
  type Policy,
  type Subject,
  describeLimit,
} from './model';
import { formatNumber } from '../http/format';

/** The first and last reporting day of the period containing `today` (weeks start on Monday). */
export function periodBounds(today: string, period: Period): { start: string; end: string } {
  if (period === 'day') return { start: today, end: today };
  if (period === 'week') {
    const start = weekStartOfDay(today);
    return { start, end: addDays(start, 6) };
  }
  const month = monthOfDay(today);
  return { start: firstDayOfMonth(month), end: lastDayOfMonth(month) };
}

/** The last usageWindow answer: every authorize call asks for today's. */
let lastWindow: { today: string; window: Readonly<{ from: string; to: string }> } | null = null;

/** The earliest and latest day any period in force touches (one rollup read covers them all). */
export function usageWindow(today: string): Readonly<{ from: string; to: string }> {
  if (lastWindow?.today === today) return lastWindow.window;
  const w = periodBounds(today, 'week');
  const m = periodBounds(today, 'month');
  const window = Object.freeze({ from: w.start < m.start ? w.start : m.start, to: w.end > m.end ? w.end : m.end });
  lastWindow = { today, window };
  return window;
}

/** Adds a day's usage into the periods that contain it. */
export function addDayUsage(usage: PeriodUsage, today: string, day: string, metric: Metric, amount: number): void {
  for (const p of PERIODS) {
    const b = periodBounds(today, p);
    if (day >= b.start && day <= b.end) usage[p][metric] += amount;
  }
}

function isActive(p: Policy, now: Date): boolean {
  return p.expiresAt === null || p.expiresAt.getTime() > now.getTime();
}

/**
 * Whether `p` beats `best` within one layer: a temporary limit (one with an expiry) stands in for
 * the permanent one while it lasts; among several, the newest (highest id).
 */
function beats(p: Policy, best: Policy | undefined): boolean {
  if (!best) return true;
  if (!!p.expiresAt !== !!best.expiresAt) return !!p.expiresAt;
  return p.id > best.id;
}

export interface LayerNames {
  workspace: string;
  /** group id -> name */
  groups: Map<number, string>;
}

/** One (metric, period)'s pick of each layer among the policies active now. */
interface LayerPicks {
  user: Map<number, Policy>;
  member: Map<number, Policy>;
  shared: Map<number, Policy>;
  workspace: Policy | undefined;
}

/**
 * The active policies sorted into layers once, so resolving many users (User Management, Limit
 * status: every user of a workspace) costs a few map lookups per user, not a pass over the policies.
 */
export function pickLayers(policies: Policy[], now: Date): Map<string, LayerPicks> {
  const out = new Map<string, LayerPicks>();
  const put = (m: Map<number, Policy>, k: number, p: Policy) => {
    if (beats(p, m.get(k))) m.set(k, p);
  };
  for (const p of policies) {
    if (!isActive(p, now)) continue;
    const key = `${p.metric}:${p.period}`;
    let l = out.get(key);
    if (!l) out.set(key, (l = { user: new Map(), member: new Map(), shared: new Map(), workspace: undefined }));
    if (p.scope === 'user' && p.userId != null) put(l.user, p.userId, p);
    else if (p.scope === 'group' && p.groupId != null) put(p.appliesTo === 'shared' ? l.shared : l.member, p.groupId, p);
    else if (p.scope === 'workspace' && beats(p, l.workspace)) l.workspace = p;
  }
  return out;
}

/**
 * Every limit that applies to `user` now. Per (metric, period), the most specific layer that sets
 * a per-user limit wins: the user's override, else their allocation (monthly inference and
 * embedding, soft), else their groups' per-member limits (the most generous when several groups
 * set one), else the workspace default. Each shared group budget of the user's groups applies on
 * top. Expired policies are skipped here, so a temporary boost reverts by itself.
 */
export function resolveLimits(policies: Policy[], user: Subject, names: LayerNames, now: Date): EffectiveLimit[] {
  return resolvePicked(pickLayers(policies, now), user, names);
}

/** Whose usage counts for a per-user limit: one shared value (thousands of users resolve at once). */
const OWN: EffectiveLimit['counts'] = Object.freeze({ kind: 'user' as const });

const COMBOS = METRICS.flatMap((metric) => PERIODS.map((period) => ({ metric, period, key: `${metric}:${period}` })));

function fromPolicy(p: Policy, metric: Metric, period: Period, source: EffectiveLimit['source'], name: string, counts: EffectiveLimit['counts']): EffectiveLimit {
  return { policyId: p.id, scope: p.scope, name, metric, period, amount: p.amount, mode: p.mode, source, expiresAt: p.expiresAt, counts };
}

/** Of two groups' per-member limits, the more generous (ties: the soft one, then the older group). */
function moreGenerous(a: Policy, b: Policy): Policy {
  if (a.amount !== b.amount) return a.amount > b.amount ? a : b;
  if (a.mode !== b.mode) return a.mode === 'soft' ? a : b;
  return a.groupId! <= b.groupId! ? a : b;
}

/** resolveLimits over layers already picked by `pickLayers` (the same `now`); `perUserOnly` leaves the shared group budgets out. */
export function resolvePicked(layers: Map<string, LayerPicks>, user: Subject, names: LayerNames, perUserOnly = false): EffectiveLimit[] {
  const out: EffectiveLimit[] = [];
  let groupsSorted: number[] | null = null;
  for (const { metric, period, key } of COMBOS) {
    const l = layers.get(key);
    const own = l?.user.get(user.id);
    const allocation = period === 'month' && metric !== 'credits' ? user.allocation[metric] : 0;
    if (own) out.push(fromPolicy(own, metric, period, 'user_override', user.email, OWN));
    else if (allocation > 0) {
      out.push({ policyId: null, scope: 'user', name: user.email, metric, period, amount: allocation, mode: 'soft', source: 'user_allocation', expiresAt: null, counts: OWN });
    } else if (l) {
      // several groups: the most generous wins
      let g: Policy | undefined;
      if (l.member.size) {
        for (const gid of user.groupIds) {
          const p = l.member.get(gid);
          if (p) g = g ? moreGenerous(g, p) : p;
        }
      }
      if (g) out.push(fromPolicy(g, metric, period, 'group_member', names.groups.get(g.groupId!) ?? g.groupName ?? `group ${g.groupId}`, OWN));
      else if (l.workspace) out.push(fromPolicy(l.workspace, metric, period, 'workspace_default', names.workspace, OWN));
    }
    if (perUserOnly || !l?.shared.size || !user.groupIds.length) continue;
    groupsSorted ??= [...new Set(user.groupIds)].sort((a, b) => a - b);
    for (const gid of groupsSorted) {
      const s = l.shared.get(gid);
      if (s) out.push(fromPolicy(s, metric, period, 'group_budget', names.groups.get(gid) ?? s.groupName ?? `group ${gid}`, { kind: 'group', groupId: gid }));
    }
  }
  return out;
}

export type Decision = 'allow' | 'allow_with_warning' | 'deny';

/** What the request is about to use; a metric left out takes no part in the decision. */
export interface Requested {
  inference?: number;
  embedding?: number;
  credits?: number;
}

export interface LimitStatus {
  scope: EffectiveLimit['scope'];
  name: string;
  metric: Metric;
  period: Period;
  limit: number;
  used: number;
  remaining: number;
  mode: Mode;
  source: EffectiveLimit['source'];
  expires_at: string | null;
}

export interface DecisionResult {
  decision: Decision;
  reasons: string[];
  limits: LimitStatus[];
  /** the limits this request would take past their amount (for notifications and /me) */
  crossed: EffectiveLimit[];
}

export interface UsageBySubject {
  user: PeriodUsage;
  /** group id -> the group's total (shared budgets) */
  groups: Map<number, PeriodUsage>;
}

export function usedFor(l: EffectiveLimit, usage: UsageBySubject): number {
  const u = l.counts.kind === 'user' ? usage.user : usage.groups.get(l.counts.groupId);
  return u ? u[l.period][l.metric] : 0;
}

/**
 * The decision for a request: a limit is crossed when used + requested goes past its amount
 * (exactly at the amount is still within it). Any hard limit crossed denies; otherwise any soft
 * limit crossed allows with a warning. `denials` are reasons to deny found elsewhere (unknown or
 * revoked user, the credit quote).
 */
export function decide(limits: EffectiveLimit[], usage: UsageBySubject, requested: Requested, denials: string[] = []): DecisionResult {
  const reasons = [...denials];
  const warnings: string[] = [];
  const crossed: EffectiveLimit[] = [];
  let hard = denials.length > 0;
  const statuses: LimitStatus[] = limits.map((l) => {
    const used = usedFor(l, usage);
    const want = requested[l.metric];
    if (want !== undefined && used + want > l.amount) {
      crossed.push(l);
      const what = `${describeLimit(l)}: ${formatNumber(used)} used + ${formatNumber(want)} requested = ${formatNumber(used + want)} ${METRIC_LABELS[l.metric]}, over the limit of ${formatNumber(l.amount)}`;
      if (l.mode === 'hard') {
        hard = true;
        reasons.push(`Hard limit reached (${what}).`);
      } else warnings.push(`Soft limit exceeded (${what}); allowed with a warning.`);
    }
    return {
      scope: l.scope,
      name: l.name,
      metric: l.metric,
      period: l.period,
      limit: l.amount,
      used,
      remaining: Math.max(0, l.amount - used),
      mode: l.mode,
      source: l.source,
      expires_at: l.expiresAt ? l.expiresAt.toISOString() : null,
    };
  });
  const decision: Decision = hard ? 'deny' : warnings.length ? 'allow_with_warning' : 'allow';
  return { decision, reasons: [...reasons, ...warnings], limits: statuses, crossed };
}
