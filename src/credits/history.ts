// A workspace's credit history from before the console recorded it (an import from another system,
// the demo organisation): the included credits of each past month and the packs bought, written as
// of their own dates with the same ledger rows the engine writes live (includedGrantEntry,
// packEntry), before the usage they pay for. The write path then charges that usage as usual.
import type { Knex } from 'knex';
import { addMonths, firstDayOfMonth, monthOfDay } from '../db/time';
import { includedGrantEntry, markPoolChanged, type CreditWorkspace } from './pool';
import { packEntry, type AddCredits } from './admin';

export interface PastPack extends AddCredits {
  /** when it was bought or granted */
  at: Date;
  /** who added it (null: the platform) */
  userId: number | null;
}

export interface CreditHistory {
  /** first and last day of the history (the first month's grant starts on `from`) */
  from: string;
  to: string;
  packs: PastPack[];
}

/** Appends the history in one go (included grants month by month, then the packs); returns the rows written. */
export async function recordCreditHistory(db: Knex, ws: Pick<CreditWorkspace, 'id' | 'time_zone' | 'included_credits_per_period'>, h: CreditHistory): Promise<number> {
  const rows: Record<string, unknown>[] = [];
  const included = Number(ws.included_credits_per_period ?? 0);
  if (included > 0) {
    for (let m = monthOfDay(h.from); m <= monthOfDay(h.to); m = addMonths(m, 1)) {
      rows.push(includedGrantEntry(ws, included, m, firstDayOfMonth(m) < h.from ? h.from : firstDayOfMonth(m)));
    }
  }
  for (const p of h.packs) rows.push(packEntry(ws, p, p.at, p.userId));
  await db.batchInsert('credit_ledger', rows, 100);
  await markPoolChanged(db, ws.id);
  return rows.length;
}
