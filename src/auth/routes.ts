// GET/POST /login and POST /logout.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { authHandlers, type SignInGate } from './handlers';

export function authRouter(ctx: AppContext, opts: { signInGate?: SignInGate } = {}): Router {
  const router = Router();
  const h = authHandlers(ctx, opts.signInGate);
  router.get('/login', h.showLoginPage);
  router.post('/login', h.perIp, h.perAccount, h.perDevice, h.login);
  router.post('/logout', h.logout);
  return router;
}
