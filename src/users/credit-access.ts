// Per-user permission to spend credits: one function for the Users page and the Credits page.
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/audit';
import { toDbTime } from '../db/time';
import { notFound } from '../http/errors';

export async function setCreditAccess(db: Knex, actor: Actor, workspaceId: number, userId: number, allowed: boolean): Promise<void> {
  await db.transaction(async (trx) => {
    const user = await trx('users').select('id', 'email', 'may_spend_credits').where({ id: userId, workspace_id: workspaceId }).first();
    if (!user) throw notFound('No such user in this workspace.');
    const before = !!user.may_spend_credits;
    if (before === allowed) return;
    await trx('users').where({ id: userId }).update({ may_spend_credits: allowed, updated_at: toDbTime(new Date()) });
    await recordAudit(trx, {
      workspaceId,
      actor,
      action: 'user.credit_access.update',
      targetType: 'user',
      targetId: userId,
      before: { email: user.email, may_spend_credits: before },
      after: { email: user.email, may_spend_credits: allowed },
    });
  });
}
