// Single sign-on from the sign-in page: GET/POST /login/sso (the e-mail finds the workspace by its
// domain), GET /login/sso/start (redirect to the IdP), GET /login/sso/callback (tokens -> session).
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext, SessionUser } from '../http/context';
import { renderPage } from '../http/render';
import { safeNext } from '../http/guards';
import { parse } from '../http/validate';
import { configurePassport } from '../auth/passport';
import { getSsoSettings, ssoConfigured, workspaceForEmail } from './sso-settings';
import { CALLBACK_PATH, SsoRefused, strategyFor, workspaceConfiguration } from './oidc';

const emailSchema = z.object({
  email: z.string().trim().min(1, 'Enter your work e-mail address.').max(255).email('Enter a valid e-mail address.'),
  next: z.string().max(2000).optional(),
});

function showSso(res: Response, locals: { email?: string; next?: string; error?: string | null; errors?: Record<string, string> }, status = 200) {
  // Like the password form, this anonymous form is something to keep: its CSRF token (so a session).
  const csrfToken = res.req.csrfToken ? res.req.csrfToken() : '';
  renderPage(res, 'pages/auth/sso', { title: 'Single sign-on', bare: true, email: '', next: '', error: null, errors: {}, csrfToken, ...locals }, status);
}

export function ssoLoginRouter(ctx: AppContext): Router {
  const router = Router();
  const passport = configurePassport(ctx.db);

  router.get('/login/sso', (req, res) => {
    if (req.user) return res.redirect(303, '/');
    showSso(res, { next: typeof req.query.next === 'string' ? safeNext(req.query.next) : '' });
  });

  router.post('/login/sso', async (req, res) => {
    const parsed = parse(emailSchema, req.body);
    const email = String(req.body?.email ?? '').slice(0, 255);
    const nextUrl = typeof req.body?.next === 'string' ? safeNext(req.body.next) : '';
    if (!parsed.ok) return showSso(res, { email, next: nextUrl, errors: parsed.errors }, 400);
    const address = parsed.data.email.toLowerCase();
    const workspaceId = await workspaceForEmail(ctx.db, address);
    const settings = workspaceId ? await getSsoSettings(ctx.db, workspaceId) : null;
    if (!settings || !ssoConfigured(settings)) {
      return showSso(res, { email, next: nextUrl, error: `No workspace signs in with single sign-on for ${address.split('@')[1]}. Sign in with your password, or ask your admin.` }, 404);
    }
    req.session.sso = { workspaceId: settings.workspaceId, email: address, next: nextUrl };
    // Not a redirect: the CSP's form-action 'self' also covers where a form's redirects lead, and the
    // identity provider is another origin. A page that moves on by itself (meta refresh, no script) does not.
    renderPage(res, 'pages/auth/sso-redirect', { title: 'Single sign-on', bare: true, provider: new URL(settings.issuer!).host, startUrl: '/login/sso/start' });
  });

  /** Runs openid-client's strategy for the workspace chosen above (redirect or callback). */
  const runStrategy = (isCallback: boolean) => async (req: Request, res: Response, next: NextFunction) => {
    const pending = req.session.sso;
    if (!pending && req.user) return res.redirect(303, '/');
    if (!pending) return showSso(res, { error: isCallback ? 'This single sign-on attempt has expired or was started in another browser. Start again.' : null }, isCallback ? 400 : 200);
    try {
      const settings = await getSsoSettings(ctx.db, pending.workspaceId);
      const config = await workspaceConfiguration(ctx, settings);
      const strategy = strategyFor(ctx, settings, config, req);
      const options = (isCallback ? {} : { loginHint: pending.email }) as { session?: boolean };
      passport.authenticate(strategy, options, (err: unknown, user: SessionUser | false, info?: { message?: string }) => {
        if (err || !user) {
          const reason = err ? describe(err) : (info?.message ?? 'The identity provider did not sign you in.');
          if (err) ctx.logger.warn({ err, workspaceId: pending.workspaceId }, 'single sign-on failed');
          return showSso(res, { email: pending.email, next: pending.next, error: `Single sign-on failed: ${reason}` }, 401);
        }
        // passport >= 0.6 regenerates the session id on logIn (no fixation); the pending data goes with it.
        req.logIn(user, (loginErr) => {
          if (loginErr) return next(loginErr);
          res.redirect(303, pending.next && pending.next !== '/login' ? pending.next : '/');
        });
      })(req, res, next);
    } catch (err) {
      if (!(err instanceof SsoRefused)) ctx.logger.warn({ err, workspaceId: pending.workspaceId }, 'single sign-on could not start');
      showSso(res, { email: pending.email, next: pending.next, error: `Single sign-on failed: ${describe(err)}` }, 502);
    }
  };
  router.get('/login/sso/start', runStrategy(false));
  router.get(CALLBACK_PATH, runStrategy(true));
  return router;
}

/** A short, exact reason for the person signing in (the log keeps the whole error). */
function describe(err: unknown): string {
  const e = err as Error & { code?: string; error?: string; error_description?: string; cause?: unknown };
  if (e?.error) return `${e.error}${e.error_description ? `: ${e.error_description}` : ''}`;
  // openid-client wraps the check that failed (e.g. 'unexpected ID Token "nonce" claim value') as the cause.
  const cause = e?.cause instanceof Error && e.cause.message !== e.message ? ` (${e.cause.message})` : '';
  return `${e?.message ?? 'unknown error'}${cause}`;
}
