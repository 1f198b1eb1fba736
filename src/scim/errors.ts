// SCIM errors (RFC 7644 section 3.12): {"schemas": [Error], "status": "400", "scimType", "detail"}.
// 401/403 also carry the API's {"error": {"code"}} object, so the scope contract reads the same everywhere.
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { HttpError } from '../http/errors';
import { isTransientDbError } from '../db/dialect';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive';

export class ScimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly scimType?: ScimType,
  ) {
    super(message);
  }
}

export const scimNotFound = (what: string, id: string) => new ScimError(404, `${what} ${id} not found.`);

export function sendScimError(res: Response, status: number, detail: string, scimType?: ScimType, apiCode?: string) {
  res
    .status(status)
    .type('application/scim+json')
    .send(JSON.stringify({ schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail, ...(apiCode ? { error: { code: apiCode, message: detail } } : {}) }));
}

/** Last handler of the SCIM router: every failure in the SCIM error shape, never a 500 for bad input. */
export function scimErrorHandler(ctx: AppContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return res.destroy();
    if (err instanceof ScimError) return sendScimError(res, err.status, err.message, err.scimType);
    if (err instanceof HttpError) return sendScimError(res, err.status, err.message, undefined, err.status === 401 || err.status === 403 ? err.code : undefined);
    const e = err as { type?: string; status?: number; message?: string; expose?: boolean };
    if (e?.type === 'entity.parse.failed') return sendScimError(res, 400, 'The request body is not valid JSON.', 'invalidSyntax');
    if (e?.type === 'entity.too.large') return sendScimError(res, 413, 'The request body is too large.');
    if (isTransientDbError(err)) {
      res.set('Retry-After', '1');
      return sendScimError(res, 503, 'The database is unavailable right now; nothing was changed. Retry shortly.');
    }
    if (e?.status && e.status >= 400 && e.status < 500 && e.expose !== false) return sendScimError(res, e.status, e.message ?? 'Bad request.');
    ctx.logger.error({ err, path: req.path }, 'SCIM request failed');
    return sendScimError(res, 500, 'Something went wrong on our side. The error has been logged.');
  };
}
