// API middleware: bearer-key authentication, the per-key rate limit and the JSON-only content type.
// Failures go to the one error handler (src/http/errors.ts), which answers the JSON error shape here.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { sharedRateLimitStore } from '../http/rate-limit-store';
import type { AppContext } from '../http/context';
import { HttpError, JSON_BODY_LIMIT, sendJsonError } from '../http/errors';
import { touchApiKey, verifyApiKeyWithWorkspace, type ApiScope, type AuthenticatedKey } from '../apikeys/keys';
import type { Workspace } from '../workspaces/workspace';

export type ApiWorkspace = Workspace;

/** What authentication leaves on res.locals for the handlers. */
export interface ApiLocals {
  apiKey: AuthenticatedKey;
  workspace: ApiWorkspace;
}

export function apiLocals(res: Response): ApiLocals {
  return res.locals as unknown as ApiLocals;
}

function bearer(req: Request): string | null {
  const h = req.get('Authorization');
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : null;
}

/** 401 unless the request carries an active key; the key's workspace is the only one it can touch. */
export function authenticate(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    try {
      const token = bearer(req);
      if (!token) {
        res.set('WWW-Authenticate', 'Bearer realm="usage-console"');
        throw new HttpError(401, 'Missing API key: send "Authorization: Bearer <key>".', 'unauthorized');
      }
      const found = await verifyApiKeyWithWorkspace(ctx.db, token);
      if (!found) {
        res.set('WWW-Authenticate', 'Bearer realm="usage-console", error="invalid_token"');
        throw new HttpError(401, 'Invalid or revoked API key.', 'unauthorized');
      }
      const { key, workspace } = found;
      Object.assign(res.locals, { apiKey: key, workspace } satisfies ApiLocals);
      await touchApiKey(ctx.db, key.id);
      next();
    } catch (err) {
      next(err);
    }
  };
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

/** Requests per minute per key (keyed by the key prefix), 429 with Retry-After beyond it. */
export function apiRateLimit(ctx: AppContext): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: ctx.config.API_RATE_LIMIT_PER_MINUTE,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => `key:${apiLocals(res).apiKey.prefix}`,
    // Counted across every process and host (database table, or Redis with REDIS_URL); in the
    // database in blocks of hits, so most calls make no statement for it (DbRateLimitStore).
    store: sharedRateLimitStore(ctx, 'api:', { blocks: true }),
    passOnStoreError: true,
    handler: (_req, res) =>
      sendJsonError(res, 429, 'rate_limited', `Too many requests for this API key: the limit is ${ctx.config.API_RATE_LIMIT_PER_MINUTE} per minute. Retry after the number of seconds in Retry-After.`),
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
