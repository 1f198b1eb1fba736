// Sign-in and sign-out handlers (passport's local strategy), and the failed-attempt rate limits.
import type { NextFunction, Request, Response } from 'express';
import type { AppContext, SessionUser } from '../http/context';
import { safeNext } from '../http/guards';
import { parse } from '../http/validate';
import { configurePassport } from './passport';
import { issueDeviceCookie, trustedDeviceFor } from './device-cookie';
import { failedAttemptsLimiter } from '../http/rate-limit-store';
import { normalizeEmail } from '../http/identifiers';
import { loginSchema } from './forms';
import { SESSION_COOKIE } from './session';
import { GENERIC_FAILURE, showLogin } from './view-model';

/**
 * A check run after the password matched and before the session starts (the workspace's sign-in
 * policy: single sign-on required, a second factor). Resolves true when it answered the request
 * itself. Features provide it when the app is built, so sign-in imports none of them.
 */
export type SignInGate = (ctx: AppContext, req: Request, res: Response, user: SessionUser, nextUrl: string) => Promise<boolean>;

const NO_GATE: SignInGate = async () => false;

export function authHandlers(ctx: AppContext, signInGate: SignInGate = NO_GATE) {
  const passport = configurePassport(ctx.db);
  const limitMessage = (req: Request, res: Response) =>
    showLogin(res, { email: String(req.body?.email ?? ''), error: 'Too many failed sign-in attempts. Wait 15 minutes and try again.' }, 429);
  // Failed attempts only, counted in the shared store (every process and host): per client IP; per
  // account for clients that never signed in as it; per device cookie for those that did (so
  // guessing cannot lock the owner out: OWASP's device-cookie scheme).
  const secret = ctx.config.sessionSecret;
  const emailOf = (req: Request) => String(req.body?.email ?? '');
  const perIp = failedAttemptsLimiter(ctx, { prefix: 'login-ip:', limit: 20, handler: limitMessage, headers: true });
  const perAccount = failedAttemptsLimiter(ctx, {
    prefix: 'login-account:',
    limit: 5,
    handler: limitMessage,
    skip: (req) => trustedDeviceFor(req, secret, emailOf(req)) !== null,
    key: (req) => `acct:${normalizeEmail(emailOf(req)).slice(0, 300)}`,
  });
  const perDevice = failedAttemptsLimiter(ctx, {
    prefix: 'login-device:',
    limit: 10,
    handler: limitMessage,
    skip: (req) => trustedDeviceFor(req, secret, emailOf(req)) === null,
    key: (req) => `device:${trustedDeviceFor(req, secret, emailOf(req))}`,
  });

  return {
    perIp,
    perAccount,
    perDevice,

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
        // The workspace's sign-in policy (single sign-on required, second factor).
        signInGate(ctx, req, res, user, nextUrl).then((handled) => {
          if (handled) return;
          // passport >= 0.6 regenerates the session id here (no fixation).
          req.logIn(user, (loginErr) => {
            if (loginErr) return next(loginErr);
            issueDeviceCookie(res, secret, user.email, req.secure);
            res.redirect(303, nextUrl && nextUrl !== '/login' ? nextUrl : '/');
          });
        }, next);
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
