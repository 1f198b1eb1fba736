// Route guards: signed-in user, admin of the workspace. Browsers are redirected to /login;
// htmx and API calls get 401; members get 403.
import type { NextFunction, Request, Response } from 'express';
import { HttpError, isApiRequest, isHtmx } from './errors';

function safeNext(url: string): string {
  return url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\') ? url : '/';
}

export function requireUser(req: Request, res: Response, next: NextFunction) {
  if (req.user) return next();
  if (isHtmx(req) || isApiRequest(req) || req.get('Accept')?.includes('application/json')) {
    return next(new HttpError(401, 'Sign in to continue.'));
  }
  res.redirect(303, `/login?next=${encodeURIComponent(safeNext(req.originalUrl))}`);
}

export function requireAdmin(req: Request, res: Response, next: NextFunction) {
  requireUser(req, res, (err?: unknown) => {
    if (err) return next(err);
    if (req.user!.role !== 'admin') return next(new HttpError(403, 'This page is for workspace admins.'));
    next();
  });
}

export { safeNext };
