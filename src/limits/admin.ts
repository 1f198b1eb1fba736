// Admin changes to limits: add, edit, remove — each audited with before and after.
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/audit';
import { notFound } from '../http/errors';
import type { PolicyForm } from './forms';
import { localToUtc } from './forms';
import { deletePolicy, findPolicy, insertPolicy, updatePolicy, type PolicyInput, type PolicyRecord } from './queries';
import type { FieldErrors } from '../http/validate';

/** A policy as the audit log shows it. */
export function auditView(p: PolicyRecord) {
  return {
    scope: p.scope,
    group: p.groupName,
    user: p.userEmail,
    applies_to: p.appliesTo,
    metric: p.metric,
    period: p.period,
    amount: p.amount,
    mode: p.mode,
    expires_at: p.expiresAt ? p.expiresAt.toISOString() : null,
    note: p.note,
  };
}

/** The form's values checked against the workspace (group and user exist here): input or field errors. */
export async function toPolicyInput(db: Knex, ws: number, zone: string, f: PolicyForm): Promise<{ ok: true; input: PolicyInput } | { ok: false; errors: FieldErrors }> {
  let groupId: number | null = null;
  let userId: number | null = null;
  if (f.layer === 'group_member' || f.layer === 'group_shared') {
    const g = await db('groups').select('id').where({ workspace_id: ws, id: Number(f.group_id) }).first();
    if (!g) return { ok: false, errors: { group_id: 'Choose a group of this workspace.' } };
    groupId = Number(g.id);
  }
  if (f.layer === 'user') {
    const u = await db('users').select('id').where({ workspace_id: ws, email: f.user_email }).first();
    if (!u) return { ok: false, errors: { user_email: `No user with email ${f.user_email} in this workspace.` } };
    userId = Number(u.id);
  }
  let expiresAt: Date | null = null;
  if (f.expires_at) {
    expiresAt = localToUtc(f.expires_at, zone);
    if (!expiresAt) return { ok: false, errors: { expires_at: 'Enter a real date and time.' } };
  }
  return {
    ok: true,
    input: {
      scope: f.layer === 'workspace' ? 'workspace' : f.layer === 'user' ? 'user' : 'group',
      groupId,
      userId,
      appliesTo: f.layer === 'group_shared' ? 'shared' : 'member',
      metric: f.metric,
      period: f.period,
      amount: f.amount,
      mode: f.mode,
      expiresAt,
      note: f.note,
    },
  };
}

export async function addPolicy(db: Knex, actor: Actor, ws: number, input: PolicyInput): Promise<number> {
  return db.transaction(async (trx) => {
    const id = await insertPolicy(trx, ws, input, actor.userId);
    const after = await findPolicy(trx, ws, id);
    await recordAudit(trx, { workspaceId: ws, actor, action: 'limit.create', targetType: 'limit', targetId: id, after: auditView(after!) });
    return id;
  });
}

export async function editPolicy(db: Knex, actor: Actor, ws: number, id: number, input: PolicyInput): Promise<void> {
  await db.transaction(async (trx) => {
    const before = await findPolicy(trx, ws, id);
    if (!before) throw notFound('No such limit.');
    await updatePolicy(trx, ws, id, input);
    const after = await findPolicy(trx, ws, id);
    await recordAudit(trx, { workspaceId: ws, actor, action: 'limit.update', targetType: 'limit', targetId: id, before: auditView(before), after: auditView(after!) });
  });
}

export async function removePolicy(db: Knex, actor: Actor, ws: number, id: number): Promise<void> {
  await db.transaction(async (trx) => {
    const before = await findPolicy(trx, ws, id);
    if (!before) throw notFound('No such limit.');
    await deletePolicy(trx, ws, id);
    await recordAudit(trx, { workspaceId: ws, actor, action: 'limit.delete', targetType: 'limit', targetId: id, before: auditView(before), after: null });
  });
}

