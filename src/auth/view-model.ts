// The sign-in page and what it says on failure.
import type { Response } from 'express';
import { renderPage } from '../http/render';

export const GENERIC_FAILURE = 'That email and password do not match an active account.';

export function showLogin(res: Response, locals: { email?: string; next?: string; error?: string; errors?: Record<string, string> }, status = 200) {
  // The sign-in form is the one anonymous page with something to keep: its CSRF token (so a session).
  const csrfToken = res.req.csrfToken ? res.req.csrfToken() : '';
  renderPage(res, 'pages/auth/login', { title: 'Sign in', bare: true, email: '', next: '', error: null, errors: {}, csrfToken, ...locals }, status);
}
