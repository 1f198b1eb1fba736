// When a change between two periods is worth a percentage. Every report words its change badges
// through this rule, so "+4,066.7%" against a period with almost no data never appears: a previous
// value of 0 is "new", and one under a tenth of the current value has "no comparable data".

/** The previous value must be at least this share of the current one for a percentage to be shown. */
export const COMPARABLE_SHARE = 0.1;

export type ChangeKind = 'none' | 'new' | 'incomparable' | 'pct';

/** How to show the change from `prev` to `cur`: nothing, "new", "no comparable data" or a percentage. */
export function changeKind(cur: number, prev: number): ChangeKind {
  if (cur === prev) return 'none';
  if (prev === 0) return cur > 0 ? 'new' : 'pct';
  if (prev > 0 && cur > 0 && prev < cur * COMPARABLE_SHARE) return 'incomparable';
  return 'pct';
}
