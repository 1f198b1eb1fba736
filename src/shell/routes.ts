// Home redirect and the health check.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireUser } from '../http/guards';
import { shellHandlers } from './handlers';

export function shellRouter(ctx: AppContext): Router {
  const router = Router();
  const h = shellHandlers(ctx);
  router.get('/', requireUser, h.home);
  router.get('/healthz', h.health);
  return router;
}
