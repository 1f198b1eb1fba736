// Usage-page definitions: the hours-saved table (also shown in the data dictionary), reporting
// window rules and the clock the page reads "now" from (stubbable in tests, never from the URL).
import type { Surface } from '../domain/model';

/**
 * Minutes of work a single generation saves, per surface. A directional estimate based on
 * productivity research and platform data: useful for trends, not for billing. Edit here to
 * change it; the Usage page card and the data dictionary both read this table.
 */
export const HOURS_SAVED_MINUTES: Record<Surface, number> = {
  chat: 5,
  agent: 15,
  ask: 3,
  command: 4,
  extension: 4,
  api: 5,
  toolbar: 2,
  grid: 6,
  other: 3,
};

/** How far back the Usage page reports: the rolling 12 months ending with the last reported day. */
export const WINDOW_MONTHS = 12;

/** Active users look back this many days, ending yesterday, whatever range is selected. */
export const ACTIVE_USER_DAYS = 30;

let clock: () => Date = () => new Date();

/** "Now" as the reports see it: the Usage page, its exports and Token Statistics (this month, today). */
export function usageNow(): Date {
  return clock();
}

/** Tests pin the clock; pass nothing to restore the real one. Not reachable from HTTP. */
export function setUsageClock(fn?: () => Date): void {
  clock = fn ?? (() => new Date());
}
