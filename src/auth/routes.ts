// GET/POST /login and POST /logout.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { authHandlers } from './handlers';

export function authRouter(ctx: AppContext): Router {
  const router = Router();
  const h = authHandlers(ctx);
  router.get('/login', h.showLoginPage);
  router.post('/login', h.perIp, h.perAccount, h.login);
  router.post('/logout', h.logout);
  return router;
}
