// Rebuilds the credits feature's derived tables from the raw rows (idempotent): credits per user
// per day (from interactions), PAYG and overage per month (ledger and interactions), Grid rows and
// free test rows used per month (from the billable units stored on interactions), and the cached
// pack balances (dropped; the next charge or page view re-sums them from the ledger).
// A month with Grid events stored before units were kept (billable_units NULL) keeps its Grid counters.
// Reads rollup_daily_credits, so it runs after that table is rebuilt (rebuildRollups calls it last).
import type { Knex } from 'knex';
import { monthOfDay } from '../db/time';
import { upsertAdd } from '../db/dialect';

/** The credit tables the rebuild recomputes (besides the dropped pack balance cache). */
export const CREDIT_ROLLUP_TABLES = ['rollup_daily_user_credits', 'credit_monthly'] as const;

export async function rebuildCreditRollups(db: Knex, workspaceId: number): Promise<void> {
  await db.transaction(async (trx) => rebuildCreditRollupsIn(trx, workspaceId));
}

/**
 * The rebuild inside the caller's transaction. `fromDay` (a month start): raw rows before it were
 * deleted by the retention policy, so the counters of earlier days and months are kept as they are.
 */
export async function rebuildCreditRollupsIn(trx: Knex, workspaceId: number, fromDay: string | null = null): Promise<void> {
  const from = fromDay ?? '1000-01-01';
  const fromMonth = monthOfDay(from);
  {
    await trx('rollup_daily_user_credits').where({ workspace_id: workspaceId }).where('day', '>=', from).delete();
    const perUser = await trx('interactions')
      .select('day', 'user_id', 'credit_category as category')
      .count({ events: '*' })
      .sum({ credits: 'credits_charged' })
      .sum({ overage_credits: trx.raw('CASE WHEN overage THEN credits_charged ELSE 0 END') })
      .where({ workspace_id: workspaceId })
      .where('day', '>=', from)
      .whereNotNull('credit_category')
      .groupBy('day', 'user_id', 'credit_category');
    await upsertAdd(
      trx,
      'rollup_daily_user_credits',
      ['workspace_id', 'day', 'user_id', 'category'],
      perUser.map((r: Record<string, unknown>) => ({
        workspace_id: workspaceId,
        day: String(r.day).slice(0, 10),
        user_id: Number(r.user_id),
        category: r.category,
        events: Number(r.events),
        credits: Number(r.credits),
        overage_credits: Number(r.overage_credits),
      })),
      ['events', 'credits', 'overage_credits'],
    );

    const months = new Map<string, { payg: number; overage: number; rows: number; free: number }>();
    const bucket = (m: string) => months.get(m) ?? (months.set(m, { payg: 0, overage: 0, rows: 0, free: 0 }), months.get(m)!);
    const payg = await trx('credit_ledger').select('day').sum({ s: 'amount' }).where({ workspace_id: workspaceId, entry_type: 'payg' }).where('day', '>=', from).groupBy('day');
    for (const r of payg as { day: string; s: number }[]) bucket(monthOfDay(String(r.day).slice(0, 10))).payg += -Number(r.s);
    const over = await trx('rollup_daily_credits').select('day').sum({ s: 'overage_credits' }).where({ workspace_id: workspaceId }).where('day', '>=', from).groupBy('day');
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
      .where('day', '>=', from)
      .groupBy('day');
    const unknownMonths = new Set<string>();
    for (const r of grid as Record<string, unknown>[]) {
      const m = monthOfDay(String(r.day).slice(0, 10));
      if (Number(r.known) < Number(r.n)) unknownMonths.add(m);
      const b = bucket(m);
      b.rows += Number(r.rows ?? 0);
      b.free += Number(r.free ?? 0);
    }
    await trx('credit_monthly').where({ workspace_id: workspaceId }).where('month', '>=', fromMonth).update({ payg_credits: 0, overage_credits: 0 });
    const exact = (m: string) => !unknownMonths.has(m);
    if (unknownMonths.size) {
      await trx('credit_monthly').where({ workspace_id: workspaceId }).where('month', '>=', fromMonth).whereNotIn('month', [...unknownMonths]).update({ grid_rows: 0, grid_free_rows: 0 });
    } else {
      await trx('credit_monthly').where({ workspace_id: workspaceId }).where('month', '>=', fromMonth).update({ grid_rows: 0, grid_free_rows: 0 });
    }
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
