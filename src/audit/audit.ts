// The audit trail every admin action writes: who did what, to what, when, from where, with before
// and after. Shared by every feature; the Audit log page (src/audit-log/) reads it.
import type { Knex } from 'knex';
import { toDbTime } from '../db/time';

export interface Actor {
  userId: number | null;
  /** email of the admin, 'api-key:<prefix>', or 'system' */
  label: string;
  ip?: string | null;
}

export interface AuditEntry {
  workspaceId: number;
  actor: Actor;
  action: string;
  targetType?: string | null;
  targetId?: string | number | null;
  before?: unknown;
  after?: unknown;
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: 'system', ip: null };

export async function recordAudit(db: Knex, e: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    workspace_id: e.workspaceId,
    actor_user_id: e.actor.userId,
    actor_label: e.actor.label.slice(0, 255),
    action: e.action,
    target_type: e.targetType ?? null,
    target_id: e.targetId == null ? null : String(e.targetId),
    before_json: e.before === undefined ? null : JSON.stringify(e.before),
    after_json: e.after === undefined ? null : JSON.stringify(e.after),
    ip: e.actor.ip ?? null,
    created_at: toDbTime(new Date()),
  });
}

/** The actor of an admin request (session user + client IP). */
export function actorFrom(req: { user?: { id: number; email: string }; ip?: string }): Actor {
  return { userId: req.user?.id ?? null, label: req.user?.email ?? 'anonymous', ip: req.ip ?? null };
}
