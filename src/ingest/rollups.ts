// `npm run rebuild-rollups`: recomputes every rollup of a workspace from its raw rows (idempotent),
// then the credit tables derived from them (src/credits/rebuild.ts), in one transaction. The write
// path keeps them up to date incrementally; this command repairs them and is tested to agree with it.
import type { Knex } from 'knex';
import { ROLLUPS } from '../rollups/spec';
import { rebuildTables } from '../rollups/rebuild';
import { rebuildCreditRollupsIn } from '../credits/rebuild';
import { markPoolChanged } from '../credits/pool';
import { workspaceIds } from '../workspaces/queries';
import { rawRowsFrom } from '../retention/policy';
import { applyAllPending } from '../rollups/deferred';
import { bumpUsageVersion } from '../reports/usage-version';

export { ROLLUP_TABLES } from '../rollups/spec';

export async function rebuildRollups(db: Knex, workspaceId: number): Promise<void> {
  // Per-user rows of stored batches still waiting (src/rollups/deferred.ts) are applied first: the
  // rebuild counts their raw rows, and applying them after it would count them twice.
  await applyAllPending(db, workspaceId);
  await db.transaction(async (trx) => {
    // The credit tables change below without the credit lock: the pool's stamp moves first (the
    // lock order of a charge), so processes that keep the pool's reads read them again.
    await markPoolChanged(trx, Number(workspaceId));
    // Months whose raw rows the retention policy deleted (whole months before `fromDay`) keep their
    // rollups: they are the only record left. Everything from `fromDay` on is rebuilt from raw rows.
    const fromDay = await rawRowsFrom(trx, workspaceId);
    await rebuildTables(trx, workspaceId, ROLLUPS, fromDay);
    // The credit tables derived from these (monthly PAYG / overage / Grid rows, cached pack
    // balances), in the same transaction: one command repairs everything.
    await rebuildCreditRollupsIn(trx, Number(workspaceId), { rollupsRebuilt: true, fromDay });
    await bumpUsageVersion(trx, Number(workspaceId));
  });
}

export async function rebuildAllRollups(db: Knex): Promise<number> {
  const ids = await workspaceIds(db);
  for (const id of ids) await rebuildRollups(db, id);
  return ids.length;
}
