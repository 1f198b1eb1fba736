// User Management writes: allocations (one or many), role, revoke/restore, invite. Each change is
// one transaction with its audit row (who, when, what, before, after, IP).
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/audit';
import { forUpdate, isDuplicateKeyError } from '../db/dialect';
import { toDbTime } from '../db/time';
import { HttpError, notFound } from '../http/errors';
import { emitUserRevoked } from '../webhooks/emit';

export class RuleError extends HttpError {
  constructor(
    message: string,
    readonly field: string = '_form',
    readonly reason: string = 'rule',
  ) {
    super(422, message, 'validation_failed', { [field]: message });
  }
}

export const LAST_ADMIN_MESSAGE = 'This is the last active admin of the workspace: make another user an admin first.';

interface UserLocked {
  id: number;
  email: string;
  role: string;
  status: string;
  joined_at: string | null;
  max_inference_tokens: number;
  max_embedding_tokens: number;
}

async function lockUser(trx: Knex.Transaction, workspaceId: number, userId: number): Promise<UserLocked> {
  const u = await forUpdate(
    trx,
    trx('users').select('id', 'email', 'role', 'status', 'joined_at', 'max_inference_tokens', 'max_embedding_tokens').where({ id: userId, workspace_id: workspaceId }),
  ).first();
  if (!u) throw notFound('No such user in this workspace.');
  return { ...u, max_inference_tokens: Number(u.max_inference_tokens), max_embedding_tokens: Number(u.max_embedding_tokens) };
}

/** Refuses a change that would leave the workspace without an active admin. */
async function assertNotLastAdmin(trx: Knex.Transaction, workspaceId: number, u: UserLocked): Promise<void> {
  if (u.role !== 'admin' || u.status !== 'active') return;
  const others = await forUpdate(
    trx,
    trx('users').select('id').where({ workspace_id: workspaceId, role: 'admin', status: 'active' }).whereNot('id', u.id),
  );
  if (others.length === 0) throw new RuleError(LAST_ADMIN_MESSAGE, '_form', 'last_admin');
}

export interface Allocation {
  maxInference?: number;
  maxEmbedding?: number;
}

/** Locks one user and applies the allocation (fields left undefined keep their value); false when nothing changed. */
async function applyAllocation(trx: Knex.Transaction, actor: Actor, workspaceId: number, userId: number, a: Allocation, action: string): Promise<boolean> {
  const u = await lockUser(trx, workspaceId, userId);
  const next = {
    max_inference_tokens: a.maxInference ?? u.max_inference_tokens,
    max_embedding_tokens: a.maxEmbedding ?? u.max_embedding_tokens,
  };
  if (next.max_inference_tokens === u.max_inference_tokens && next.max_embedding_tokens === u.max_embedding_tokens) return false;
  await trx('users').where({ id: u.id }).update({ ...next, updated_at: toDbTime(new Date()) });
  await recordAudit(trx, {
    workspaceId,
    actor,
    action,
    targetType: 'user',
    targetId: u.id,
    before: { email: u.email, max_inference_tokens: u.max_inference_tokens, max_embedding_tokens: u.max_embedding_tokens },
    after: { email: u.email, ...next },
  });
  return true;
}

export async function setAllocation(db: Knex, actor: Actor, workspaceId: number, userId: number, a: Allocation): Promise<void> {
  await db.transaction((trx) => applyAllocation(trx, actor, workspaceId, userId, a, 'user.allocation.update'));
}

/** Sets the allocations of several users at once; every id must be in the workspace (else nothing changes). */
export async function setAllocationBulk(db: Knex, actor: Actor, workspaceId: number, userIds: number[], a: Allocation): Promise<number> {
  return db.transaction(async (trx) => {
    let changed = 0;
    // ascending ids: concurrent bulk changes lock rows in the same order (no deadlock)
    for (const id of [...new Set(userIds)].sort((x, y) => x - y)) {
      if (await applyAllocation(trx, actor, workspaceId, id, a, 'user.allocation.bulk_update')) changed++;
    }
    return changed;
  });
}

