// HTTP errors, the 404 handler and the error handler (HTML pages for browsers, JSON for the API).
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from './context';
import { isConnectionError } from '../db/dialect';

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

export function errorHandler(ctx: AppContext) {
  // Express recognises error middleware by its four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let status = 500;
    let code = 'internal_error';
    let message = 'Something went wrong on our side. The error has been logged.';
    let details: unknown;
    const e = err as { status?: number; statusCode?: number; type?: string; code?: string; message?: string; expose?: boolean };
    if (err instanceof HttpError) {
      status = err.status;
      code = err.code;
      message = err.message;
      details = err.details;
    } else if (e?.type === 'entity.too.large') {
      status = 413;
      code = 'payload_too_large';
      message = 'The request body is larger than the limit.';
    } else if (e?.type === 'entity.parse.failed') {
      status = 400;
      code = 'malformed_json';
      message = 'The request body is not valid JSON.';
    } else if (e?.code === 'EBADCSRFTOKEN' || (e?.status === 403 && /csrf/i.test(e?.message ?? ''))) {
      status = 403;
      code = 'csrf_invalid';
      message = 'Your form expired or was not sent from this site. Reload the page and try again.';
    } else if (isConnectionError(err)) {
      status = 503;
      code = 'unavailable';
      message = 'The database is unavailable right now. Please retry shortly.';
    } else if ((e?.status ?? e?.statusCode) && (e.status ?? e.statusCode)! < 500 && e.expose !== false) {
      status = (e.status ?? e.statusCode)!;
      code = codeFor(status);
      message = e.message ?? message;
    }
    if (status >= 500) ctx.logger.error({ err, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (isApiRequest(req)) return sendJsonError(res, status, code, message, details);
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
