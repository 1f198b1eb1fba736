// /admin/api-keys: list, create (secret shown once), revoke; /admin/api-keys/docs: the API reference.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { apiKeysHandlers } from './handlers';

export function apiKeysRouter(ctx: AppContext, opts: { apiReference: () => object }): Router {
  const router = Router();
  const h = apiKeysHandlers(ctx, opts.apiReference);
  router.get('/admin/api-keys', requireAdmin, h.listKeys);
  router.post('/admin/api-keys', requireAdmin, h.createKey);
  router.post('/admin/api-keys/:id/revoke', requireAdmin, h.revokeKey);
  router.get('/admin/api-keys/docs', requireAdmin, h.showApiReference);
  return router;
}
