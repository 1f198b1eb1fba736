// POST /api/v1/authorize: the platform asks before a run (registered with the `ingest` scope); the decision is src/limits.
// The route authenticates with `confirmLater`: a key this process verified before is confirmed in
// the decision's one statement (authorizeInputs) instead of a lookup of its own.
import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../http/context';
import { HttpError } from '../http/errors';
import { apiLocals, keyConfirmed, keyToConfirm, refuseKey } from './auth';
import { fieldDetails } from './handlers';
import { authorizeBodySchema, decideAuthorize } from '../limits/authorize';
import { authorizeInputs } from '../limits/service';
import { keyStillActiveSql } from '../apikeys/keys';

export function authorizeHandler(ctx: AppContext): RequestHandler {
  return async (req: Request, res: Response) => {
    const r = authorizeBodySchema.safeParse(req.body);
    if (!r.success) {
      const details = fieldDetails(r.error);
      const [field, message] = Object.entries(details)[0];
      throw new HttpError(422, `${field}: ${message}`, 'validation_failed', details);
    }
    const ws = apiLocals(res).apiKey.workspaceId;
    const pending = keyToConfirm(res);
    const inputs = await authorizeInputs(ctx.db, ws, r.data.user, pending ? keyStillActiveSql(pending.key, pending.hash) : undefined);
    if (inputs.read.keyActive === false) throw refuseKey(ctx, res);
    await keyConfirmed(ctx, res);
    res.json(await decideAuthorize(ctx.db, ws, r.data, inputs));
  };
}
