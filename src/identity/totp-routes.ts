// Two-factor sign-in: the second step of a password sign-in (/login/two-factor), the person's own
// set-up page (/account/two-factor), and the workspace rule that admins must have it.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { failedAttemptsLimiter } from '../http/rate-limit-store';
import { z } from 'zod';
import type { AppContext, SessionUser } from '../http/context';
import { requireUser } from '../http/guards';
import { renderPage } from '../http/render';
import { parse } from '../http/validate';
import { recordAudit } from '../audit/audit';
import { TOTP_PENDING_MS } from './login-gate';
import { adminMissingTotp, sessionUserById, totpRequiredForAdmins } from './sso-settings';
import { beginEnrolment, clearTotp, confirmEnrolment, enrolmentView, totpStatus, verifySecondFactor, replaceRecoveryCodes } from './totp';

export const ACCOUNT_2FA_PATH = '/account/two-factor';

const codeSchema = z.object({ code: z.string().trim().min(1, 'Enter the code from your authenticator app.').max(40) });

function showStep(res: Response, error: string | null, status = 200) {
  renderPage(res, 'pages/auth/two-factor', { title: 'Two-factor sign-in', bare: true, error }, status);
}

async function showAccount(ctx: AppContext, req: Request, res: Response, locals: { error?: string | null; notice?: string | null; codes?: string[] | null } = {}, status = 200) {
  const user = req.user!;
  const status2fa = await totpStatus(ctx.db, user.id);
  const enrol = status2fa.pending ? await enrolmentView(ctx.db, ctx.config, user.id, user.email) : null;
  const required = await adminMustEnrol(ctx, user);
  renderPage(res, 'pages/identity/two-factor', { title: 'Two-factor sign-in', s: status2fa, enrol, required, error: null, notice: null, codes: null, ...locals }, status);
}

/** An admin of a workspace that requires a second factor, with a password and none set up. */
async function adminMustEnrol(ctx: AppContext, user: SessionUser): Promise<boolean> {
  return user.role === 'admin' && adminMissingTotp(ctx.db, user.id);
}

