// The burn rate of a pool (credits per day at the pace of the last 30 complete days) and the day
// the prepaid credits run out at that pace, packs drawn soonest-expiring first as the charge does.
import type { Knex } from 'knex';
import { addDays, dayOf, fromDbTime, today } from '../db/time';
import { creditsByCategory } from './reports';
import type { PoolState } from './pool';

export const BURN_DAYS = 30;
const DAY_MS = 86_400_000;

export interface Forecast {
  /** the 30 complete days the pace is measured over (through yesterday) */
  from: string;
  to: string;
  used: number;
  perDay: number;
  /** the local day the prepaid credits run out at this pace; null when nothing is used (or nothing is left) */
  runOutDay: string | null;
  /** days from now until then */
  runOutInDays: number | null;
  /** prepaid credits that expire unused at this pace before they can be drawn */
  expireUnused: number;
}

/**
 * Walks the live packs in draw order at `perDay` credits a day: a pack expiring before the pace
 * reaches its end loses the rest (the next pack takes over at its expiry), so the run-out date is
 * earlier than balance / pace when credits expire on the way.
 */
export function projectRunOut(pool: Pick<PoolState, 'available' | 'packs'>, perDay: number, now: Date): { days: number | null; expireUnused: number } {
  if (perDay <= 0 || pool.available <= 0) return { days: null, expireUnused: 0 };
  let t = 0; // days from now
  let lost = 0;
  for (const p of pool.packs) {
    if (p.remaining <= 0) continue;
    const exp = fromDbTime(p.expires_at);
    const expiresIn = exp ? (exp.getTime() - now.getTime()) / DAY_MS : Infinity;
    if (expiresIn <= t) {
      lost += p.remaining;
      continue;
    }
    const end = t + p.remaining / perDay;
    if (end > expiresIn) {
      lost += Math.round((end - expiresIn) * perDay);
      t = expiresIn;
    } else t = end;
  }
  return { days: t, expireUnused: lost };
}

export async function forecast(db: Knex, workspaceId: number, zone: string, pool: Pick<PoolState, 'available' | 'packs'>, now: Date = new Date()): Promise<Forecast> {
  const to = addDays(today(zone, now), -1);
  const from = addDays(to, -(BURN_DAYS - 1));
  const series = await creditsByCategory(db, workspaceId, from, to);
  const used = series.totals.total;
  const perDay = used / BURN_DAYS;
  const { days, expireUnused } = projectRunOut(pool, perDay, now);
  return {
    from,
    to,
    used,
    perDay,
    runOutDay: days == null ? null : dayOf(new Date(now.getTime() + days * DAY_MS), zone),
    runOutInDays: days == null ? null : Math.floor(days),
    expireUnused,
  };
}
