// Routes of the Usage page: the page, its lazy chart partials and its five exports.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { usageHandlers } from './handlers';

export function usageRouter(ctx: AppContext): Router {
  const router = Router();
  const h = usageHandlers(ctx);
  router.get('/admin/usage', requireAdmin, h.showUsage);
  router.get('/admin/usage/charts/:chart', requireAdmin, h.showChart);
  router.get('/admin/exports/generation-log.csv', requireAdmin, h.downloadGenerationLog);
  router.get('/admin/exports/user-activity-log.csv', requireAdmin, h.downloadUserActivityLog);
  router.get('/admin/exports/user-log.csv', requireAdmin, h.downloadUserLog);
  router.get('/admin/exports/agents-log.csv', requireAdmin, h.downloadAgentsLog);
  router.get('/admin/exports/group-members-log.csv', requireAdmin, h.downloadGroupMembersLog);
  return router;
}
