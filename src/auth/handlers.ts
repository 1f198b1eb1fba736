// Sign-in and sign-out handlers (passport's local strategy), and the failed-attempt rate limits.
import type { NextFunction, Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppContext, SessionUser } from '../http/context';
import { safeNext } from '../http/guards';
import { parse } from '../http/validate';
import { configurePassport } from './passport';
import { loginSchema } from './forms';
import { SESSION_COOKIE } from './session';
import { GENERIC_FAILURE, showLogin } from './view-model';

export function authHandlers(ctx: AppContext) {
  const passport = configurePassport(ctx.db);
  const limitMessage = (req: Request, res: Response) =>
    showLogin(res, { email: String(req.body?.email ?? ''), error: 'Too many failed sign-in attempts. Wait 15 minutes and try again.' }, 429);
  // Failed attempts only: per client IP, and per account (whatever IP they come from).
  const perIp = rateLimit({ windowMs: 15 * 60_000, limit: 20, skipSuccessfulRequests: true, standardHeaders: 'draft-8', legacyHeaders: false, handler: limitMessage });
  const perAccount = rateLimit({
    windowMs: 15 * 60_000,
    limit: 5,
    skipSuccessfulRequests: true,
    standardHeaders: false,
    legacyHeaders: false,
    keyGenerator: (req) => `acct:${String(req.body?.email ?? '').trim().toLowerCase()}`,
    handler: limitMessage,
  });

  return {
    perIp,
    perAccount,

    showLoginPage(req: Request, res: Response) {
      const next = typeof req.query.next === 'string' ? safeNext(req.query.next) : '';
      if (req.user) return res.redirect(303, next || '/');
      showLogin(res, { next });
    },

    login(req: Request, res: Response, next: NextFunction) {
      const parsed = parse(loginSchema, req.body);
      const email = String(req.body?.email ?? '');
      const nextUrl = typeof req.body?.next === 'string' ? safeNext(req.body.next) : '';
      if (!parsed.ok) return showLogin(res, { email, next: nextUrl, errors: parsed.errors }, 400);
      passport.authenticate('local', (err: unknown, user: SessionUser | false) => {
        if (err) return next(err);
        if (!user) return showLogin(res, { email, next: nextUrl, error: GENERIC_FAILURE }, 401);
        // passport >= 0.6 regenerates the session id here (no fixation).
        req.logIn(user, (loginErr) => {
          if (loginErr) return next(loginErr);
          res.redirect(303, nextUrl && nextUrl !== '/login' ? nextUrl : '/');
        });
      })(req, res, next);
    },

    logout(req: Request, res: Response, next: NextFunction) {
      req.logout((err) => {
        if (err) return next(err);
        req.session.destroy((destroyErr) => {
          if (destroyErr) return next(destroyErr);
          res.clearCookie(SESSION_COOKIE);
          res.redirect(303, '/login');
        });
      });
    },
  };
}
