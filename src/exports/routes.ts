// Routes of this feature (placeholder until the feature lands).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { comingSoon } from '../shell/coming-soon';

export function exportsRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/data-dictionary', requireAdmin, comingSoon('Data dictionary', 'Every export column, its type and meaning.'));
  return router;
}
