// Notifications: the admin list (GET /admin/notifications) and marking them read.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { notificationsHandlers } from './handlers';

export function notificationsRouter(ctx: AppContext): Router {
  const router = Router();
  const h = notificationsHandlers(ctx);
  router.get('/admin/notifications', requireAdmin, h.listNotifications);
  router.post('/admin/notifications/read-all', requireAdmin, h.markAllRead);
  router.post('/admin/notifications/:id/read', requireAdmin, h.markOneRead);
  return router;
}
