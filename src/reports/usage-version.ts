// The usage version of a workspace (table usage_versions): moved by every transaction that writes
// usage, as its last statement, so it changes exactly when committed usage changes, in commit
// order. Per-user rollups applied after a batch's commit (src/rollups/deferred.ts) do not move it:
// readers treat a workspace with pending rows as changing (see usageStamp in src/reports/memo.ts).
import type { Knex } from 'knex';

/** Moves the workspace's usage version, in the caller's transaction (its last statement). */
export async function bumpUsageVersion(trx: Knex, workspaceId: number): Promise<void> {
  await trx('usage_versions')
    .insert({ workspace_id: workspaceId, version: 1 })
    .onConflict('workspace_id')
    .merge({ version: trx.raw('?? + 1', ['usage_versions.version']) });
}

/** The workspace's usage version as a scalar subquery (NULL before its first usage). */
export function usageVersionSql(db: Knex, workspaceId: number): Knex.QueryBuilder {
  return db('usage_versions').select('version').where('workspace_id', workspaceId);
}
