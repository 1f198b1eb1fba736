// Activity Logs routes: one user's interactions, the totals of a filtered log, and its CSV export.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { activityHandlers } from './handlers';

export function activityRouter(ctx: AppContext): Router {
  const router = Router();
  const a = activityHandlers(ctx);
  router.get('/admin/users/:id/logs', requireAdmin, a.showLogs);
  router.get('/admin/users/:id/logs/totals', requireAdmin, a.showTotals);
  router.get('/admin/users/:id/logs.csv', requireAdmin, a.downloadLogsCsv);
  return router;
}
