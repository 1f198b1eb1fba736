// Home redirect and the health check.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireUser } from '../http/guards';

export function shellRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/', requireUser, (req, res) => res.redirect(303, req.user!.role === 'admin' ? '/admin/usage' : '/me'));
  router.get('/healthz', async (_req, res) => {
    const started = Date.now();
    try {
      await ctx.db.raw('select 1 as ok');
      res.json({ status: 'ok', database: { reachable: true, latency_ms: Date.now() - started } });
    } catch (err) {
      ctx.logger.warn({ err }, 'health check: database unreachable');
      res.status(503).json({ status: 'unavailable', database: { reachable: false, error: 'database unreachable' } });
    }
  });
  return router;
}
