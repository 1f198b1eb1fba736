// Creating and reading in-app notifications (the bell, /admin/notifications, member outcomes on /me).
import type { Knex } from 'knex';
import { toDbTime } from '../db/time';
import { mailEnabled, sendPendingAfterCommit } from './mailer';

export interface NewNotification {
  workspaceId: number;
  /** null = every admin of the workspace */
  recipientUserId?: number | null;
  kind: string;
  title: string;
  body?: string | null;
  link?: string | null;
  /** also e-mail it when SMTP is configured */
  email?: boolean;
}

/** Inserts a notification; with `email`, it joins the outbox that is sent after commit. */
export async function notify(db: Knex, n: NewNotification): Promise<void> {
  const email = !!n.email && mailEnabled(db);
  await db('notifications').insert({
    workspace_id: n.workspaceId,
    recipient_user_id: n.recipientUserId ?? null,
    kind: n.kind,
    title: n.title.slice(0, 200),
    body: n.body ? n.body.slice(0, 1000) : null,
    link: n.link ?? null,
    created_at: toDbTime(new Date()),
    email_status: email ? 'pending' : null,
  });
  if (email) sendPendingAfterCommit(db);
}

export interface NotificationRow {
  id: number;
  kind: string;
  title: string;
  body: string | null;
  link: string | null;
  created_at: string;
  read_at: string | null;
}

export interface NotificationCursor {
  at: string;
  id: number;
}

/** The notifications an admin sees (for every admin, or addressed to them), newest first, keyset-paginated. */
export async function listNotifications(
  db: Knex,
  workspaceId: number,
  userId: number,
  opts: { unreadOnly?: boolean; before?: NotificationCursor | null; limit?: number } = {},
): Promise<{ rows: NotificationRow[]; next: NotificationCursor | null }> {
  const limit = opts.limit ?? 25;
  const q = db('notifications')
    .select('id', 'kind', 'title', 'body', 'link', 'created_at', 'read_at')
    .where({ workspace_id: workspaceId })
    .where((w) => w.whereNull('recipient_user_id').orWhere('recipient_user_id', userId))
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(limit + 1);
  if (opts.unreadOnly) q.whereNull('read_at');
  const before = opts.before;
  if (before) q.where((w) => w.where('created_at', '<', before.at).orWhere((x) => x.where('created_at', '=', before.at).andWhere('id', '<', before.id)));
  const rows: NotificationRow[] = await q;
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: more && last ? { at: String(last.created_at).slice(0, 23), id: Number(last.id) } : null };
}

function visibleTo(q: Knex.QueryBuilder, workspaceId: number, userId: number) {
  return q.where({ workspace_id: workspaceId }).where((w) => w.whereNull('recipient_user_id').orWhere('recipient_user_id', userId));
}

/** Marks one notification read; false when it is not one this admin can see. */
export async function markRead(db: Knex, workspaceId: number, userId: number, id: number): Promise<boolean> {
  const row = await visibleTo(db('notifications').select('id', 'read_at').where({ id }), workspaceId, userId).first();
  if (!row) return false;
  if (!row.read_at) await db('notifications').where({ id }).update({ read_at: toDbTime(new Date()) });
  return true;
}

export async function markAllRead(db: Knex, workspaceId: number, userId: number): Promise<number> {
  return visibleTo(db('notifications'), workspaceId, userId).whereNull('read_at').update({ read_at: toDbTime(new Date()) });
}

/** A member's own notifications (access-request outcomes), newest first. */
export async function memberNotifications(db: Knex, workspaceId: number, userId: number, limit = 5): Promise<NotificationRow[]> {
  return db('notifications')
    .select('id', 'kind', 'title', 'body', 'link', 'created_at', 'read_at')
    .where({ workspace_id: workspaceId, recipient_user_id: userId })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(limit);
}
