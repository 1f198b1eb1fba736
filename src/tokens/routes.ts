// Routes of this feature (placeholder until the feature lands).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { comingSoon } from '../shell/coming-soon';

export function tokensRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/tokens', requireAdmin, comingSoon('Token Statistics', 'Inference and embedding tokens by month, with exports.'));
  return router;
}
