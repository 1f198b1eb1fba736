// Limit reports: the per-group showback (usage and credits against each group budget, by month)
// and the limit status of every user (over limit, near limit, on track to exceed). Read from the
// rollups; months are bucketed in TypeScript from reporting days.
import type { Knex } from 'knex';
import { addMonths, dayOf, firstDayOfMonth, lastDayOfMonth, monthOf, monthOfDay } from '../db/time';
import { periodBounds, usedFor } from './decide';
import { emptyUsage, type EffectiveLimit, type Metric, type PeriodUsage } from './model';
import { context, perUserLimits } from './service';
import { projectedUse } from './view-model';

export interface ShowbackRow {
  group_id: number;
  group: string;
  month: string;
  members: number;
  inference_tokens: number;
  embedding_tokens: number;
  credits: number;
  inference_budget: number | null;
  embedding_budget: number | null;
  credits_budget: number | null;
}

/** Per group and month (newest first), the last `months` calendar months including this one. */
export async function groupShowback(db: Knex, ws: number, months = 12, now: Date = new Date()): Promise<ShowbackRow[]> {
  const ctx = await context(db, ws);
  if (!ctx) return [];
  const last = monthOf(now, ctx.workspace.timeZone);
  const first = addMonths(last, -(months - 1));
  const groups: { id: number; name: string }[] = await db('groups').select('id', 'name').where({ workspace_id: ws, status: 'active' }).orderBy('name');
  if (!groups.length) return [];
  const memberCounts = new Map<number, number>();
  for (const r of (await db('group_members').select('group_id').count({ n: '*' }).where('workspace_id', ws).groupBy('group_id')) as any[]) memberCounts.set(Number(r.group_id), Number(r.n));
  const tokens = await db('rollup_monthly_user as r')
    .join('group_members as gm', (j) => j.on('gm.user_id', '=', 'r.user_id').andOn('gm.workspace_id', '=', 'r.workspace_id'))
    .select('gm.group_id', 'r.month', 'r.token_kind')
    .sum({ t: 'r.total_tokens' })
    .where('r.workspace_id', ws)
    .whereBetween('r.month', [first, last])
    .groupBy('gm.group_id', 'r.month', 'r.token_kind');
  const credits = await db('rollup_daily_user_credits as r')
    .join('group_members as gm', (j) => j.on('gm.user_id', '=', 'r.user_id').andOn('gm.workspace_id', '=', 'r.workspace_id'))
    .select('gm.group_id', 'r.day')
    .sum({ c: 'r.credits' })
    .where('r.workspace_id', ws)
    .whereBetween('r.day', [firstDayOfMonth(first), lastDayOfMonth(last)])
    .groupBy('gm.group_id', 'r.day');
  const key = (g: number, m: string) => `${g}:${m}`;
  const sums = new Map<string, { inference: number; embedding: number; credits: number }>();
  const at = (g: number, m: string) => {
    let s = sums.get(key(g, m));
    if (!s) sums.set(key(g, m), (s = { inference: 0, embedding: 0, credits: 0 }));
    return s;
  };
  for (const r of tokens as any[]) if (r.token_kind === 'inference' || r.token_kind === 'embedding') at(Number(r.group_id), String(r.month))[r.token_kind as 'inference' | 'embedding'] += Number(r.t);
  for (const r of credits as any[]) at(Number(r.group_id), monthOfDay(String(r.day).slice(0, 10))).credits += Number(r.c);
  // the group's shared monthly budgets in force now (temporary ones while they last)
  const budget = (g: number, metric: Metric): number | null => {
    const active = ctx.policies.filter((p) => p.scope === 'group' && p.appliesTo === 'shared' && p.groupId === g && p.metric === metric && p.period === 'month' && (!p.expiresAt || p.expiresAt > now));
    if (!active.length) return null;
    const temp = active.filter((p) => p.expiresAt).sort((a, b) => b.id - a.id)[0];
    return (temp ?? active.sort((a, b) => b.id - a.id)[0]).amount;
  };
  const out: ShowbackRow[] = [];
  for (const g of groups) {
    for (let m = last; m >= first; m = addMonths(m, -1)) {
      const s = sums.get(key(Number(g.id), m)) ?? { inference: 0, embedding: 0, credits: 0 };
      out.push({
        group_id: Number(g.id),
        group: g.name,
        month: m,
        members: memberCounts.get(Number(g.id)) ?? 0,
        inference_tokens: s.inference,
        embedding_tokens: s.embedding,
        credits: s.credits,
        inference_budget: budget(Number(g.id), 'inference'),
        embedding_budget: budget(Number(g.id), 'embedding'),
        credits_budget: budget(Number(g.id), 'credits'),
      });
    }
  }
  return out;
}

