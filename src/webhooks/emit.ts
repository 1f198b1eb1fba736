// One call per domain event, made inside the transaction of the change (credit access requests,
// revocations): each builds the event's data and queues it in the outbox.
import type { Knex } from 'knex';
import { enqueueEvent, workspaceRef } from './outbox';

interface UserLike {
  id: number;
  email: string;
  name?: string | null;
}

const userRef = (u: UserLike) => ({ id: Number(u.id), email: u.email, ...(u.name ? { name: u.name } : {}) });

export async function emitAccessRequestCreated(trx: Knex, workspaceId: number, requestId: number, user: UserLike, note: string | null): Promise<void> {
  await enqueueEvent(trx, workspaceId, 'access_request.created', { workspace: await workspaceRef(trx, workspaceId), request_id: requestId, user: userRef(user), note });
}

export async function emitAccessRequestDecided(trx: Knex, workspaceId: number, requestId: number, userId: number, decision: 'approved' | 'denied', decidedBy: string | null): Promise<void> {
  const u = await trx('users').select('id', 'email', 'name').where({ id: userId, workspace_id: workspaceId }).first();
  await enqueueEvent(trx, workspaceId, 'access_request.decided', {
    workspace: await workspaceRef(trx, workspaceId),
    request_id: requestId,
    user: userRef(u ?? { id: userId, email: '' }),
    decision,
    decided_by: decidedBy,
  });
}

export async function emitUserRevoked(trx: Knex, workspaceId: number, userId: number, revokedBy: string | null): Promise<void> {
  const u = await trx('users').select('id', 'email', 'name').where({ id: userId, workspace_id: workspaceId }).first();
  if (!u) return;
  await enqueueEvent(trx, workspaceId, 'user.revoked', { workspace: await workspaceRef(trx, workspaceId), user: userRef(u), revoked_by: revokedBy });
}
