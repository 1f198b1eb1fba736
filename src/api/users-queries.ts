// SQL of the read API's roster and interaction lists: keyset pages by id (users) and by
// (occurred_at, id) newest first (interactions, on the interactions_user_time index).
import type { Knex } from 'knex';
import { logQuery, type LogFilters, type LogRow } from '../activity/queries';
import { olderThan } from '../http/keyset';
import type { RosterRow } from '../csv/definitions';

/** A roster row as the user exports read it, plus the last activity. */
export interface ApiUserRow extends RosterRow {
  last_active_at: string | null;
}

export async function usersPage(db: Knex, workspaceId: number, o: { status?: string; afterId: number | null; limit: number }): Promise<{ rows: ApiUserRow[]; more: boolean }> {
  const q = db('users as u')
    .select('u.id', 'u.email', 'u.name', 'u.role', 'u.department', 'u.status', 'u.invited_at', 'u.joined_at', 'u.revoked_at', 'ua.last_at as last_active_at')
    .leftJoin('user_activity as ua', function () {
      this.on('ua.user_id', '=', 'u.id').andOn('ua.workspace_id', '=', 'u.workspace_id');
    })
    .where('u.workspace_id', workspaceId)
    .orderBy('u.id')
    .limit(o.limit + 1);
  if (o.status) q.where('u.status', o.status);
  if (o.afterId !== null) q.where('u.id', '>', o.afterId);
  const rows = (await q) as ApiUserRow[];
  return { rows: rows.slice(0, o.limit), more: rows.length > o.limit };
}

/** A user of the workspace by numeric id or by email; null when not in this workspace. */
export async function findApiUser(db: Knex, workspaceId: number, idOrEmail: string): Promise<{ id: number; email: string } | null> {
  const q = db('users').select('id', 'email').where('workspace_id', workspaceId);
  if (/^[1-9]\d{0,9}$/.test(idOrEmail) && Number(idOrEmail) <= 2147483647) q.where('id', Number(idOrEmail));
  else if (idOrEmail.includes('@') && idOrEmail.length <= 255) q.where('email', idOrEmail.toLowerCase());
  else return null;
  const row = await q.first();
  return row ? { id: Number(row.id), email: row.email } : null;
}

export type ApiInteractionRow = LogRow & { prompt_removed?: number | boolean; agent_external_id?: string | null };

export async function interactionsPage(
  db: Knex,
  workspaceId: number,
  userId: number,
  f: LogFilters,
  zone: string,
  cursor: { at: string; id: number } | null,
  limit: number,
): Promise<{ rows: ApiInteractionRow[]; more: boolean }> {
  let q = logQuery(db, workspaceId, userId, f, zone);
  if (cursor) q = olderThan(q, 'occurred_at', 'id', cursor);
  const rows = (await q.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit + 1)) as ApiInteractionRow[];
  const page = rows.slice(0, limit);
  const agentIds = [...new Set(page.map((r) => r.agent_id).filter((a): a is number => a != null))];
  if (agentIds.length) {
    const agents = await db('agents').select('id', 'external_id').where('workspace_id', workspaceId).whereIn('id', agentIds);
    const byId = new Map(agents.map((a: { id: number; external_id: string }) => [Number(a.id), a.external_id]));
    for (const r of page) r.agent_external_id = r.agent_id != null ? (byId.get(Number(r.agent_id)) ?? null) : null;
  }
  return { rows: page, more: rows.length > limit };
}
