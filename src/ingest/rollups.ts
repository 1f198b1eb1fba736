// `npm run rebuild-rollups`: recomputes every rollup of a workspace from its raw rows (idempotent),
// then the credit tables derived from them (src/credits/rebuild.ts), in one transaction. The write
// path keeps them up to date incrementally; this command repairs them and is tested to agree with it.
import type { Knex } from 'knex';
import { CHARGE_ROLLUPS, ROLLUPS, type RollupSpec } from '../rollups/spec';
import { isSQLite } from '../db/dialect';
import { rebuildTables } from '../rollups/rebuild';
import { rebuildCreditRollupsIn } from '../credits/rebuild';
import { markPoolChanged } from '../credits/pool';
import { workspaceIds } from '../workspaces/queries';
import { rawRowsFrom } from '../retention/policy';
import { applyAllPending } from '../rollups/deferred';
import { bumpUsageVersion } from '../reports/usage-version';

export { ROLLUP_TABLES } from '../rollups/spec';

export interface RebuildOptions {
  /**
   * Connections rebuilding at once (MySQL; SQLite has one writer and always uses one). 1, the
   * default: every table in one transaction, so readers see the old rollups or the new ones. More:
   * for a bulk load or a repair while nothing writes to the workspace (a maintenance window): each
   * table (with the tables summed from it) is rebuilt in a transaction of its own, the credit tables
   * in one more, taken by the lanes in turn, so a reader may see some tables rebuilt before others.
   * Two lanes on two cores (AMD EPYC VM, 2026-12-07): the 5M dataset's rebuild 65.5 s in one
   * transaction -> 31.9 s, the 20M dataset's 392 s -> 203 s.
   */
  lanes?: number;
}

export async function rebuildRollups(db: Knex, workspaceId: number, opts: RebuildOptions = {}): Promise<void> {
  const ws = Number(workspaceId);
  // Per-user rows of stored batches still waiting (src/rollups/deferred.ts) are applied first: the
  // rebuild counts their raw rows, and applying them after it would count them twice.
  await applyAllPending(db, ws);
  const lanes = isSQLite(db) ? 1 : Math.max(1, Math.floor(opts.lanes ?? 1));
  if (lanes > 1) return rebuildInLanes(db, ws, lanes);
  await db.transaction(async (trx) => {
    // The credit tables change below without the credit lock: the pool's stamp moves first (the
    // lock order of a charge), so processes that keep the pool's reads read them again.
    await markPoolChanged(trx, ws);
    // Months whose raw rows the retention policy deleted (whole months before `fromDay`) keep their
    // rollups: they are the only record left. Everything from `fromDay` on is rebuilt from raw rows.
    const fromDay = await rawRowsFrom(trx, ws);
    await rebuildTables(trx, ws, ROLLUPS, fromDay);
    // The credit tables derived from these (monthly PAYG / overage / Grid rows, cached pack
    // balances), in the same transaction: one command repairs everything.
    await rebuildCreditRollupsIn(trx, ws, { rollupsRebuilt: true, fromDay });
    await bumpUsageVersion(trx, ws);
  });
}

/** The rebuild as units of work taken by `lanes` connections in turn (see RebuildOptions.lanes). */
async function rebuildInLanes(db: Knex, ws: number, lanes: number): Promise<void> {
  const fromDay = await rawRowsFrom(db, ws);
  const charge = new Set(CHARGE_ROLLUPS);
  // A table summed from another rollup is rebuilt after it, in the same unit.
  const units: RollupSpec[][] = [];
  for (const spec of ROLLUPS) {
    if (charge.has(spec)) continue;
    const source = units.find((u) => u.some((s) => s.table === spec.rebuild.from));
    if (source) source.push(spec);
    else units.push([spec]);
  }
  const work: (() => Promise<void>)[] = [
    // the credit tables under the credit lock (the pool's stamp first, as a charge would)
    () =>
      db.transaction(async (trx) => {
        await markPoolChanged(trx, ws);
        await rebuildCreditRollupsIn(trx, ws, { fromDay });
      }),
    ...units.map((specs) => () => db.transaction((trx) => rebuildTables(trx, ws, specs, fromDay))),
  ];
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < work.length) await work[next++]();
    }),
  );
  await db.transaction((trx) => bumpUsageVersion(trx, ws));
}

export async function rebuildAllRollups(db: Knex): Promise<number> {
  const ids = await workspaceIds(db);
  for (const id of ids) await rebuildRollups(db, id);
  return ids.length;
}
