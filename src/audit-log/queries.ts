// Audit log page reads: the filtered rows of a workspace (keyset pages over (created_at, id), newest
// first) and the actors and actions seen (filter choices).
import type { Knex } from 'knex';
import { keysetPage, type Cursor, type KeysetPage } from '../http/keyset';
import type { AuditNames } from './sentences';

export interface AuditFilters {
  /** a user id (actor_user_id) or a non-user actor label such as 'system' or 'api-key:abcd' */
  actor?: string;
  action?: string;
  /** inclusive UTC bounds as DB timestamps */
  fromAt?: string;
  toAt?: string;
}

/** The audit rows of a workspace matching the filters (no order, no limit); each filter uses an index prefix. */
export function auditQuery(db: Knex, workspaceId: number, f: AuditFilters): Knex.QueryBuilder {
  const q = db('audit_log')
    .select('id', 'actor_user_id', 'actor_label', 'action', 'target_type', 'target_id', 'before_json', 'after_json', 'ip', 'created_at')
    .where({ workspace_id: workspaceId });
  if (f.actor) {
    if (/^\d+$/.test(f.actor)) q.where('actor_user_id', Number(f.actor));
    else q.where('actor_label', f.actor);
  }
  if (f.action) q.where('action', f.action);
  if (f.fromAt) q.where('created_at', '>=', f.fromAt);
  if (f.toAt) q.where('created_at', '<', f.toAt);
  return q;
}

/**
 * Actors and actions seen in a workspace's audit log (filter choices). Each DISTINCT reads an index
 * prefix ((workspace_id, actor_user_id, ...) and (workspace_id, action, ...)); names come from users.
 */
export async function auditFacets(db: Knex, workspaceId: number): Promise<{ actors: { value: string; label: string }[]; actions: string[] }> {
  const idRows = await db('audit_log').distinct('actor_user_id').where({ workspace_id: workspaceId }).whereNotNull('actor_user_id');
  const ids = idRows.map((r: { actor_user_id: number }) => Number(r.actor_user_id));
  const people = ids.length ? await db('users').select('id', 'email').where({ workspace_id: workspaceId }).whereIn('id', ids.slice(0, 1000)) : [];
  const others = await db('audit_log').distinct('actor_label').where({ workspace_id: workspaceId }).whereNull('actor_user_id').limit(200);
  const actionRows = await db('audit_log').distinct('action').where({ workspace_id: workspaceId }).orderBy('action');
  const actors = [
    ...people.map((p: { id: number; email: string }) => ({ value: String(p.id), label: p.email })),
    ...others.map((r: { actor_label: string }) => ({ value: r.actor_label, label: r.actor_label })),
  ].sort((a, b) => a.label.localeCompare(b.label));
  return { actors, actions: actionRows.map((r: { action: string }) => r.action) };
}

export const AUDIT_PAGE_SIZE = 50;

/** One page of the filtered log, newest first. */
export function auditPage(db: Knex, workspaceId: number, f: AuditFilters, nav: { before?: Cursor | null; after?: Cursor | null }): Promise<KeysetPage<Record<string, unknown>>> {
  return keysetPage<Record<string, unknown>>(() => auditQuery(db, workspaceId, f), 'created_at', 'id', AUDIT_PAGE_SIZE, nav);
}

/** Display names of the users a page of entries mentions (by id and by e-mail), in this workspace only. */
export async function auditNames(db: Knex, workspaceId: number, ids: number[], emails: string[]): Promise<AuditNames> {
  const byId = new Map<number, string>();
  const byEmail = new Map<string, string>();
  const uniqIds = [...new Set(ids)].slice(0, 1000);
  const uniqEmails = [...new Set(emails)].slice(0, 1000);
  if (uniqIds.length || uniqEmails.length) {
    const rows = await db('users')
      .select('id', 'name', 'email')
      .where({ workspace_id: workspaceId })
      .andWhere((w) => {
        if (uniqIds.length) w.orWhereIn('id', uniqIds);
        if (uniqEmails.length) w.orWhereIn('email', uniqEmails);
      });
    for (const r of rows as { id: number; name: string; email: string }[]) {
      const name = r.name && r.name.trim() ? r.name : r.email;
      byId.set(Number(r.id), name);
      byEmail.set(String(r.email).toLowerCase(), name);
    }
  }
  return { byId, byEmail };
}
