// Scheduled reports: which periods are due (croner, in the workspace time zone: weeks start on
// Monday 00:00, months on the 1st), what a digest contains (the Usage cards with their changes, top
// users, credits used and the balance, users over or near their allocation), and its CSV files.
import type { Knex } from 'knex';
import { Cron } from 'croner';
import { addDays, daysBetween, dayOf, monthOfDay } from '../db/time';
import { NEAR_SHARE } from '../domain/limits';
import { buildCards, type Card } from '../usage/cards';
import type { UsageRange } from '../usage/range';
import { formatRow, headerRow } from '../csv/stream';
import { isCreditWorkspace, readPool, type CreditWorkspace } from '../credits/pool';
import { REPORT_EXPORTS, type DigestDayRow, type DigestUserRow } from './export-defs';

export type ReportPeriod = 'weekly' | 'monthly';

export const PERIOD_PATTERNS: Record<ReportPeriod, string> = { weekly: '0 0 * * 1', monthly: '0 0 1 * *' };

export interface Period {
  key: string;
  from: string;
  to: string;
  /** when the period ended (the report is due from then on) */
  endsAt: Date;
}

/**
 * The complete periods ending after `since` and at or before `now`, oldest first (at most `max`,
 * the most recent ones): what a subscription owes after downtime.
 */
export function completePeriods(period: ReportPeriod, zone: string, now: Date, since: Date, max = 3): Period[] {
  const cron = new Cron(PERIOD_PATTERNS[period], { timezone: zone, paused: true });
  // previousRuns: period boundaries before now, most recent first; consecutive pairs are periods.
  const bounds = cron.previousRuns(max + 1, new Date(now.getTime() + 1));
  const out: Period[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const end = bounds[i];
    const start = bounds[i + 1];
    if (end.getTime() <= since.getTime()) break;
    const from = dayOf(start, zone);
    const to = addDays(dayOf(end, zone), -1);
    out.push({ key: period === 'weekly' ? `week:${from}` : `month:${monthOfDay(from)}`, from, to, endsAt: end });
  }
  return out.reverse();
}

/** The period before `p` (same kind), for the cards' changes. */
export function previousPeriod(period: ReportPeriod, p: Period): { from: string; to: string } {
  if (period === 'weekly') return { from: addDays(p.from, -7), to: addDays(p.from, -1) };
  const to = addDays(p.from, -1);
  return { from: `${monthOfDay(to)}-01`, to };
}

export interface Digest {
  workspace: { id: number; name: string; slug: string; time_zone: string };
  period: ReportPeriod;
  from: string;
  to: string;
  cards: Card[];
  previousLabel: string;
  topUsers: { email: string; name: string; total_tokens: number; interactions: number }[];
  credits: { used: number; previous: number; balance: number | null } | null;
  allocation: { email: string; name: string; used: number; allocation: number; percent: number }[];
  users: DigestUserRow[];
  days: DigestDayRow[];
}


