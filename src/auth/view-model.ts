// The sign-in page and what it says on failure.
import type { Response } from 'express';
import { renderPage } from '../http/render';

export const GENERIC_FAILURE = 'That email and password do not match an active account.';

export function showLogin(res: Response, locals: { email?: string; next?: string; error?: string; errors?: Record<string, string> }, status = 200) {
  renderPage(res, 'pages/auth/login', { title: 'Sign in', bare: true, email: '', next: '', error: null, errors: {}, ...locals }, status);
}