export async function setRole(db: Knex, actor: Actor, workspaceId: number, userId: number, role: 'admin' | 'member'): Promise<void> {
  await db.transaction(async (trx) => {
    const u = await lockUser(trx, workspaceId, userId);
    if (u.role === role) return;
    if (role !== 'admin') await assertNotLastAdmin(trx, workspaceId, u);
    await trx('users').where({ id: u.id }).update({ role, updated_at: toDbTime(new Date()) });
    await recordAudit(trx, {
      workspaceId,
      actor,
      action: 'user.role.update',
      targetType: 'user',
      targetId: u.id,
      before: { email: u.email, role: u.role },
      after: { email: u.email, role },
    });
  });
}

/** Revoked users cannot sign in (their next request signs them out), keep their history and hold no licence. */
export async function revokeUser(db: Knex, actor: Actor, workspaceId: number, userId: number): Promise<void> {
  await db.transaction(async (trx) => {
    const u = await lockUser(trx, workspaceId, userId);
    if (u.status === 'revoked') return;
    await assertNotLastAdmin(trx, workspaceId, u);
    const now = toDbTime(new Date());
    await trx('users').where({ id: u.id }).update({ status: 'revoked', revoked_at: now, updated_at: now });
    await emitUserRevoked(trx, workspaceId, u.id, actor.label);
    await recordAudit(trx, {
      workspaceId,
      actor,
      action: 'user.revoke',
      targetType: 'user',
      targetId: u.id,
      before: { email: u.email, status: u.status },
      after: { email: u.email, status: 'revoked' },
    });
  });
}

/** Restores access: back to active when the user had joined, else back to invited. */
export async function restoreUser(db: Knex, actor: Actor, workspaceId: number, userId: number): Promise<void> {
  await db.transaction(async (trx) => {
    const u = await lockUser(trx, workspaceId, userId);
    if (u.status !== 'revoked') return;
    const status = u.joined_at ? 'active' : 'invited';
    await trx('users').where({ id: u.id }).update({ status, revoked_at: null, updated_at: toDbTime(new Date()) });
    await recordAudit(trx, {
      workspaceId,
      actor,
      action: 'user.restore',
      targetType: 'user',
      targetId: u.id,
      before: { email: u.email, status: 'revoked' },
      after: { email: u.email, status },
    });
  });
}

export interface Invite {
  email: string;
  name: string;
  role: 'admin' | 'member';
  department: string | null;
  maxInference: number;
  maxEmbedding: number;
  maySpendCredits: boolean;
}

export const DUPLICATE_EMAIL_MESSAGE = 'A user with this email already exists in this workspace.';

/** Creates an invited user; a duplicate email is a RuleError on the email field. */
export async function inviteUser(db: Knex, actor: Actor, workspaceId: number, inv: Invite): Promise<number> {
  try {
    return await db.transaction(async (trx) => {
      const email = inv.email.trim().toLowerCase();
      const exists = await trx('users').select('id').where({ workspace_id: workspaceId, email }).first();
      if (exists) throw new RuleError(DUPLICATE_EMAIL_MESSAGE, 'email', 'duplicate');
      const now = toDbTime(new Date());
      const [id] = await trx('users').insert({
        workspace_id: workspaceId,
        email,
        name: inv.name,
        role: inv.role,
        department: inv.department,
        status: 'invited',
        invited_at: now,
        max_inference_tokens: inv.maxInference,
        max_embedding_tokens: inv.maxEmbedding,
        may_spend_credits: inv.maySpendCredits,
        created_at: now,
        updated_at: now,
      });
      await recordAudit(trx, {
        workspaceId,
        actor,
        action: 'user.invite',
        targetType: 'user',
        targetId: Number(id),
        before: null,
        after: {
          email,
          name: inv.name,
          role: inv.role,
          department: inv.department,
          status: 'invited',
          max_inference_tokens: inv.maxInference,
          max_embedding_tokens: inv.maxEmbedding,
          may_spend_credits: inv.maySpendCredits,
        },
      });
      return Number(id);
    });
  } catch (err) {
    if (isDuplicateKeyError(err)) throw new RuleError(DUPLICATE_EMAIL_MESSAGE, 'email', 'duplicate');
    throw err;
  }
}
