// POST /api/v1/authorize: the platform asks before a run (registered with the `ingest` scope); the decision is src/limits.
import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../http/context';
import { HttpError } from '../http/errors';
import { apiLocals } from './auth';
import { fieldDetails } from './handlers';
import { authorize, authorizeBodySchema } from '../limits/authorize';

export function authorizeHandler(ctx: AppContext): RequestHandler {
  return async (req: Request, res: Response) => {
    const r = authorizeBodySchema.safeParse(req.body);
    if (!r.success) {
      const details = fieldDetails(r.error);
      const [field, message] = Object.entries(details)[0];
      throw new HttpError(422, `${field}: ${message}`, 'validation_failed', details);
    }
    res.json(await authorize(ctx.db, apiLocals(res).workspace.id, r.data));
  };
}
