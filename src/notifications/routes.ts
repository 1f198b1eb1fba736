// Routes of this feature (placeholder until the feature lands).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { comingSoon } from '../shell/coming-soon';

export function notificationsRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/notifications', requireAdmin, comingSoon('Notifications', 'Credit alerts and access requests.'));
  return router;
}
