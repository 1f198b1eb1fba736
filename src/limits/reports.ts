// Limit reports: the per-group showback (usage and credits against each group budget, by month)
// and the limit status of every user (over limit, near limit, on track to exceed: the standings of
// src/limits/status.ts). Read from the rollups; months are bucketed in TypeScript from reporting days.
import type { Knex } from 'knex';
import { addMonths, firstDayOfMonth, lastDayOfMonth, monthOf, monthOfDay } from '../db/time';
import { usageNow } from '../reports/clock';
import type { LimitState } from '../domain/limits';
import type { EffectiveLimit, Metric } from './model';
import { limitedUsersOf } from './queries';
import { context } from './service';
import { standings } from './status';

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

export interface UserLimitStatus {
  id: number;
  name: string;
  email: string;
  state: LimitState;
  /** the limit that decides the state (the worst; ties: the most used) */
  limit: EffectiveLimit;
  used: number;
  share: number;
  projected: number;
  /** the highest share used of any of the user's limits */
  topShare: number;
}

/** Every non-revoked user with a per-user limit, with the state of their worst limit. */
export async function limitStatuses(db: Knex, ws: number, now: Date = usageNow()): Promise<UserLimitStatus[]> {
  const users = await limitedUsersOf(db, ws);
  const byId = await standings(db, ws, users, now);
  const out: UserLimitStatus[] = [];
  for (const u of users) {
    const s = byId.get(u.id);
    if (!s) continue;
    const w = s.standing.worst;
    out.push({ id: u.id, name: u.name, email: u.email, state: w.state, limit: w.limit, used: w.used, share: w.share, projected: w.projected, topShare: s.standing.topShare });
  }
  return out;
}
