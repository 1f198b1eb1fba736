// The authorize endpoint's handler (registered in the v1 API router with the `ingest` scope).
import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../http/context';
import { HttpError } from '../http/errors';
import { apiLocals } from '../ingest/api-auth';
import { authorize, authorizeBodySchema } from './authorize';

export function authorizeHandler(ctx: AppContext): RequestHandler {
  return async (req: Request, res: Response) => {
    const r = authorizeBodySchema.safeParse(req.body);
    if (!r.success) {
      const details: Record<string, string> = {};
      for (const i of r.error.issues) details[i.path.join('.') || 'body'] ??= i.message;
      const [field, message] = Object.entries(details)[0];
      throw new HttpError(422, `${field}: ${message}`, 'validation_failed', details);
    }
    res.json(await authorize(ctx.db, apiLocals(res).workspace.id, r.data));
  };
}
