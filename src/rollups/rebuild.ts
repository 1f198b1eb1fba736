// Rebuilds rollup tables of a workspace from the raw rows, with the SQL the specification gives
// (idempotent: the workspace's rows are deleted first). `npm run rebuild-rollups` runs it for every
// table through src/ingest/rollups.ts, which then rebuilds the credit tables derived from these.
import type { Knex } from 'knex';
import { monthOfDaySql } from '../db/dialect';
import type { RebuildSql, RollupSpec } from './spec';

/** The INSERT ... SELECT that recomputes one table (`:ws` = the workspace id). */
export function rebuildStatement(db: Knex, spec: RollupSpec): string {
  const month = monthOfDaySql(db, 'day').toQuery();
  const r: RebuildSql = spec.rebuild;
  const expr = (e: string) => e.replaceAll('{month}', month);
  const cols = Object.keys(r.select);
  const group = r.group ?? spec.keys.map((k) => r.select[k]);
  return `INSERT INTO ${spec.table} (${cols.join(', ')})
    SELECT ${cols.map((c) => expr(r.select[c])).join(', ')}
    FROM ${r.from} WHERE ${r.where} GROUP BY ${group.map(expr).join(', ')}`;
}

/** Deletes and recomputes the given tables of one workspace inside the caller's transaction. */
export async function rebuildTables(trx: Knex, workspaceId: number, specs: readonly RollupSpec[]): Promise<void> {
  const ws = Number(workspaceId);
  for (const s of specs) await trx(s.table).where('workspace_id', ws).delete();
  for (const s of specs) await trx.raw(rebuildStatement(trx, s), { ws });
}
