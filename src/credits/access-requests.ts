// Credit access requests: a member without permission asks once (one pending at a time), admins
// are notified and approve or deny; the member is told the outcome. Every step is audited.
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/audit';
import { toDbTime } from '../db/time';
import { forUpdate } from '../db/dialect';
import { HttpError, notFound } from '../http/errors';
import { markHandled, notify } from '../notifications/notify';

export const REQUEST_SUBJECT = 'credit_access_request';
import { setCreditAccess } from '../users/credit-access';
import { emitAccessRequestCreated, emitAccessRequestDecided } from '../webhooks/emit';

export interface AccessRequestRow {
  id: number;
  user_id: number;
  status: 'pending' | 'approved' | 'denied';
  note: string | null;
  created_at: string;
  decided_at: string | null;
}

export async function latestRequest(db: Knex, workspaceId: number, userId: number): Promise<AccessRequestRow | null> {
  const r = await db('credit_access_requests')
    .where({ workspace_id: workspaceId, user_id: userId })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .first();
  return r ?? null;
}

/** Files a request; returns false when one is already pending (nothing new is created). */
export async function requestAccess(db: Knex, actor: Actor, workspaceId: number, userId: number, note: string | null): Promise<boolean> {
  return db.transaction(async (trx) => {
    // The user's row is the lock: two clicks never file two requests.
    const user = await forUpdate(trx, trx('users').select('id', 'name', 'email', 'may_spend_credits').where({ id: userId, workspace_id: workspaceId })).first();
    if (!user) throw notFound();
    if (user.may_spend_credits) throw new HttpError(409, 'You can already spend credits; there is nothing to request.');
    const pending = await forUpdate(trx, trx('credit_access_requests').select('id').where({ workspace_id: workspaceId, user_id: userId, status: 'pending' })).first();
    if (pending) return false;
    const [id] = await trx('credit_access_requests').insert({ workspace_id: workspaceId, user_id: userId, status: 'pending', note, created_at: toDbTime(new Date()) });
    await notify(trx, {
      workspaceId,
      kind: 'credits.access_request',
      title: `${user.name} asks for credit access`,
      body: `${user.name} (${user.email}) asked to be allowed to spend credits${note ? `: “${note}”` : '.'} Approve or deny it here or on the Credits > People page.`,
      link: '/admin/credits/people#requests',
      email: true,
      subject: { type: REQUEST_SUBJECT, id: Number(id) },
    });
    await emitAccessRequestCreated(trx, workspaceId, Number(id), user, note);
    await recordAudit(trx, { workspaceId, actor, action: 'credits.access_request.create', targetType: 'credit_access_request', targetId: Number(id), after: { user: user.email, status: 'pending', note } });
    return true;
  });
}

/** One request with the member's and the deciding admin's names (for the message after a decision). */
export async function requestWithNames(db: Knex, workspaceId: number, requestId: number) {
  return db('credit_access_requests as r')
    .join('users as u', 'u.id', 'r.user_id')
    .leftJoin('users as d', 'd.id', 'r.decided_by_user_id')
    .select('r.id', 'r.status', 'r.decided_at', 'u.name', 'u.email', 'd.name as decided_by_name')
    .where({ 'r.workspace_id': workspaceId, 'r.id': requestId })
    .first();
}

export async function pendingCount(db: Knex, workspaceId: number): Promise<number> {
  const row = await db('credit_access_requests').where({ workspace_id: workspaceId, status: 'pending' }).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function pendingRequests(db: Knex, workspaceId: number, limit = 100) {
  return db('credit_access_requests as r')
    .join('users as u', 'u.id', 'r.user_id')
    .select('r.id', 'r.user_id', 'r.note', 'r.created_at', 'u.name', 'u.email', 'u.may_spend_credits')
    .where({ 'r.workspace_id': workspaceId, 'r.status': 'pending' })
    .orderBy([{ column: 'r.created_at', order: 'asc' }, { column: 'r.id', order: 'asc' }])
    .limit(limit);
}

/** Approves (and grants credit access) or denies a pending request; the member is notified. */
export async function decideRequest(db: Knex, actor: Actor, workspaceId: number, requestId: number, approve: boolean): Promise<void> {
  await db.transaction(async (trx) => {
    const r = await forUpdate(trx, trx('credit_access_requests').where({ id: requestId, workspace_id: workspaceId })).first();
    if (!r) throw notFound('No such credit access request in this workspace.');
    if (r.status !== 'pending') throw new HttpError(409, `This request was already ${r.status}.`);
    const status = approve ? 'approved' : 'denied';
    await trx('credit_access_requests').where({ id: requestId }).update({ status, decided_at: toDbTime(new Date()), decided_by_user_id: actor.userId });
    if (approve) await setCreditAccess(trx, actor, workspaceId, r.user_id, true);
    // Every admin's copy of the request notification is handled now, and says who decided.
    await markHandled(trx, workspaceId, { type: REQUEST_SUBJECT, id: requestId }, actor.userId ?? null, status);
    const user = await trx('users').select('email').where({ id: r.user_id }).first();
    await notify(trx, {
      workspaceId,
      recipientUserId: r.user_id,
      kind: `credits.access_request.${status}`,
      title: approve ? 'Your credit access request was approved' : 'Your credit access request was denied',
      body: approve ? 'You can now run actions that cost credits (Grid rows, API calls, agent runs).' : 'An admin declined your request to spend credits. Ask your workspace admin if you need it.',
      link: '/me',
      email: true,
    });
    await emitAccessRequestDecided(trx, workspaceId, requestId, r.user_id, status, actor.label);
    await recordAudit(trx, {
      workspaceId,
      actor,
      action: `credits.access_request.${approve ? 'approve' : 'deny'}`,
      targetType: 'credit_access_request',
      targetId: requestId,
      before: { user: user?.email, status: 'pending' },
      after: { user: user?.email, status },
    });
  });
}
