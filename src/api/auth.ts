// API middleware: bearer-key authentication, the per-key rate limit and the JSON-only content type.
// Failures go to the one error handler (src/http/errors.ts), which answers the JSON error shape here.
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { sharedRateLimitStore } from '../http/rate-limit-store';
import type { AppContext } from '../http/context';
import { HttpError, JSON_BODY_LIMIT, sendJsonError } from '../http/errors';
import { confirmVerifiedKey, forgetVerifiedKey, hashKey, recallVerifiedKey, rememberVerifiedKey, touchApiKey, verifyApiKeyWithWorkspace, type ApiScope, type AuthenticatedKey } from '../apikeys/keys';
import type { Workspace } from '../workspaces/workspace';

export type ApiWorkspace = Workspace;

/**
 * What authentication leaves on res.locals for the handlers (on a `confirmLater` route, `workspace`
 * only when the key was looked up: use apiKey.workspaceId there).
 */
export interface ApiLocals {
  apiKey: AuthenticatedKey;
  workspace: ApiWorkspace;
}

export function apiLocals(res: Response): ApiLocals {
  return res.locals as unknown as ApiLocals;
}

/**
 * On a route authenticated with `confirmLater`, a key this process verified before is taken on trust
 * until the handler's own statement confirms it (keyStillActiveSql): one round trip fewer per call.
 * Until then this is set, and res.locals.workspace is not (the key's workspace id is on the key).
 */
export interface KeyToConfirm {
  key: AuthenticatedKey;
  hash: string;
}

export function keyToConfirm(res: Response): KeyToConfirm | null {
  return (res.locals.keyToConfirm as KeyToConfirm | undefined) ?? null;
}

function bearer(req: Request): string | null {
  const h = req.get('Authorization');
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : null;
}

function invalidKey(res: Response): HttpError {
  res.set('WWW-Authenticate', 'Bearer realm="usage-console", error="invalid_token"');
  return new HttpError(401, 'Invalid or revoked API key.', 'unauthorized');
}

/**
 * 401 unless the request carries an active key; the key's workspace is the only one it can touch.
 * `confirmLater`: see KeyToConfirm; the route must end with confirmKeyBeforeError and its handler
 * must call keyConfirmed or refuseKey.
 */
export function authenticate(ctx: AppContext, opts: { confirmLater?: boolean } = {}): RequestHandler {
  return async (req, res, next) => {
    try {
      const token = bearer(req);
      if (!token) {
        res.set('WWW-Authenticate', 'Bearer realm="usage-console"');
        throw new HttpError(401, 'Missing API key: send "Authorization: Bearer <key>".', 'unauthorized');
      }
      const hash = opts.confirmLater ? hashKey(token) : '';
      const known = opts.confirmLater ? recallVerifiedKey(ctx.db, hash) : null;
      if (known) {
        Object.assign(res.locals, { apiKey: known, keyToConfirm: { key: known, hash } satisfies KeyToConfirm });
        return next();
      }
      const found = await verifyApiKeyWithWorkspace(ctx.db, token);
      if (!found) throw invalidKey(res);
      const { key, workspace } = found;
      if (opts.confirmLater) rememberVerifiedKey(ctx.db, hash, key);
      Object.assign(res.locals, { apiKey: key, workspace } satisfies ApiLocals);
      await touchApiKey(ctx.db, key.id);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** The handler's statement confirmed the key: it is used (the throttled last-used stamp). */
export async function keyConfirmed(ctx: AppContext, res: Response): Promise<void> {
  const pending = keyToConfirm(res);
  if (!pending) return;
  delete res.locals.keyToConfirm;
  await touchApiKey(ctx.db, pending.key.id);
}

/** The handler's statement found the key revoked or gone: 401, and this process forgets it. */
export function refuseKey(ctx: AppContext, res: Response): HttpError {
  const pending = keyToConfirm(res);
  if (pending) forgetVerifiedKey(ctx.db, pending.hash);
  delete res.locals.keyToConfirm;
  return invalidKey(res);
}

/** An unconfirmed key is confirmed before `answer` (an error answer), else the answer is 401. */
async function confirmedThen(ctx: AppContext, res: Response, next: NextFunction, answer: () => void): Promise<void> {
  const pending = keyToConfirm(res);
  if (pending) {
    try {
      if (!(await confirmVerifiedKey(ctx.db, pending.key, pending.hash))) return next(refuseKey(ctx, res));
    } catch (err) {
      return next(err); // the database failed: the key cannot be confirmed (503)
    }
    delete res.locals.keyToConfirm;
  }
  answer();
}

/**
 * Last on a `confirmLater` route: an error (415, 422, 403, 503, ...) is answered only for a key that
 * is still active, so a revoked key gets 401 whatever else is wrong with the request.
 */
export function confirmKeyBeforeError(ctx: AppContext): ErrorRequestHandler {
  return (err, _req, res, next) => confirmedThen(ctx, res, next, () => next(err));
}

/** 403 insufficient_scope unless the authenticated key carries `scope` (API key scopes). */
export function requireScope(scope: ApiScope): RequestHandler {
  return (_req, res, next) => {
    const key = apiLocals(res).apiKey;
    if (key.scopes.includes(scope)) return next();
    res.set('WWW-Authenticate', `Bearer realm="usage-console", error="insufficient_scope", scope="${scope}"`);
    next(new HttpError(403, `This API key lacks the "${scope}" scope (it has: ${key.scopes.join(', ') || 'none'}). Create a key with that scope on the API keys page.`, 'insufficient_scope'));
  };
}

/**
 * Requests per minute per key (keyed by the key prefix), 429 with Retry-After beyond it. `authorize`:
 * the counter of POST /api/v1/authorize, kept apart from the rest of the API with a ceiling of its
 * own (API_AUTHORIZE_RATE_LIMIT_PER_MINUTE): a platform asks before every run, and those calls must
 * neither use up the allowance its event ingestion needs nor be held to it.
 */
export function apiRateLimit(ctx: AppContext, opts: { authorize?: boolean } = {}): RequestHandler {
  const perMinute = opts.authorize ? ctx.config.API_AUTHORIZE_RATE_LIMIT_PER_MINUTE : ctx.config.API_RATE_LIMIT_PER_MINUTE;
  const what = opts.authorize ? 'authorize calls' : 'requests';
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => `key:${apiLocals(res).apiKey.prefix}`,
    // Counted across every process and host (database table, or Redis with REDIS_URL); in the
    // database in blocks of hits, so most calls make no statement for it (DbRateLimitStore).
    store: sharedRateLimitStore(ctx, opts.authorize ? 'authz:' : 'api:', { blocks: true }),
    passOnStoreError: true,
    handler: (_req, res, next) =>
      confirmedThen(ctx, res, next, () =>
        sendJsonError(res, 429, 'rate_limited', `Too many ${what} for this API key: the limit is ${perMinute} per minute. Retry after the number of seconds in Retry-After.`),
      ),
  });
}

/** POST/PUT bodies must be JSON (415 otherwise). */
export function requireJson(req: Request, _res: Response, next: NextFunction) {
  if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
    if (!req.is('application/json')) {
      return next(new HttpError(415, 'Send the body as JSON with "Content-Type: application/json".', 'unsupported_media_type'));
    }
  }
  next();
}

export const jsonBody = express.json({ limit: JSON_BODY_LIMIT, strict: true, type: 'application/json' });
