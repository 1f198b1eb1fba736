// Handlers of the admin notifications list (GET /admin/notifications) and of marking them read.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { notFound, isHtmx } from '../http/errors';
import { renderPageOrPartial } from '../http/render';
import { idParam, parseOrThrow } from '../http/validate';
import { localDateTime, fromDbTime } from '../db/time';
import { configureMail } from './mailer';
import { listNotifications, markAllRead, markRead } from './notify';
import { decodeCursor, encodeCursor, querySchema } from './forms';

export function notificationsHandlers(ctx: AppContext) {
  const { db } = ctx;
  // Alerts are e-mailed to admins when SMTP_URL is set (sent after the writing transaction commits).
  configureMail(db, { smtpUrl: ctx.config.SMTP_URL, from: ctx.config.SMTP_FROM, logger: ctx.logger });

  return {
    async listNotifications(req: Request, res: Response) {
      const q = parseOrThrow(querySchema, { show: req.query.show, before: typeof req.query.before === 'string' ? req.query.before : undefined });
      const page = await listNotifications(db, req.user!.workspace_id, req.user!.id, { unreadOnly: q.show === 'unread', before: decodeCursor(q.before) });
      const zone = (res.locals.workspace?.time_zone as string) ?? 'UTC';
      renderPageOrPartial(req, res, 'pages/notifications/index', 'partials/notifications/list', {
        title: 'Notifications',
        show: q.show,
        before: q.before ?? null,
        page,
        next: page.next ? encodeCursor(page.next) : null,
        when: (v: string) => {
          const d = fromDbTime(v);
          return d ? localDateTime(d, zone).slice(0, 16) : '';
        },
        notice: req.query.saved === 'read' ? 'All notifications marked as read.' : null,
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
