// Home redirect and the health check.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireUser } from '../http/guards';

/** The health probe's own bound on its query (the connection wait is DB_ACQUIRE_TIMEOUT_MS). */
const HEALTH_QUERY_TIMEOUT_MS = 1500;

export function shellRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/', requireUser, (req, res) => res.redirect(303, req.user!.role === 'admin' ? '/admin/usage' : '/me'));
  router.get('/healthz', async (_req, res) => {
    const started = Date.now();
    try {
      // Answered within 2 s even when the database is frozen (a load balancer's probe must not hang).
      const probe = ctx.db.raw('select 1 as ok').timeout(HEALTH_QUERY_TIMEOUT_MS).then(() => undefined);
      probe.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('database did not answer in time')), HEALTH_QUERY_TIMEOUT_MS);
      });
      await Promise.race([probe, deadline]).finally(() => clearTimeout(timer));
      res.json({ status: 'ok', database: { reachable: true, latency_ms: Date.now() - started } });
    } catch (err) {
      ctx.logger.warn({ err }, 'health check: database unreachable');
      res.status(503).json({ status: 'unavailable', database: { reachable: false, error: 'database unreachable' } });
    }
  });
  return router;
}
