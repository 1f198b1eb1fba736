// Temporary increase requests: a member asks for a higher limit until a date (one pending per
// limit), admins are notified and approve (as asked, or with another amount or expiry) or deny;
// an approval becomes a temporary user override that reverts by itself. Every step is audited.
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/audit';
import { fromDbTime, toDbTime } from '../db/time';
import { forUpdate } from '../db/dialect';
import { HttpError, notFound } from '../http/errors';
import { notify } from '../notifications/notify';
import { formatNumber, timestampInSentence } from '../http/format';
import { findWorkspace } from '../workspaces/queries';
import { METRIC_LABELS, type Metric, type Period } from './model';
import { insertPolicy } from './queries';

export interface LimitRequestRow {
  id: number;
  user_id: number;
  name: string;
  email: string;
  metric: Metric;
  period: Period;
  amount: number;
  expires_at: Date | null;
  note: string | null;
  status: 'pending' | 'approved' | 'denied';
  created_at: string;
}

function toRow(r: any): LimitRequestRow {
  return { ...r, id: Number(r.id), user_id: Number(r.user_id), amount: Number(r.amount), expires_at: fromDbTime(r.expires_at) };
}

const COLS = ['r.id', 'r.user_id', 'u.name', 'u.email', 'r.metric', 'r.period', 'r.amount', 'r.expires_at', 'r.note', 'r.status', 'r.created_at'];

export async function pendingLimitRequests(db: Knex, ws: number): Promise<LimitRequestRow[]> {
  const rows = await db('limit_requests as r').join('users as u', 'u.id', 'r.user_id').select(COLS).where({ 'r.workspace_id': ws, 'r.status': 'pending' }).orderBy('r.id').limit(200);
  return rows.map(toRow);
}

export async function myLimitRequests(db: Knex, ws: number, userId: number): Promise<LimitRequestRow[]> {
  const rows = await db('limit_requests as r').join('users as u', 'u.id', 'r.user_id').select(COLS).where({ 'r.workspace_id': ws, 'r.user_id': userId }).orderBy('r.id', 'desc').limit(10);
  return rows.map(toRow);
}

/** The workspace's zone, for the times written into notifications. */
async function zoneOf(db: Knex, ws: number): Promise<string> {
  return (await findWorkspace(db, ws))?.time_zone ?? 'UTC';
}

export interface NewLimitRequest {
  metric: Metric;
  period: Period;
  amount: number;
  expiresAt: Date;
  note: string | null;
}

/** Files a request; false when one for the same limit is already pending. */
export async function requestIncrease(db: Knex, actor: Actor, ws: number, userId: number, r: NewLimitRequest, now: Date = new Date()): Promise<boolean> {
  if (r.expiresAt.getTime() <= now.getTime()) throw new HttpError(422, 'The end of the increase must be in the future.', 'validation_failed', { expires_at: 'Pick a time in the future.' });
  return db.transaction(async (trx) => {
    // the user's row is the lock: two clicks never file two requests
    const user = await forUpdate(trx, trx('users').select('id', 'name', 'email').where({ id: userId, workspace_id: ws })).first();
    if (!user) throw notFound();
    const pending = await trx('limit_requests').select('id').where({ workspace_id: ws, user_id: userId, metric: r.metric, period: r.period, status: 'pending' }).first();
    if (pending) return false;
    const [id] = await trx('limit_requests').insert({
      workspace_id: ws,
      user_id: userId,
      metric: r.metric,
      period: r.period,
      amount: r.amount,
      expires_at: toDbTime(r.expiresAt),
      note: r.note,
      status: 'pending',
      created_at: toDbTime(now),
    });
    await notify(trx, {
      workspaceId: ws,
      kind: 'limits.increase_request',
      title: `${user.name} asks for a higher ${METRIC_LABELS[r.metric]} limit`,
      body: `${user.name} (${user.email}) asked for ${formatNumber(r.amount)} ${METRIC_LABELS[r.metric]} per ${r.period} until ${timestampInSentence(r.expiresAt, await zoneOf(trx, ws))}${r.note ? `: “${r.note}”` : '.'} Approve or deny it on the Limits page.`,
      link: '/admin/settings/limits#requests',
      email: true,
    });
    await recordAudit(trx, { workspaceId: ws, actor, action: 'limit.request.create', targetType: 'limit_request', targetId: Number(id), after: { user: user.email, metric: r.metric, period: r.period, amount: r.amount, expires_at: r.expiresAt.toISOString(), note: r.note } });
    return true;
  });
}

/** Approves (a temporary user override, amount and expiry as given by the admin) or denies. */
export async function decideIncrease(
  db: Knex,
  actor: Actor,
  ws: number,
  id: number,
  d: { decision: 'approve' | 'deny'; amount?: number; expiresAt?: Date | null },
  now: Date = new Date(),
): Promise<void> {
  await db.transaction(async (trx) => {
    const req = await forUpdate(trx, trx('limit_requests').where({ workspace_id: ws, id })).first();
    if (!req) throw notFound('No such request.');
    if (req.status !== 'pending') throw new HttpError(409, 'This request has already been decided.');
    const user = await trx('users').select('id', 'email').where({ id: req.user_id, workspace_id: ws }).first();
    let policyId: number | null = null;
    const amount = d.amount ?? Number(req.amount);
    const expiresAt = d.expiresAt ?? fromDbTime(req.expires_at)!;
    if (d.decision === 'approve') {
      if (expiresAt.getTime() <= now.getTime()) throw new HttpError(422, 'The end of the increase must be in the future.', 'validation_failed', { expires_at: 'Pick a time in the future.' });
      policyId = await insertPolicy(
        trx,
        ws,
        { scope: 'user', groupId: null, userId: Number(req.user_id), appliesTo: 'member', metric: req.metric, period: req.period, amount, mode: 'hard', expiresAt, note: `Temporary increase (request #${id})` },
        actor.userId,
      );
    }
    const status = d.decision === 'approve' ? 'approved' : 'denied';
    await trx('limit_requests').where({ workspace_id: ws, id }).update({ status, policy_id: policyId, decided_at: toDbTime(now), decided_by_user_id: actor.userId });
    await notify(trx, {
      workspaceId: ws,
      recipientUserId: Number(req.user_id),
      kind: `limits.increase_${status}`,
      title: d.decision === 'approve' ? `Your higher ${METRIC_LABELS[req.metric as Metric]} limit was approved` : `Your request for a higher ${METRIC_LABELS[req.metric as Metric]} limit was denied`,
      body:
        d.decision === 'approve'
          ? `You may use ${formatNumber(amount)} ${METRIC_LABELS[req.metric as Metric]} per ${req.period} until ${timestampInSentence(expiresAt, await zoneOf(trx, ws))}; then your usual limit applies again.`
          : 'Your usual limit stays in force. Ask your admin if you need more.',
      link: '/me/limits',
      email: true,
    });
    await recordAudit(trx, {
      workspaceId: ws,
      actor,
      action: `limit.request.${d.decision}`,
      targetType: 'limit_request',
      targetId: id,
      before: { status: 'pending', amount: Number(req.amount), expires_at: fromDbTime(req.expires_at)?.toISOString() },
      after: { user: user?.email, status, amount, expires_at: d.decision === 'approve' ? expiresAt.toISOString() : null, policy_id: policyId },
    });
  });
}
