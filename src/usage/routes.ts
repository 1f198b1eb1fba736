// Routes of this feature (placeholder until the feature lands).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { comingSoon } from '../shell/coming-soon';

export function usageRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/usage', requireAdmin, comingSoon('Usage', 'Adoption cards, nine charts and five exports.'));
  return router;
}
