// Shell handlers: the home redirect (admins to Usage, members to their own page) and the health check.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { pingDatabase } from './queries';

export function shellHandlers(ctx: AppContext) {
  return {
    home(req: Request, res: Response) {
      res.redirect(303, req.user!.role === 'admin' ? '/admin/usage' : '/me');
    },

    async health(_req: Request, res: Response) {
      const started = Date.now();
      try {
        await pingDatabase(ctx.db);
        res.json({ status: 'ok', database: { reachable: true, latency_ms: Date.now() - started } });
      } catch (err) {
        ctx.logger.warn({ err }, 'health check: database unreachable');
        res.status(503).json({ status: 'unavailable', database: { reachable: false, error: 'database unreachable' } });
      }
    },
  };
}
