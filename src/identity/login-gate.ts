// What a workspace's sign-in policy adds to a correct password (called by POST /login before the
// session is created): "Require single sign-on" refuses passwords except for break-glass
// accounts, and an enrolled second factor moves the sign-in to /login/two-factor.
import type { Request, Response } from 'express';
import type { AppContext, SessionUser } from '../http/context';
import { renderPage } from '../http/render';
import { signInPolicyFor } from './sso-settings';

export const TOTP_PENDING_MS = 5 * 60_000;

export interface PendingTwoFactor {
  userId: number;
  next: string;
  at: number;
}

declare module 'express-session' {
  interface SessionData {
    totpPending?: PendingTwoFactor;
    sso?: { workspaceId: number; email: string; next: string };
  }
}

export const SSO_REQUIRED_MESSAGE = 'Your workspace signs in with single sign-on: use “Continue with single sign-on” below.';

/** true when the response was sent (refused, or sent on to the second factor); false = sign in now. */
export async function passwordSignInGate(ctx: AppContext, req: Request, res: Response, user: SessionUser, nextUrl: string): Promise<boolean> {
  const policy = await signInPolicyFor(ctx.db, user.id);
  if (policy.ssoRequired && !policy.breakGlass) {
    renderPage(res, 'pages/auth/login', { title: 'Sign in', bare: true, email: user.email, next: nextUrl, error: SSO_REQUIRED_MESSAGE, errors: {} }, 403);
    return true;
  }
  if (policy.totpEnabled) {
    req.session.totpPending = { userId: user.id, next: nextUrl, at: Date.now() };
    res.redirect(303, '/login/two-factor');
    return true;
  }
  return false;
}
