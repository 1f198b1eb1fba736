// A user's own page (/me): their usage, their credits, the credit meter and credit access requests.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireUser } from '../http/guards';
import { meHandlers } from './handlers';

export function meRouter(ctx: AppContext): Router {
  const router = Router();
  const h = meHandlers(ctx);
  router.get('/me', requireUser, h.showMe);
  router.post('/me/credit-access-request', requireUser, h.requestCreditAccess);
  return router;
}
