// Ingestion API middleware: bearer-key authentication, the per-key rate limit, the JSON-only
// content type, and the error handler that keeps every failure in the JSON error shape.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppContext } from '../http/context';
import { HttpError, sendJsonError } from '../http/errors';
import { isConnectionError } from '../db/dialect';
import { touchApiKey, verifyApiKey, type ApiScope, type AuthenticatedKey } from '../apikeys/keys';
import { findWorkspace } from '../workspaces/queries';
import type { Workspace } from '../workspaces/workspace';

/** Largest accepted request body (1000 events with full prompts fit comfortably). */
export const API_BODY_LIMIT = '10mb';

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
      const key = await verifyApiKey(ctx.db, token);
      if (!key) {
        res.set('WWW-Authenticate', 'Bearer realm="usage-console", error="invalid_token"');
        throw new HttpError(401, 'Invalid or revoked API key.', 'unauthorized');
      }
      const ws = await findWorkspace(ctx.db, key.workspaceId);
      if (!ws) throw new HttpError(401, 'Invalid or revoked API key.', 'unauthorized');
      Object.assign(res.locals, { apiKey: key, workspace: ws } satisfies ApiLocals);
      await touchApiKey(ctx.db, key.id);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** 403 insufficient_scope unless the authenticated key carries `scope` (DESIGN section 8). */
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

export const jsonBody = express.json({ limit: API_BODY_LIMIT, strict: true, type: 'application/json' });

const TRANSIENT_DB_CODES = new Set([
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_SERVER_SHUTDOWN',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
]);

/** The database failed or went away mid-request: nothing was committed, and a retry may succeed. */
export function isTransientDbError(err: unknown): boolean {
  if (isConnectionError(err)) return true;
  const e = err as { code?: string; message?: string; name?: string };
  if (e?.code && TRANSIENT_DB_CODES.has(e.code)) return true;
  // better-sqlite3 after its connection was closed; knex after its pool was destroyed.
  return /database connection is not open|Unable to acquire a connection|aborted|Knex: Timeout acquiring a connection|Connection (is in closed state|was killed)|Cannot enqueue/i.test(e?.message ?? '');
}

/** Every API failure answers {"error": {code, message, details}}; never a 500 for bad input. */
export function apiErrorHandler(ctx: AppContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; statusCode?: number; type?: string; message?: string; expose?: boolean };
    if (res.headersSent) return res.destroy();
    if (err instanceof HttpError) return sendJsonError(res, err.status, err.code, err.message, err.details);
    switch (e?.type) {
      case 'entity.too.large':
        return sendJsonError(res, 413, 'payload_too_large', `The request body is larger than the ${API_BODY_LIMIT} limit. Send fewer items per call.`);
      case 'entity.parse.failed':
        return sendJsonError(res, 400, 'malformed_json', 'The request body is not valid JSON (a JSON object is expected).');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return sendJsonError(res, 415, 'unsupported_media_type', e.message ?? 'Unsupported content encoding or charset.');
      case 'request.aborted':
      case 'request.size.invalid':
      case 'stream.encoding.set':
        return sendJsonError(res, 400, 'bad_request', e.message ?? 'The request body could not be read.');
    }
    if (isTransientDbError(err)) {
      ctx.logger.warn({ err, path: req.path }, 'ingestion API: database unavailable');
      res.set('Retry-After', '1');
      return sendJsonError(res, 503, 'unavailable', 'The database is unavailable right now; nothing from this request was stored. Retry shortly.');
    }
    const status = e?.status ?? e?.statusCode;
    if (status && status >= 400 && status < 500 && e.expose !== false) return sendJsonError(res, status, 'bad_request', e.message ?? 'Bad request.');
    ctx.logger.error({ err, path: req.path }, 'ingestion API request failed');
    return sendJsonError(res, 500, 'internal_error', 'Something went wrong on our side. The error has been logged.');
  };
}
