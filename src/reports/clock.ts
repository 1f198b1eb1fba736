// The clock every report reads "now" from (Usage, Token Statistics, the exports, the data
// dictionary's file name): stubbable in tests, never settable from HTTP.

let clock: () => Date = () => new Date();

/** "Now" as the reports see it: the Usage page, its exports and Token Statistics (this month, today). */
export function usageNow(): Date {
  return clock();
}

/** Tests pin the clock; pass nothing to restore the real one. Not reachable from HTTP. */
export function setUsageClock(fn?: () => Date): void {
  clock = fn ?? (() => new Date());
}
