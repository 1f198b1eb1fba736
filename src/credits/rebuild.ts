// Rebuilds the credits feature's derived tables from the raw rows (idempotent): credits per user
// per day (from interactions), PAYG and overage per month (ledger and interactions), and the
// cached pack balances (dropped; the next charge or page view re-sums them from the ledger).
// Grid row counters (free test rows used) cannot be derived from stored rows and are kept.
import type { Knex } from 'knex';
import { monthOfDay } from '../db/time';
import { upsertAdd } from '../db/dialect';

export async function rebuildCreditRollups(db: Knex, workspaceId: number): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('rollup_daily_user_credits').where({ workspace_id: workspaceId }).delete();
    const perUser = await trx('interactions')
      .select('day', 'user_id', 'credit_category as category')
      .count({ events: '*' })
      .sum({ credits: 'credits_charged' })
      .sum({ overage_credits: trx.raw('CASE WHEN overage THEN credits_charged ELSE 0 END') })
      .where({ workspace_id: workspaceId })
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

    const months = new Map<string, { payg: number; overage: number }>();
    const bucket = (m: string) => months.get(m) ?? (months.set(m, { payg: 0, overage: 0 }), months.get(m)!);
    const payg = await trx('credit_ledger').select('day').sum({ s: 'amount' }).where({ workspace_id: workspaceId, entry_type: 'payg' }).groupBy('day');
    for (const r of payg as { day: string; s: number }[]) bucket(monthOfDay(String(r.day).slice(0, 10))).payg += -Number(r.s);
    const over = await trx('rollup_daily_credits').select('day').sum({ s: 'overage_credits' }).where({ workspace_id: workspaceId }).groupBy('day');
    for (const r of over as { day: string; s: number }[]) bucket(monthOfDay(String(r.day).slice(0, 10))).overage += Number(r.s);
    await trx('credit_monthly').where({ workspace_id: workspaceId }).update({ payg_credits: 0, overage_credits: 0 });
    await upsertAdd(
      trx,
      'credit_monthly',
      ['workspace_id', 'month'],
      [...months.entries()].map(([month, v]) => ({ workspace_id: workspaceId, month, payg_credits: v.payg, overage_credits: v.overage, grid_rows: 0, grid_free_rows: 0 })),
      ['payg_credits', 'overage_credits', 'grid_rows', 'grid_free_rows'],
    );
    await trx('credit_pack_balances').where({ workspace_id: workspaceId }).delete();
  });
}
