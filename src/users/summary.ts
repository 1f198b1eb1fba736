// User Management's summary bar (head counts by status, purchased and assigned tokens) and the
// departments in use: both read every user of the workspace, so both are kept per process while the
// roster stamp is unchanged (src/users/list-cache.ts).
import type { Knex } from 'knex';
import { rosterStamp, type WorkspaceStamps } from '../reports/memo';
import { findWorkspace } from '../workspaces/queries';
import type { Workspace } from '../workspaces/workspace';
import { cachedList } from './list-cache';

export interface Summary {
  total: number;
  active: number;
  invited: number;
  revoked: number;
  purchasedInference: number;
  purchasedEmbedding: number;
  assignedInference: number;
  assignedEmbedding: number;
  unassignedInference: number;
  unassignedEmbedding: number;
  overInference: boolean;
  overEmbedding: boolean;
}

/** Head counts by status and the allocations of non-revoked users: the roster's part of the summary. */
interface RosterCounts {
  byStatus: Record<string, number>;
  assignedInference: number;
  assignedEmbedding: number;
}

/** The roster stamp alone, when the caller has not read the workspace's stamps for this view. */
async function rosterOnly(db: Knex, workspaceId: number): Promise<Pick<WorkspaceStamps, 'roster'>> {
  return { roster: await rosterStamp(db, workspaceId) };
}

/**
 * The summary bar: head counts by status, purchased tokens, and allocations of non-revoked users.
 * The counts are kept while the roster is unchanged (a pass over every user otherwise); `known`:
 * the view's stamps and workspace row, when the caller read them already.
 */
export async function userSummary(db: Knex, workspaceId: number, known: { stamps?: Pick<WorkspaceStamps, 'roster'>; workspace?: Workspace | null } = {}): Promise<Summary> {
  const [ws, stamps] = await Promise.all([known.workspace !== undefined ? known.workspace : findWorkspace(db, workspaceId), known.stamps ?? rosterOnly(db, workspaceId)]);
  const counts = await cachedList(db, `summary:${workspaceId}`, stamps, {}, async (): Promise<RosterCounts> => {
    const byStatus = await db('users')
      .select('status')
      .count({ n: '*' })
      .sum({ inf: 'max_inference_tokens', emb: 'max_embedding_tokens' })
      .where({ workspace_id: workspaceId })
      .groupBy('status');
    const out: RosterCounts = { byStatus: { active: 0, invited: 0, revoked: 0 }, assignedInference: 0, assignedEmbedding: 0 };
    for (const r of byStatus as Record<string, unknown>[]) {
      out.byStatus[r.status as string] = Number(r.n);
      if (r.status !== 'revoked') {
        out.assignedInference += Number(r.inf ?? 0);
        out.assignedEmbedding += Number(r.emb ?? 0);
      }
    }
    return out;
  });
  const s = counts.byStatus;
  const { assignedInference, assignedEmbedding } = counts;
  const purchasedInference = Number(ws?.purchased_inference_tokens ?? 0);
  const purchasedEmbedding = Number(ws?.purchased_embedding_tokens ?? 0);
  return {
    total: s.active + s.invited + s.revoked,
    active: s.active,
    invited: s.invited,
    revoked: s.revoked,
    purchasedInference,
    purchasedEmbedding,
    assignedInference,
    assignedEmbedding,
    unassignedInference: purchasedInference - assignedInference,
    unassignedEmbedding: purchasedEmbedding - assignedEmbedding,
    overInference: assignedInference > purchasedInference,
    overEmbedding: assignedEmbedding > purchasedEmbedding,
  };
}

/** Departments in use (filter and invite suggestions), kept while the roster is unchanged. */
export async function departments(db: Knex, workspaceId: number, stamps?: Pick<WorkspaceStamps, 'roster'>): Promise<string[]> {
  return cachedList(db, `departments:${workspaceId}`, stamps ?? (await rosterOnly(db, workspaceId)), {}, async () => {
    const rows = await db('users').distinct('department').where({ workspace_id: workspaceId }).whereNotNull('department').orderBy('department');
    return rows.map((r: { department: string }) => r.department).filter((d: string) => d !== '');
  });
}
