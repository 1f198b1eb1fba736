// Rebuilds the credits feature's derived tables from the raw rows (idempotent): the credit rollups
// of the specification (src/rollups/spec.ts), PAYG and overage per month (ledger and interactions), Grid rows and
// free test rows used per month (from the billable units stored on interactions), and the cached
// pack balances (dropped; the next charge or page view re-sums them from the ledger).
// A month with Grid events stored before units were kept (billable_units NULL) keeps its Grid counters.
// Reads rollup_daily_credits, so it runs after that table is rebuilt (rebuildRollups calls it last).
import type { Knex } from 'knex';
import { monthOfDay } from '../db/time';
import { upsertAdd } from '../db/dialect';
import { CHARGE_ROLLUPS } from '../rollups/spec';
import { rebuildTables } from '../rollups/rebuild';
import { markPoolChanged } from './pool';

/** The credit tables the rebuild recomputes besides the rollups of src/rollups/spec.ts (and the dropped pack balance cache). */
export const CREDIT_ROLLUP_TABLES = ['credit_monthly'] as const;

export async function rebuildCreditRollups(db: Knex, workspaceId: number): Promise<void> {
  await db.transaction(async (trx) => {
    // first, as a charge takes the credit lock first: processes that keep the pool's reads read them again
    await markPoolChanged(trx, workspaceId);
    await rebuildCreditRollupsIn(trx, workspaceId);
  });
}

/**
 * The rebuild inside the caller's transaction. The credit rollups of the specification (credits per
 * day, per user per day) are rebuilt first unless the caller just rebuilt every rollup. The caller
 * moves the pool's stamp first (markPoolChanged): the monthly counters change without the lock.
 */
export async function rebuildCreditRollupsIn(trx: Knex.Transaction, workspaceId: number, opts: { rollupsRebuilt?: boolean; fromDay?: string | null } = {}): Promise<void> {
  {
    if (!opts.rollupsRebuilt) await rebuildTables(trx, workspaceId, CHARGE_ROLLUPS, opts.fromDay ?? null);
    // Months before `fromDay` lost their raw rows to the retention policy: their Grid counters stay.
    const purgedMonth = opts.fromDay ? monthOfDay(opts.fromDay) : null;
    const months = new Map<string, { payg: number; overage: number; rows: number; free: number }>();
    const bucket = (m: string) => months.get(m) ?? (months.set(m, { payg: 0, overage: 0, rows: 0, free: 0 }), months.get(m)!);
    const payg = await trx('credit_ledger').select('day').sum({ s: 'amount' }).where({ workspace_id: workspaceId, entry_type: 'payg' }).groupBy('day');
    for (const r of payg as { day: string; s: number }[]) bucket(monthOfDay(String(r.day).slice(0, 10))).payg += -Number(r.s);
    const over = await trx('rollup_daily_credits').select('day').sum({ s: 'overage_credits' }).where({ workspace_id: workspaceId }).groupBy('day');
    for (const r of over as { day: string; s: number }[]) bucket(monthOfDay(String(r.day).slice(0, 10))).overage += Number(r.s);
    // Grid rows and free test rows per month; a month with any Grid event without stored units
    // (written before the units were kept) cannot be recomputed and keeps its counters.
    const grid = await trx('interactions')
      .select('day')
      .count({ n: '*' })
      .count({ known: 'billable_units' })
      .sum({ rows: 'billable_units' })
      .sum({ free: 'billable_free_units' })
      .where({ workspace_id: workspaceId, credit_category: 'grid' })
      .groupBy('day');
    const unknownMonths = new Set<string>();
    for (const r of grid as Record<string, unknown>[]) {
      const m = monthOfDay(String(r.day).slice(0, 10));
      if (Number(r.known) < Number(r.n)) unknownMonths.add(m);
      const b = bucket(m);
      b.rows += Number(r.rows ?? 0);
      b.free += Number(r.free ?? 0);
    }
    await trx('credit_monthly').where({ workspace_id: workspaceId }).update({ payg_credits: 0, overage_credits: 0 });
    const exact = (m: string) => !unknownMonths.has(m);
    const gridToRecount = trx('credit_monthly').where({ workspace_id: workspaceId });
    if (unknownMonths.size) gridToRecount.whereNotIn('month', [...unknownMonths]);
    if (purgedMonth) gridToRecount.where('month', '>=', purgedMonth);
    await gridToRecount.update({ grid_rows: 0, grid_free_rows: 0 });
    await upsertAdd(
      trx,
      'credit_monthly',
      ['workspace_id', 'month'],
      [...months.entries()].map(([month, v]) => ({
        workspace_id: workspaceId,
        month,
        payg_credits: v.payg,
        overage_credits: v.overage,
        // The counters are whole rows; units are stored as reported (rounded the way the charge adds them).
        grid_rows: exact(month) ? Math.round(v.rows) : 0,
        grid_free_rows: exact(month) ? Math.round(v.free) : 0,
      })),
      ['payg_credits', 'overage_credits', 'grid_rows', 'grid_free_rows'],
    );
    await trx('credit_pack_balances').where({ workspace_id: workspaceId }).delete();
  }
}
