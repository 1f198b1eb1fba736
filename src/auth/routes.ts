// GET/POST /login and POST /logout.
import { Router, type Request, type Response, type NextFunction } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { AppContext, SessionUser } from '../http/context';
import { renderPage } from '../http/render';
import { safeNext } from '../http/guards';
import { parse } from '../http/validate';
import { configurePassport } from './passport';
import { passwordSignInGate } from '../identity/login-gate';

const loginSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email address.').max(255).email('Enter a valid email address.'),
  password: z.string().min(1, 'Enter your password.').max(1000),
  next: z.string().max(2000).optional(),
});

const GENERIC_FAILURE = 'That email and password do not match an active account.';

function showLogin(res: Response, locals: { email?: string; next?: string; error?: string; errors?: Record<string, string> }, status = 200) {
  renderPage(res, 'pages/auth/login', { title: 'Sign in', bare: true, email: '', next: '', error: null, errors: {}, ...locals }, status);
}

export function authRouter(ctx: AppContext): Router {
  const router = Router();
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

  router.get('/login', (req, res) => {
    const next = typeof req.query.next === 'string' ? safeNext(req.query.next) : '';
    if (req.user) return res.redirect(303, next || '/');
    showLogin(res, { next });
  });

  router.post('/login', perIp, perAccount, (req: Request, res: Response, next: NextFunction) => {
    const parsed = parse(loginSchema, req.body);
    const email = String(req.body?.email ?? '');
    const nextUrl = typeof req.body?.next === 'string' ? safeNext(req.body.next) : '';
    if (!parsed.ok) return showLogin(res, { email, next: nextUrl, errors: parsed.errors }, 400);
    passport.authenticate('local', (err: unknown, user: SessionUser | false) => {
      if (err) return next(err);
      if (!user) return showLogin(res, { email, next: nextUrl, error: GENERIC_FAILURE }, 401);
      // The workspace's sign-in policy (single sign-on required, second factor): src/identity.
      passwordSignInGate(ctx, req, res, user, nextUrl).then((handled) => {
        if (handled) return;
        // passport >= 0.6 regenerates the session id here (no fixation).
        req.logIn(user, (loginErr) => {
          if (loginErr) return next(loginErr);
          res.redirect(303, nextUrl && nextUrl !== '/login' ? nextUrl : '/');
        });
      }, next);
    })(req, res, next);
  });

  router.post('/logout', (req, res, next) => {
    req.logout((err) => {
      if (err) return next(err);
      req.session.destroy((destroyErr) => {
        if (destroyErr) return next(destroyErr);
        res.clearCookie(SESSION_COOKIE);
        res.redirect(303, '/login');
      });
    });
  });

  return router;
}

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
