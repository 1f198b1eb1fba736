// Notifications: the admin list (GET /admin/notifications) and marking them read.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { notFound, isHtmx } from '../http/errors';
import { renderPageOrPartial } from '../http/render';
import { idParam } from '../http/validate';
import { localDateTime, fromDbTime } from '../db/time';
import { configureMail } from './mailer';
import { listNotifications, markAllRead, markRead, type NotificationCursor } from './notify';
import { REQUEST_SUBJECT, requestWithNames } from '../credits/access-requests';

const querySchema = z.object({
  show: z.enum(['all', 'unread']).catch('all').default('all'),
  // An over-long or unreadable cursor shows the first page (cursors are opaque; nobody types one).
  before: z.string().max(300).optional().catch(undefined),
});

function decodeCursor(s: string | undefined): NotificationCursor | null {
  if (!s) return null;
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (typeof v?.at === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,3})?$/.test(v.at) && Number.isInteger(v.id)) return v;
  } catch {
    /* an unreadable cursor shows the first page */
  }
  return null;
}

export function notificationsRouter(ctx: AppContext): Router {
  const { db } = ctx;
  // Alerts are e-mailed to admins when SMTP_URL is set (sent after the writing transaction commits).
  configureMail(db, { smtpUrl: ctx.config.SMTP_URL, from: ctx.config.SMTP_FROM, logger: ctx.logger });
  const router = Router();

  async function list(req: Request, res: Response) {
    const q = querySchema.parse({ show: req.query.show, before: typeof req.query.before === 'string' ? req.query.before : undefined });
    const page = await listNotifications(db, req.user!.workspace_id, req.user!.id, { unreadOnly: q.show === 'unread', before: decodeCursor(q.before) });
    const zone = (res.locals.workspace?.time_zone as string) ?? 'UTC';
    const wsId = req.user!.workspace_id;
    // Requests on this page that are still pending can be decided right here.
    const requestIds = page.rows.filter((n) => n.subject_type === REQUEST_SUBJECT && n.subject_id != null).map((n) => Number(n.subject_id));
    const pendingIds = new Set<number>(
      requestIds.length ? (await db('credit_access_requests').select('id').where({ workspace_id: wsId, status: 'pending' }).whereIn('id', requestIds)).map((r: { id: number }) => Number(r.id)) : [],
    );
    // After Approve/Deny here: the message sits next to the notification that was decided.
    let decided: { notificationId: number; text: string } | null = null;
    const saved = typeof req.query.saved === 'string' ? req.query.saved : '';
    const rid = typeof req.query.request === 'string' && /^\d{1,10}$/.test(req.query.request) ? Number(req.query.request) : null;
    if (['approved', 'denied', 'decided'].includes(saved) && rid) {
      const r = await requestWithNames(db, wsId, rid);
      const n = await db('notifications').select('id').where({ workspace_id: wsId, subject_type: REQUEST_SUBJECT, subject_id: rid }).orderBy('id', 'desc').first();
      if (r && r.status !== 'pending') {
        const by = r.decided_by_name ? ` by ${r.decided_by_name}` : '';
        const text = saved === 'decided' ? `${r.name}'s request had already been ${r.status}${by}; nothing changed.` : r.status === 'approved' ? `Approved: ${r.name} can now spend credits.` : `Denied: ${r.name} has been told.`;
        decided = { notificationId: n ? Number(n.id) : -1, text };
      }
    }
    renderPageOrPartial(req, res, 'pages/notifications/index', 'partials/notifications/list', {
      title: 'Notifications',
      show: q.show,
      before: q.before ?? null,
      page,
      next: page.next ? Buffer.from(JSON.stringify(page.next)).toString('base64url') : null,
      when: (v: string) => {
        const d = fromDbTime(v);
        return d ? localDateTime(d, zone).slice(0, 16) : '';
      },
      pendingIds,
      decided,
      // A decision whose notification is not on this page is said at the top instead.
      notice: req.query.saved === 'read' ? 'All notifications marked as read.' : decided && !page.rows.some((n) => Number(n.id) === decided!.notificationId) ? decided.text : null,
    });
  }

  router.get('/admin/notifications', requireAdmin, list);
  router.post('/admin/notifications/read-all', requireAdmin, async (req, res) => {
    await markAllRead(db, req.user!.workspace_id, req.user!.id);
    res.redirect(303, '/admin/notifications?saved=read');
  });
  router.post('/admin/notifications/:id/read', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    if (!(await markRead(db, req.user!.workspace_id, req.user!.id, id))) throw notFound('No such notification.');
    if (isHtmx(req)) return res.status(204).end();
    const back = typeof req.body?.next === 'string' && /^\/(admin|me)(\/|$|\?|#)/.test(req.body.next) ? req.body.next : '/admin/notifications';
    res.redirect(303, back);
  });
  return router;
}
