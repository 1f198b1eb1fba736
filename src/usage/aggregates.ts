// Memoised aggregates shared by the cards, the charts and the heatmap, and the versions they are
// memoised under (src/reports/memo.ts).
import type { Knex } from 'knex';
import * as q from './queries';
import { memo, monthVersions, workspaceTableVersion } from '../reports/memo';

/** Version of the rollups the write path upkeeps with interactions (daily, agent, credits). */
export const usageVersion = async (db: Knex, ws: number) => String(await workspaceTableVersion(db, 'interactions', ws));

/**
 * Per-month aggregates are memoised per calendar month under that month's version
 * (src/reports/memo.ts): new usage today recomputes the current month only, not the closed ones.
 */
export async function monthStamp(db: Knex, ws: number, months: string[]): Promise<string[]> {
  return monthVersions(db, ws, months);
}

/** Inference generations per user and month (rollup_monthly_user), one memo per month. */
export async function monthlyRows(db: Knex, ws: number, months: string[], versions: string[]) {
  const parts = await Promise.all(months.map((m, i) => memo(db, `monthly-user:${ws}:${m}`, versions[i], () => q.monthlyUserGenerations(db, ws, [m]))));
  return parts.flat();
}
