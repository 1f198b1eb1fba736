// Rebuilds rollup tables of a workspace from the raw rows, with the SQL the specification gives
// (idempotent: the workspace's rows are deleted first), in the specification's order: a table
// summed from another rollup (user_totals from rollup_monthly_user) comes after it.
// `npm run rebuild-rollups` runs it for every table through src/ingest/rollups.ts, which then
// rebuilds the credit tables derived from these.
// With `fromDay` (a month's first day: the retention policy deleted the raw rows before it) only
// the days and months from there on are recomputed: earlier rollups are the only record left.
import type { Knex } from 'knex';
import { monthOfDaySql, withLargeTempTables } from '../db/dialect';
import type { RebuildSql, RollupSpec } from './spec';

/** The rollup's period column: 'day' for daily tables, 'month' for monthly ones, null for neither. */
function periodColumn(spec: RollupSpec): 'day' | 'month' | null {
  return spec.keys.includes('day') ? 'day' : spec.keys.includes('month') ? 'month' : null;
}

/** The INSERT ... SELECT that recomputes one table (`:ws` = the workspace id; `:from` with fromDay). */
export function rebuildStatement(db: Knex, spec: RollupSpec, fromDay = false): string {
  const month = monthOfDaySql(db, 'day').toQuery();
  const r: RebuildSql = spec.rebuild;
  const expr = (e: string) => e.replaceAll('{month}', month);
  const cols = Object.keys(r.select);
  const group = r.group ?? spec.keys.map((k) => r.select[k]);
  const where = fromDay ? `${r.where} AND day >= :from` : r.where;
  return `INSERT INTO ${spec.table} (${cols.join(', ')})
    SELECT ${cols.map((c) => expr(r.select[c])).join(', ')}
    FROM ${r.from} WHERE ${where} GROUP BY ${group.map(expr).join(', ')}`;
}

/** Deletes and recomputes the given tables of one workspace inside the caller's transaction. */
export async function rebuildTables(trx: Knex.Transaction, workspaceId: number, specs: readonly RollupSpec[], fromDay: string | null = null): Promise<void> {
  const ws = Number(workspaceId);
  // After a purge, a table without a period (first/last activity per user) cannot be recomputed
  // from what is left: the write path keeps it, and the rebuild leaves it as it is.
  const todo = fromDay ? specs.filter((s) => periodColumn(s) !== null) : specs;
  for (const s of todo) {
    const q = trx(s.table).where('workspace_id', ws);
    if (fromDay) q.where(periodColumn(s)!, '>=', periodColumn(s) === 'month' ? fromDay.slice(0, 7) : fromDay);
    await q.delete();
  }
  await withLargeTempTables(trx, async () => {
    for (const s of todo) await trx.raw(rebuildStatement(trx, s, !!fromDay), fromDay ? { ws, from: fromDay } : { ws });
  });
}
