// Routes of this feature (placeholder until the feature lands).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { comingSoon } from '../shell/coming-soon';

export function apiKeysRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/api-keys', requireAdmin, comingSoon('API keys', 'Keys for the ingestion API.'));
  return router;
}
