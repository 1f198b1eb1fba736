// Where someone stands against a limit, defined once: over it, near it (80 % or more used), on
// track to exceed it by the end of the period at the pace so far, or within it. Limit status,
// User Management (badge, filter, sort, the allocation filter's threshold), My usage and the
// scheduled report all read these; none restates them. Pure: no clock, no database.

export const LIMIT_STATES = ['over', 'near', 'on_track_to_exceed', 'within'] as const;
export type LimitState = (typeof LIMIT_STATES)[number];

/** Share of a limit at which someone counts as near it. */
export const NEAR_SHARE = 0.8;
/** The same as a whole percentage, for labels ("80"). */
export const NEAR_PERCENT = Math.round(NEAR_SHARE * 100);

/** The states in words (Limit status, its filter). */
export const STATE_LABELS: Record<LimitState, string> = { over: 'Over limit', near: `Near limit (${NEAR_PERCENT} %+)`, on_track_to_exceed: 'On track to exceed', within: 'Within limits' };

/** The short badge of a state next to a limit (none within it). */
export const STATE_BADGES: Record<LimitState, string | null> = { over: 'Over', near: 'Near', on_track_to_exceed: 'On track to exceed', within: null };

/** Worst first: the order states are ranked in when one person has several limits. */
export const STATE_RANK: Record<LimitState, number> = { over: 0, near: 1, on_track_to_exceed: 2, within: 3 };

/** Days of a period elapsed (today included) and in all. */
export interface Pace {
  elapsed: number;
  total: number;
}

/** The pace of the period `start`..`end` on `today` (days are `YYYY-MM-DD` reporting days in the workspace time zone). */
export function paceOf(today: string, start: string, end: string): Pace {
  const day = (s: string) => Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10));
  return { elapsed: Math.max(1, Math.round((day(today) - day(start)) / 86_400_000) + 1), total: Math.round((day(end) - day(start)) / 86_400_000) + 1 };
}

/**
 * Projected use at the end of a period at the pace so far: the use divided by the days of the
 * period elapsed (today included) times the days of the period.
 */
export function projectAt(used: number, pace: Pace): number {
  return Math.round((used / pace.elapsed) * pace.total);
}

/** projectAt for the period `start`..`end` seen on `today`. */
export function projectedUse(used: number, today: string, start: string, end: string): number {
  return projectAt(used, paceOf(today, start, end));
}

/**
 * The state of one limit: over (used past the amount; exactly at it is not over) > near (NEAR_SHARE
 * of it or more) > on track to exceed (projected past it) > within.
 */
export function stateOf(used: number, amount: number, projected: number): LimitState {
  if (used > amount) return 'over';
  if (used >= NEAR_SHARE * amount) return 'near';
  if (projected > amount) return 'on_track_to_exceed';
  return 'within';
}

/** used / amount; an amount of 0 is fully used by any use. */
export function shareOf(used: number, amount: number): number {
  return amount > 0 ? used / amount : used > 0 ? Infinity : 0;
}
