// Handlers of the admin notifications list (GET /admin/notifications) and of marking them read.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { notFound, isHtmx } from '../http/errors';
import { renderPageOrPartial } from '../http/render';
import { idParam, parseOrThrow } from '../http/validate';
import { configureMail } from './mailer';
import { findVisible, listNotifications, markAllRead, markRead, type NotificationRow } from './notify';
import { decodeCursor, encodeCursor, querySchema } from './forms';

export function notificationsHandlers(ctx: AppContext) {
  const { db } = ctx;
  // Alerts are e-mailed to admins when SMTP_URL is set (sent after the writing transaction commits).
  configureMail(db, { smtpUrl: ctx.config.SMTP_URL, from: ctx.config.SMTP_FROM, logger: ctx.logger });

  return {
    async listNotifications(req: Request, res: Response) {
      const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
      const q = parseOrThrow(querySchema, { show: req.query.show, before: one(req.query.before), decided: one(req.query.decided), already: one(req.query.already) });
      const page = await listNotifications(db, req.user!.workspace_id, req.user!.id, { unreadOnly: q.show === 'unread', before: decodeCursor(q.before) });
      // After Approve/Deny from this list: the confirmation sits next to the notification decided
      // (or at the top when it is not on this page), saying who decided.
      let decided: { notificationId: number; text: string } | null = null;
      if (q.decided) {
        const n: NotificationRow | undefined = page.rows.find((r) => Number(r.id) === q.decided) ?? (await findVisible(db, req.user!.workspace_id, req.user!.id, q.decided));
        if (n?.handled_at) {
          const outcome = n.handled_outcome === 'approved' ? 'approved' : n.handled_outcome === 'denied' ? 'denied' : 'handled';
          const by = n.handled_by_name ? ` by ${n.handled_by_name}` : '';
          const text = q.already
            ? `Already ${outcome}${by}; nothing changed.`
            : outcome === 'approved'
              ? `Approved${by}: they can now spend credits.`
              : outcome === 'denied'
                ? `Denied${by}: they have been told.`
                : `Handled${by}.`;
          decided = { notificationId: Number(n.id), text };
        }
      }
      renderPageOrPartial(req, res, 'pages/notifications/index', 'partials/notifications/list', {
        title: 'Notifications',
        show: q.show,
        before: q.before ?? null,
        page,
        next: page.next ? encodeCursor(page.next) : null,
        decided,
        notice: req.query.saved === 'read' ? 'All notifications marked as read.' : decided && !page.rows.some((n) => Number(n.id) === decided!.notificationId) ? decided.text : null,
      });
    },

    async markAllRead(req: Request, res: Response) {
      await markAllRead(db, req.user!.workspace_id, req.user!.id);
      res.redirect(303, '/admin/notifications?saved=read');
    },

    async markOneRead(req: Request, res: Response) {
      const id = idParam(req.params.id);
      if (!(await markRead(db, req.user!.workspace_id, req.user!.id, id))) throw notFound('No such notification.');
      if (isHtmx(req)) return res.status(204).end();
      const back = typeof req.body?.next === 'string' && /^\/(admin|me)(\/|$|\?|#)/.test(req.body.next) ? req.body.next : '/admin/notifications';
      res.redirect(303, back);
    },
  };
}
