// Routes of this feature (placeholder until the feature lands).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { comingSoon } from '../shell/coming-soon';

export function creditsRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/credits', requireAdmin, comingSoon('Credits', 'The shared credit pool, packs, pay-as-you-go and access requests.'));
  return router;
}