export const LIMIT_STATES = ['over', 'near', 'on_track_to_exceed', 'within'] as const;
export type LimitState = (typeof LIMIT_STATES)[number];
export const STATE_LABELS: Record<LimitState, string> = { over: 'Over limit', near: 'Near limit (80 %+)', on_track_to_exceed: 'On track to exceed', within: 'Within limits' };
/** Share of a limit at which a user counts as near it (the user table's threshold too). */
export const NEAR_SHARE = 0.8;

export interface UserLimitStatus {
  id: number;
  name: string;
  email: string;
  state: LimitState;
  /** the limit that decides the state (the most used one) */
  limit: EffectiveLimit;
  used: number;
  share: number;
  projected: number;
}

/** The state of one limit: over > near > on track to exceed (projected past it at the current pace) > within. */
export function stateOf(used: number, amount: number, projected: number): LimitState {
  if (used > amount) return 'over';
  if (used >= NEAR_SHARE * amount) return 'near';
  if (projected > amount) return 'on_track_to_exceed';
  return 'within';
}

const RANK: Record<LimitState, number> = { over: 0, near: 1, on_track_to_exceed: 2, within: 3 };

/** Every non-revoked user with a per-user limit, with the state of their worst limit. */
export async function limitStatuses(db: Knex, ws: number, now: Date = new Date()): Promise<UserLimitStatus[]> {
  const ctx = await context(db, ws);
  if (!ctx) return [];
  const today = dayOf(now, ctx.workspace.timeZone);
  const users: any[] = await db('users').select('id', 'name', 'email', 'max_inference_tokens', 'max_embedding_tokens').where('workspace_id', ws).whereNot('status', 'revoked');
  const limited = users.map((u) => ({ u, limits: perUserLimits(ctx, u, now) })).filter((x) => x.limits.length);
  if (!limited.length) return [];
  const usage = new Map<number, PeriodUsage>();
  const get = (id: number) => {
    let u = usage.get(id);
    if (!u) usage.set(id, (u = emptyUsage()));
    return u;
  };
  // one grouped read per period (a few thousand rows at most), not per user
  for (const period of ['day', 'week', 'month'] as const) {
    const b = periodBounds(today, period);
    const tokens = await db('rollup_daily_user').select('user_id', 'token_kind').sum({ t: 'total_tokens' }).where('workspace_id', ws).whereBetween('day', [b.start, b.end]).groupBy('user_id', 'token_kind');
    for (const r of tokens as any[]) if (r.token_kind === 'inference' || r.token_kind === 'embedding') get(Number(r.user_id))[period][r.token_kind as 'inference' | 'embedding'] += Number(r.t);
    const credits = await db('rollup_daily_user_credits').select('user_id').sum({ c: 'credits' }).where('workspace_id', ws).whereBetween('day', [b.start, b.end]).groupBy('user_id');
    for (const r of credits as any[]) get(Number(r.user_id))[period].credits += Number(r.c);
  }
  const out: UserLimitStatus[] = [];
  for (const { u, limits } of limited) {
    let best: UserLimitStatus | null = null;
    for (const l of limits) {
      const used = usedFor(l, { user: usage.get(Number(u.id)) ?? emptyUsage(), groups: new Map() });
      const b = periodBounds(today, l.period);
      const projected = projectedUse(used, today, b.start, b.end);
      const state = stateOf(used, l.amount, projected);
      const share = l.amount > 0 ? used / l.amount : used > 0 ? Infinity : 0;
      const cand: UserLimitStatus = { id: Number(u.id), name: u.name, email: u.email, state, limit: l, used, share, projected };
      if (!best || RANK[state] < RANK[best.state] || (RANK[state] === RANK[best.state] && share > best.share)) best = cand;
    }
    out.push(best!);
  }
  return out;
}
