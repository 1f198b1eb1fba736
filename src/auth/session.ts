// Session plumbing around sign-in: the session cookie's name, and two middlewares that turn a dead
// session's form posts into the sign-in page instead of a CSRF error.
import type { NextFunction, Request, Response } from 'express';
import { safeNext } from '../http/guards';
import { showLogin } from './view-model';

export const SESSION_COOKIE = 'uc.sid';

/**
 * A sign-in form left open until its session ended (or opened before a restart with a new secret)
 * fails the CSRF check: show the form again with a fresh token and a plain explanation, rather than
 * an error page. Error middleware, mounted right after the CSRF check.
 */
export function loginFormExpired(err: unknown, req: Request, res: Response, next: NextFunction) {
  const e = err as { code?: string };
  if (e?.code !== 'EBADCSRFTOKEN' || req.method !== 'POST' || req.path !== '/login' || req.get('HX-Request')) return next(err);
  res.locals.csrfToken = req.csrfToken ? req.csrfToken() : '';
  res.locals.user = null;
  res.locals.currentPath = req.path;
  res.set('Cache-Control', 'no-store');
  const nextUrl = typeof req.body?.next === 'string' ? safeNext(req.body.next) : '';
  showLogin(res, { email: String(req.body?.email ?? '').slice(0, 255), next: nextUrl, error: 'The sign-in form had expired. Enter your password again.' }, 403);
}

/**
 * "Sign out" from a session that already ended (idle timeout, revoked, server-side logout in another
 * tab): there is nothing to sign out of and the form's token died with the session, so go to the
 * login page instead of showing a CSRF error. Runs before the CSRF check; changes no state.
 */
export function logoutWhenSignedOut(req: Request, res: Response, next: NextFunction) {
  if (req.method === 'POST' && req.path === '/logout' && !req.user) {
    res.clearCookie(SESSION_COOKIE);
    return res.redirect(303, '/login');
  }
  next();
}
