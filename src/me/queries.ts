// A user's own figures for /me: their row, usage per month (rollup_monthly_user) and credits
// (rollup_daily_user_credits).
import type { Knex } from 'knex';
import { addMonths, firstDayOfMonth, lastDayOfMonth } from '../db/time';

export interface MonthUsage {
  month: string;
  generations: number;
  inferenceTokens: number;
  embeddingTokens: number;
}

/** The last `n` months (newest first), zero-filled. */
export async function myMonthlyUsage(db: Knex, workspaceId: number, userId: number, currentMonth: string, n = 6): Promise<MonthUsage[]> {
  const first = addMonths(currentMonth, -(n - 1));
  const rows = await db('rollup_monthly_user')
    .select('month', 'token_kind', 'interactions', 'total_tokens')
    .where({ workspace_id: workspaceId, user_id: userId })
    .whereBetween('month', [first, currentMonth]);
  const out = new Map<string, MonthUsage>();
  for (let i = 0; i < n; i++) {
    const m = addMonths(currentMonth, -i);
    out.set(m, { month: m, generations: 0, inferenceTokens: 0, embeddingTokens: 0 });
  }
  for (const r of rows as { month: string; token_kind: string; interactions: number; total_tokens: number }[]) {
    const u = out.get(r.month);
    if (!u) continue;
    if (r.token_kind === 'inference') {
      u.generations += Number(r.interactions);
      u.inferenceTokens += Number(r.total_tokens);
    } else u.embeddingTokens += Number(r.total_tokens);
  }
  return [...out.values()];
}

export interface MyCredits {
  credits: number;
  overage: number;
  events: number;
  byCategory: Record<string, number>;
}

/** Credits this user's actions cost in a calendar month. */
export async function myCredits(db: Knex, workspaceId: number, userId: number, month: string): Promise<MyCredits> {
  const rows = await db('rollup_daily_user_credits')
    .select('category')
    .sum({ credits: 'credits', overage: 'overage_credits', events: 'events' })
    .where({ workspace_id: workspaceId, user_id: userId })
    .whereBetween('day', [firstDayOfMonth(month), lastDayOfMonth(month)])
    .groupBy('category');
  const out: MyCredits = { credits: 0, overage: 0, events: 0, byCategory: { grid: 0, api: 0, agents: 0 } };
  for (const r of rows as { category: string; credits: number; overage: number; events: number }[]) {
    out.credits += Number(r.credits);
    out.overage += Number(r.overage);
    out.events += Number(r.events);
    out.byCategory[r.category] = (out.byCategory[r.category] ?? 0) + Number(r.credits);
  }
  return out;
}

export interface Me {
  id: number;
  name: string;
  email: string;
  role: string;
  may_spend_credits: number | boolean;
}

export async function findMe(db: Knex, userId: number): Promise<Me> {
  return db('users').select('id', 'name', 'email', 'role', 'may_spend_credits').where({ id: userId }).first();
}

/** Whether the user may already spend credits (no access request needed). */
export async function mayISpendCredits(db: Knex, userId: number): Promise<boolean> {
  const me = await db('users').select('may_spend_credits').where({ id: userId }).first();
  return !!me?.may_spend_credits;
}
