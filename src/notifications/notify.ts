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
  /** false: e-mail only, never listed in the console (an alert rule that e-mails without notifying in-app) */
  inApp?: boolean;
  /** what it is about (e.g. a credit access request), so deciding it marks it handled for every admin */
  subject?: { type: string; id: number } | null;
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
    in_app: n.inApp ?? true,
    subject_type: n.subject?.type ?? null,
    subject_id: n.subject?.id ?? null,
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
  subject_type?: string | null;
  subject_id?: number | null;
  /** set when the thing it asks for was dealt with (by any admin) */
  handled_at?: string | null;
  handled_outcome?: string | null;
  handled_by_name?: string | null;
}

export interface NotificationCursor {
  at: string;
  id: number;
}

/**
 * The notifications `userId` can see (shared with every admin, or addressed to them; not the e-mail-only ones) with their own
 * read state: `read_at` comes from notification_reads (one row per reader), so one admin reading a
 * shared notification leaves it unread for the others.
 */
function visibleWithReadState(db: Knex, workspaceId: number, userId: number) {
  return db('notifications as n')
    .leftJoin('notification_reads as r', (j) => j.on('r.notification_id', '=', 'n.id').andOnVal('r.user_id', '=', userId))
    .leftJoin('users as h', 'h.id', 'n.handled_by_user_id')
    .where('n.workspace_id', workspaceId)
    .where('n.in_app', true)
    .where((w) => w.whereNull('n.recipient_user_id').orWhere('n.recipient_user_id', userId));
}

const COLUMNS = ['n.id', 'n.kind', 'n.title', 'n.body', 'n.link', 'n.created_at', 'r.read_at', 'n.subject_type', 'n.subject_id', 'n.handled_at', 'n.handled_outcome', 'h.name as handled_by_name'];

/** Unread for this reader: not read by them, and not already handled by some admin. */
function unread(q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q.whereNull('r.notification_id').whereNull('n.handled_at');
}
const NEWEST_FIRST = [{ column: 'n.created_at', order: 'desc' as const }, { column: 'n.id', order: 'desc' as const }];

/** The notifications an admin sees (for every admin, or addressed to them), newest first, keyset-paginated. */
export async function listNotifications(
  db: Knex,
  workspaceId: number,
  userId: number,
  opts: { unreadOnly?: boolean; before?: NotificationCursor | null; limit?: number } = {},
): Promise<{ rows: NotificationRow[]; next: NotificationCursor | null }> {
  const limit = opts.limit ?? 25;
  const q = visibleWithReadState(db, workspaceId, userId).select(COLUMNS).orderBy(NEWEST_FIRST).limit(limit + 1);
  if (opts.unreadOnly) unread(q);
  const before = opts.before;
  if (before) q.where((w) => w.where('n.created_at', '<', before.at).orWhere((x) => x.where('n.created_at', '=', before.at).andWhere('n.id', '<', before.id)));
  const rows: NotificationRow[] = await q;
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: more && last ? { at: String(last.created_at).slice(0, 23), id: Number(last.id) } : null };
}

/** How many notifications this user has not read yet (the bell badge). */
export async function unreadCount(db: Knex, workspaceId: number, userId: number): Promise<number> {
  const row = await unread(visibleWithReadState(db, workspaceId, userId)).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/** Marks one notification read for this user; false when it is not one they can see. */
export async function markRead(db: Knex, workspaceId: number, userId: number, id: number): Promise<boolean> {
  const row = await visibleWithReadState(db, workspaceId, userId).select('n.id', 'r.read_at').where('n.id', id).first();
  if (!row) return false;
  if (!row.read_at) await db('notification_reads').insert({ notification_id: id, user_id: userId, read_at: toDbTime(new Date()) }).onConflict(['notification_id', 'user_id']).ignore();
  return true;
}

/** Marks every notification this user can see as read for them; returns how many were unread. */
export async function markAllRead(db: Knex, workspaceId: number, userId: number): Promise<number> {
  const ids = await unread(visibleWithReadState(db, workspaceId, userId).select('n.id'));
  if (ids.length === 0) return 0;
  const at = toDbTime(new Date());
  const rows = ids.map((r: { id: number }) => ({ notification_id: Number(r.id), user_id: userId, read_at: at }));
  for (let i = 0; i < rows.length; i += 500) await db('notification_reads').insert(rows.slice(i, i + 500)).onConflict(['notification_id', 'user_id']).ignore();
  return rows.length;
}

/** A member's own notifications (access-request outcomes), newest first. */
export async function memberNotifications(db: Knex, workspaceId: number, userId: number, limit = 5): Promise<NotificationRow[]> {
  return visibleWithReadState(db, workspaceId, userId).select(COLUMNS).where('n.recipient_user_id', userId).orderBy(NEWEST_FIRST).limit(limit);
}

/**
 * Marks the notifications about one subject handled for every admin at once (who, when, outcome):
 * they leave every admin's unread count and say who dealt with them. Runs in the caller's transaction.
 */
export async function markHandled(db: Knex, workspaceId: number, subject: { type: string; id: number }, byUserId: number | null, outcome: string): Promise<number> {
  return db('notifications')
    .where({ workspace_id: workspaceId, subject_type: subject.type, subject_id: subject.id })
    .whereNull('handled_at')
    .update({ handled_at: toDbTime(new Date()), handled_by_user_id: byUserId, handled_outcome: outcome });
}

/** One notification this user can see, with their read state and who handled it (or undefined). */
export async function findVisible(db: Knex, workspaceId: number, userId: number, id: number): Promise<NotificationRow | undefined> {
  return visibleWithReadState(db, workspaceId, userId).select(COLUMNS).where('n.id', id).first();
}

/** The newest notification about a subject (e.g. one access request), for linking back to it. */
export async function notificationAbout(db: Knex, workspaceId: number, subject: { type: string; id: number }): Promise<number | null> {
  const row = await db('notifications').select('id').where({ workspace_id: workspaceId, subject_type: subject.type, subject_id: subject.id }).orderBy('id', 'desc').first();
  return row ? Number(row.id) : null;
}
