// HTTP errors, the 404 handler and the one error handler (HTML pages for browsers, JSON for the API).
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from './context';
import { ZodError } from 'zod';
import { isTransientDbError } from '../db/dialect';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = codeFor(status),
    readonly details?: unknown,
  ) {
    super(message);
  }
}

function codeFor(status: number): string {
  return (
    {
      400: 'bad_request',
      401: 'unauthorized',
      403: 'forbidden',
      404: 'not_found',
      409: 'conflict',
      413: 'payload_too_large',
      415: 'unsupported_media_type',
      422: 'validation_failed',
      429: 'rate_limited',
      503: 'unavailable',
    } as Record<number, string>
  )[status] ?? 'internal_error';
}

export const notFound = (message = 'Not found') => new HttpError(404, message);

export function isApiRequest(req: Request): boolean {
  return req.path.startsWith('/api/') || req.originalUrl.startsWith('/api/');
}

export function isHtmx(req: Request): boolean {
  return req.get('HX-Request') === 'true';
}

/** The JSON error shape of the API and of every JSON answer: {"error": {"code", "message", "details"}} (docs/ingest.md). */
export function sendJsonError(res: Response, status: number, code: string, message: string, details?: unknown) {
  res.status(status).json({ error: { code, message, details: details ?? null } });
}

/** The path of the page an htmx request came from (HX-Current-URL), same-site only. */
function currentPagePath(req: Request): string {
  try {
    const u = new URL(req.get('HX-Current-URL') ?? '', `${req.protocol}://${req.get('host')}`);
    if (u.host === req.get('host')) return safePath(u.pathname + u.search);
  } catch {
    /* no or unreadable header */
  }
  return '/';
}

function safePath(p: string): string {
  return p.startsWith('/') && !p.startsWith('//') && !p.startsWith('/\\') ? p : '/';
}

export function notFoundHandler(req: Request, _res: Response, next: NextFunction) {
  next(new HttpError(404, `No page at ${req.path}`));
}

/** How an error answers: status, code, message (the same for pages and the API; wording per surface). */
interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  /** a database failure a retry may get past (503 with Retry-After) */
  transient?: boolean;
}

/** Largest accepted JSON body (the API's 1000 events with full prompts fit comfortably). */
export const JSON_BODY_LIMIT = '10mb';

function answerFor(err: unknown, api: boolean): ErrorAnswer {
  const e = err as { status?: number; statusCode?: number; type?: string; code?: string; message?: string; expose?: boolean };
  if (err instanceof HttpError) return { status: err.status, code: err.code, message: err.message, details: err.details };
  // A query or body that a handler parsed without catching: bad input, never a server error.
  if (err instanceof ZodError) {
    return { status: 400, code: 'bad_request', message: err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ') };
  }
  switch (e?.type) {
    // body-parser's failures (the API's JSON bodies, the forms' urlencoded ones)
    case 'entity.too.large':
      return { status: 413, code: 'payload_too_large', message: api ? `The request body is larger than the ${JSON_BODY_LIMIT} limit. Send fewer items per call.` : 'The request body is larger than the limit.' };
    case 'entity.parse.failed':
      return { status: 400, code: 'malformed_json', message: api ? 'The request body is not valid JSON (a JSON object is expected).' : 'The request body is not valid JSON.' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_media_type', message: e.message ?? 'Unsupported content encoding or charset.' };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return { status: 400, code: 'bad_request', message: e.message ?? 'The request body could not be read.' };
  }
  if (e?.code === 'EBADCSRFTOKEN' || (e?.status === 403 && /csrf/i.test(e?.message ?? ''))) {
    return { status: 403, code: 'csrf_invalid', message: 'Your form expired or was not sent from this site. Reload the page and try again.' };
  }
  // The database went away or gave up on this request (connection lost, deadlock victim, lock wait
  // timeout): nothing was committed, and the same request may succeed in a moment.
  if (isTransientDbError(err)) {
    return {
      status: 503,
      code: 'unavailable',
      message: api ? 'The database is unavailable right now; nothing from this request was stored. Retry shortly.' : 'The database is unavailable right now. Please retry shortly.',
      transient: true,
    };
  }
  const status = e?.status ?? e?.statusCode;
  if (status && status >= 400 && status < 500 && e.expose !== false) return { status, code: codeFor(status), message: e.message ?? 'Bad request.' };
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side. The error has been logged.' };
}

/** The one error handler: HTML pages and fragments for browsers, the JSON error shape for the API. */
export function errorHandler(ctx: AppContext) {
  // Express recognises error middleware by its four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const api = isApiRequest(req);
    const { status, code, message, details, transient } = answerFor(err, api);
    if (transient) ctx.logger.warn({ err, path: req.path }, 'database unavailable');
    else if (status >= 500) ctx.logger.error({ err, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (transient) res.set('Retry-After', '1');
    if (api) return sendJsonError(res, status, code, message, details);
    const view = status === 404 ? 'pages/errors/404' : status === 403 ? 'pages/errors/403' : 'pages/errors/error';
    const stack = ctx.config.NODE_ENV === 'development' && status >= 500 ? (err as Error)?.stack : undefined;
    res.status(status);
    if (isHtmx(req)) {
      // A fragment swapped into the page: when the session ended or the form expired, offer the way back.
      const here = currentPagePath(req);
      return res.render('partials/layout/error-fragment', {
        status,
        message,
        signInUrl: status === 401 ? `/login?next=${encodeURIComponent(here)}` : null,
        reloadUrl: code === 'csrf_invalid' ? here : null,
      });
    }
    res.render(view, { title: status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'Error', status, message, stack }, (renderErr: Error | null, body?: string) => {
      if (renderErr) {
        ctx.logger.error({ err: renderErr }, 'error page failed to render');
        return res.type('text/plain').send(`${status} ${message}`);
      }
      res.render('layout', { ...res.locals, title: `${status}`, body, bare: !req.user }, (layoutErr: Error | null, html?: string) => {
        if (layoutErr) return res.type('text/html').send(body);
        res.send(html);
      });
    });
  };
}
