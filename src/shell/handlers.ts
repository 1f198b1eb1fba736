// Shell handlers: the home redirect (admins to Usage, members to their own page) and the health check.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { pingDatabase } from './queries';

/** The health probe's own bound on its query (the connection wait is DB_ACQUIRE_TIMEOUT_MS). */
const HEALTH_QUERY_TIMEOUT_MS = 1500;

export function shellHandlers(ctx: AppContext) {
  return {
    home(req: Request, res: Response) {
      res.redirect(303, req.user!.role === 'admin' ? '/admin/usage' : '/me');
    },

    async health(_req: Request, res: Response) {
      const started = Date.now();
      try {
        // Answered within 2 s even when the database is frozen (a load balancer's probe must not hang).
        const probe = pingDatabase(ctx.db, HEALTH_QUERY_TIMEOUT_MS);
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
    },
  };
}
