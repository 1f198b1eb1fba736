// Routes of this feature (placeholder until the feature lands).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { comingSoon } from '../shell/coming-soon';

export function activityRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/users/:id/logs', requireAdmin, comingSoon('Activity Logs', 'Every interaction of one user, with filters and CSV export.'));
  return router;
}
