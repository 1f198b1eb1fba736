// Token Statistics: GET /admin/tokens (Token Usage, Monthly Data, Exports tabs) and the three
// account-metrics CSV exports.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { tokensHandlers } from './handlers';

export function tokensRouter(ctx: AppContext): Router {
  const router = Router();
  const h = tokensHandlers(ctx);
  router.get('/admin/tokens', requireAdmin, h.showTokenStats);
  router.get('/admin/exports/token-usage.csv', requireAdmin, h.downloadTokenUsage);
  router.get('/admin/exports/users.csv', requireAdmin, h.downloadUsers);
  router.get('/admin/exports/users-with-tokens.csv', requireAdmin, h.downloadUsersWithTokens);
  return router;
}