export function twoFactorRouter(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.db;
  const tooMany = (_req: Request, res: Response) => showStep(res, 'Too many wrong codes. Wait 15 minutes and try again.', 429);
  // Like the password: failed attempts only, per client IP and per account.
  // Counted in the shared store, so the limits hold across processes and hosts.
  const perIp = failedAttemptsLimiter(ctx, { prefix: 'totp-ip:', limit: 20, handler: tooMany, headers: true });
  const perAccount = failedAttemptsLimiter(ctx, { prefix: 'totp-account:', limit: 5, handler: tooMany, key: (req) => `totp:${req.session.totpPending?.userId ?? 'none'}` });

  const pendingUser = (req: Request) => {
    const p = req.session.totpPending;
    if (!p || Date.now() - p.at > TOTP_PENDING_MS) return null;
    return p;
  };

  router.get('/login/two-factor', (req, res) => {
    if (!pendingUser(req)) return res.redirect(303, '/login');
    showStep(res, null);
  });

  router.post('/login/two-factor', perIp, perAccount, async (req: Request, res: Response, next: NextFunction) => {
    const p = pendingUser(req);
    if (!p) return res.redirect(303, '/login');
    const parsed = parse(codeSchema, req.body ?? {});
    if (!parsed.ok) return showStep(res, parsed.errors.code ?? parsed.message, 400);
    const how = await verifySecondFactor(db, ctx.config, p.userId, parsed.data.code);
    if (!how) return showStep(res, 'That code is not valid. Enter the current code from your app, or one of your recovery codes.', 401);
    const user = await sessionUserById(db, p.userId);
    if (!user || user.status !== 'active') return res.redirect(303, '/login');
    if (how === 'recovery') {
      await recordAudit(db, { workspaceId: user.workspace_id, actor: { userId: user.id, label: user.email, ip: req.ip ?? null }, action: 'user.two_factor.recovery_code_used', targetType: 'user', targetId: user.id });
    }
    delete req.session.totpPending;
    req.logIn(user as SessionUser, (err) => {
      if (err) return next(err);
      res.redirect(303, p.next && p.next !== '/login' ? p.next : '/');
    });
  });

  router.get(ACCOUNT_2FA_PATH, requireUser, async (req, res) => showAccount(ctx, req, res));

  router.post(`${ACCOUNT_2FA_PATH}/setup`, requireUser, async (req, res) => {
    const s = await totpStatus(db, req.user!.id);
    if (!s.hasPassword) return showAccount(ctx, req, res, { error: 'Your account signs in through single sign-on: your identity provider handles the second factor.' }, 422);
    if (!s.enabled) await beginEnrolment(db, ctx.config, req.user!.id);
    res.redirect(303, ACCOUNT_2FA_PATH);
  });

  router.post(`${ACCOUNT_2FA_PATH}/confirm`, requireUser, perIp, async (req, res) => {
    const parsed = parse(codeSchema, req.body ?? {});
    if (!parsed.ok) return showAccount(ctx, req, res, { error: parsed.errors.code ?? parsed.message }, 400);
    const codes = await confirmEnrolment(db, ctx.config, req.user!.id, parsed.data.code);
    if (!codes) return showAccount(ctx, req, res, { error: 'That code is not valid. Check the time on your phone and enter the current code.' }, 401);
    await recordAudit(db, { workspaceId: req.user!.workspace_id, actor: { userId: req.user!.id, label: req.user!.email, ip: req.ip ?? null }, action: 'user.two_factor.enable', targetType: 'user', targetId: req.user!.id });
    await showAccount(ctx, req, res, { notice: 'Two-factor sign-in is on.', codes });
  });

  router.post(`${ACCOUNT_2FA_PATH}/recovery-codes`, requireUser, perIp, async (req, res) => {
    const parsed = parse(codeSchema, req.body ?? {});
    if (!parsed.ok) return showAccount(ctx, req, res, { error: parsed.errors.code ?? parsed.message }, 400);
    if ((await verifySecondFactor(db, ctx.config, req.user!.id, parsed.data.code)) !== 'totp') return showAccount(ctx, req, res, { error: 'That code is not valid.' }, 401);
    const codes = await replaceRecoveryCodes(db, req.user!.id);
    await recordAudit(db, { workspaceId: req.user!.workspace_id, actor: { userId: req.user!.id, label: req.user!.email, ip: req.ip ?? null }, action: 'user.two_factor.recovery_codes', targetType: 'user', targetId: req.user!.id });
    await showAccount(ctx, req, res, { notice: 'New recovery codes: the old ones no longer work.', codes });
  });

  router.post(`${ACCOUNT_2FA_PATH}/disable`, requireUser, perIp, async (req, res) => {
    if (await isRequiredFor(ctx, req.user!)) return showAccount(ctx, req, res, { error: 'Your workspace requires two-factor sign-in for admins: it cannot be turned off.' }, 422);
    const parsed = parse(codeSchema, req.body ?? {});
    if (!parsed.ok) return showAccount(ctx, req, res, { error: parsed.errors.code ?? parsed.message }, 400);
    if ((await verifySecondFactor(db, ctx.config, req.user!.id, parsed.data.code)) !== 'totp') return showAccount(ctx, req, res, { error: 'That code is not valid.' }, 401);
    await clearTotp(db, req.user!.id);
    await recordAudit(db, { workspaceId: req.user!.workspace_id, actor: { userId: req.user!.id, label: req.user!.email, ip: req.ip ?? null }, action: 'user.two_factor.disable', targetType: 'user', targetId: req.user!.id });
    await showAccount(ctx, req, res, { notice: 'Two-factor sign-in is off.' });
  });

  return router;
}

async function isRequiredFor(ctx: AppContext, user: SessionUser): Promise<boolean> {
  return user.role === 'admin' && totpRequiredForAdmins(ctx.db, user.workspace_id);
}

/**
 * "Require two-factor sign-in for admins": an admin with a password and no second factor is sent to
 * the set-up page until it is on (pages), or refused (other requests). Sign-out and the set-up page pass.
 */
export function enforceTwoFactorForAdmins(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!req.user || req.user.role !== 'admin' || req.path.startsWith(ACCOUNT_2FA_PATH) || req.path === '/logout') return next();
    try {
      if (!(await adminMustEnrol(ctx, req.user))) return next();
      if (req.method === 'GET' && !req.get('HX-Request')) return res.redirect(303, ACCOUNT_2FA_PATH);
      res.status(403).type('text').send('Set up two-factor sign-in first: your workspace requires it for admins.');
    } catch (err) {
      next(err);
    }
  };
}
