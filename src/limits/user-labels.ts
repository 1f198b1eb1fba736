// The effective limit on each row of User Management ("group Engineering, 500k inference
// tokens/month, hard"): a middleware in front of the /admin/users routes loads the workspace's
// limits context (cached) and leaves a synchronous `limitLabel(row)` for the row template, which
// passes the row's own (fresh) allocation. Nothing in src/users needs to know about limits.
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { describeLimit } from './model';
import type { Workspace } from '../workspaces/workspace';
import { DEFAULT_TIME_ZONE } from '../db/time';
import { context, perUserLimits } from './service';

export function userLimitLabels(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (req.user?.role !== 'admin') return next();
      const c = await context(ctx.db, req.user.workspace_id);
      const now = new Date();
      const zone = (res.locals.workspace as Workspace | null)?.time_zone ?? DEFAULT_TIME_ZONE;
      res.locals.limitLabel = (row: { id: number; email: string; max_inference_tokens: number | string; max_embedding_tokens: number | string }): string | null => {
        if (!c) return null;
        const limits = perUserLimits(c, row, now);
        if (!limits.length) return null;
        // the monthly inference limit first: it is the one the allocation column compares against
        const main = limits.find((l) => l.metric === 'inference' && l.period === 'month') ?? limits[0];
        return describeLimit(main, zone) + (limits.length > 1 ? ` (+${limits.length - 1} more)` : '');
      };
      next();
    } catch (err) {
      next(err);
    }
  };
}