export async function buildDigest(db: Knex, workspaceId: number, period: ReportPeriod, p: { from: string; to: string }, now = new Date()): Promise<Digest> {
  const ws = await db('workspaces').where({ id: workspaceId }).first();
  const zone = ws.time_zone as string;
  const prev = previousPeriod(period, { key: '', from: p.from, to: p.to, endsAt: now });
  const range: UsageRange = {
    from: p.from,
    to: p.to,
    includeToday: false,
    today: addDays(p.to, 1),
    lastDay: p.to,
    windowStart: prev.from,
    notes: [],
    preset: 'custom',
    days: daysBetween(p.from, p.to) + 1,
    prevFrom: prev.from,
    prevTo: prev.to,
    timeZone: zone,
  };
  const cards = await buildCards(db, workspaceId, range);

  const users = await db('users').select('id', 'email', 'name', 'max_inference_tokens').where({ workspace_id: workspaceId });
  const byId = new Map(users.map((u: { id: number }) => [Number(u.id), u]));
  const perUser = await db('rollup_daily_user').select('user_id').sum({ t: 'total_tokens', n: 'interactions' }).where({ workspace_id: workspaceId }).whereBetween('day', [p.from, p.to]).groupBy('user_id');
  const creditsPerUser = await db('rollup_daily_user_credits').select('user_id').sum({ c: 'credits' }).where({ workspace_id: workspaceId }).whereBetween('day', [p.from, p.to]).groupBy('user_id');
  const creditOf = new Map((creditsPerUser as unknown as { user_id: number; c: number }[]).map((r) => [Number(r.user_id), Number(r.c)]));
  const userRows: DigestUserRow[] = (perUser as unknown as { user_id: number; t: number; n: number }[])
    .map((r) => {
      const u = byId.get(Number(r.user_id)) as { email: string; name: string; max_inference_tokens: number } | undefined;
      return { email: u?.email ?? '', name: u?.name ?? '', interactions: Number(r.n), total_tokens: Number(r.t), credits: creditOf.get(Number(r.user_id)) ?? 0, allocation: Number(u?.max_inference_tokens ?? 0) };
    })
    .sort((a, b) => b.total_tokens - a.total_tokens || a.email.localeCompare(b.email));

  const daily = await db('rollup_daily').select('day').sum({ t: 'total_tokens', n: 'interactions' }).where({ workspace_id: workspaceId }).whereBetween('day', [p.from, p.to]).groupBy('day');
  const dailyCredits = await db('rollup_daily_credits').select('day').sum({ c: 'credits' }).where({ workspace_id: workspaceId }).whereBetween('day', [p.from, p.to]).groupBy('day');
  const dayMap = new Map<string, DigestDayRow>();
  for (let d = p.from; d <= p.to; d = addDays(d, 1)) dayMap.set(d, { day: d, interactions: 0, total_tokens: 0, credits: 0 });
  for (const r of daily as unknown as { day: string; t: number; n: number }[]) Object.assign(dayMap.get(String(r.day).slice(0, 10)) ?? {}, { interactions: Number(r.n), total_tokens: Number(r.t) });
  for (const r of dailyCredits as unknown as { day: string; c: number }[]) {
    const row = dayMap.get(String(r.day).slice(0, 10));
    if (row) row.credits = Number(r.c);
  }
  const days = [...dayMap.values()];

  let credits: Digest['credits'] = null;
  if (isCreditWorkspace(ws)) {
    const prevUsed = await db('rollup_daily_credits').sum({ c: 'credits' }).where({ workspace_id: workspaceId }).whereBetween('day', [prev.from, prev.to]).first();
    const pool = await readPool(db, ws as CreditWorkspace, now);
    credits = { used: days.reduce((a, d) => a + d.credits, 0), previous: Number(prevUsed?.c ?? 0), balance: pool.available };
  }

  // Allocation use in the month the period ends in (allocations are monthly).
  const month = monthOfDay(p.to);
  const monthly = await db('rollup_monthly_user').select('user_id').sum({ t: 'total_tokens' }).where({ workspace_id: workspaceId, month, token_kind: 'inference' }).groupBy('user_id');
  const allocation = (monthly as unknown as { user_id: number; t: number }[])
    .map((r) => {
      const u = byId.get(Number(r.user_id)) as { email: string; name: string; max_inference_tokens: number } | undefined;
      const alloc = Number(u?.max_inference_tokens ?? 0);
      return { email: u?.email ?? '', name: u?.name ?? '', used: Number(r.t), allocation: alloc, percent: alloc > 0 ? Math.round((Number(r.t) / alloc) * 1000) / 10 : 0 };
    })
    // near or over: the share every page calls near (src/domain/limits.ts), on the unrounded use
    .filter((r) => r.allocation > 0 && r.used >= NEAR_SHARE * r.allocation)
    .sort((a, b) => b.percent - a.percent);

  return {
    workspace: { id: workspaceId, name: ws.name, slug: ws.slug, time_zone: zone },
    period,
    from: p.from,
    to: p.to,
    cards: cards.cards,
    previousLabel: `${prev.from} to ${prev.to}`,
    topUsers: userRows.slice(0, 10).map(({ email, name, total_tokens, interactions }) => ({ email, name, total_tokens, interactions })),
    credits,
    allocation,
    users: userRows,
    days,
  };
}

/** The chosen CSV files of a digest, formula-safe like every export. */
export function digestAttachments(d: Digest, exportIds: string[]): { filename: string; content: string; contentType: string }[] {
  const out: { filename: string; content: string; contentType: string }[] = [];
  for (const def of REPORT_EXPORTS) {
    if (!exportIds.includes(def.id)) continue;
    const rows: unknown[] = def.id === 'report-users' ? d.users : d.days;
    const lines = [headerRow(def as never), ...rows.map((r) => formatRow(def as never, r as never))];
    out.push({ filename: `${d.workspace.slug}-${def.id}-${d.from}_${d.to}.csv`, content: lines.join('\r\n') + '\r\n', contentType: 'text/csv; charset=utf-8' });
  }
  return out;
}

