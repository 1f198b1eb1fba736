// OWASP's device cookies against account lockout: a browser that has signed in successfully as an
// account gets a signed cookie naming that account. Guessing from unknown clients is limited per
// account (5 failures in 15 minutes, then the account refuses unknown clients); a client holding the
// account's device cookie is not subject to that counter, so an attacker's guesses cannot lock the
// owner out. Each device cookie has its own, separate failure limit (a stolen laptop cannot guess
// without bound either).
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { normalizeEmail } from '../http/identifiers';

export const DEVICE_COOKIE = 'uc.device';
const MAX_AGE_MS = 180 * 24 * 3600_000;

function sign(secret: string, payload: string): string {
  return crypto.createHmac('sha256', secret).update(`device-cookie:${payload}`).digest('base64url');
}

function readCookie(req: Request, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Sets the device cookie for `email` (after a successful sign-in). */
export function issueDeviceCookie(res: Response, secret: string, email: string, secure: boolean): void {
  const payload = `${Buffer.from(normalizeEmail(email)).toString('base64url')}.${crypto.randomBytes(12).toString('base64url')}`;
  res.cookie(DEVICE_COOKIE, `${payload}.${sign(secret, payload)}`, { httpOnly: true, sameSite: 'lax', secure, path: '/login', maxAge: MAX_AGE_MS });
}

/** The device id (nonce) when the request carries a valid device cookie for `email`, else null. */
export function trustedDeviceFor(req: Request, secret: string, email: string): string | null {
  const value = readCookie(req, DEVICE_COOKIE);
  if (!value || value.length > 600) return null;
  const parts = value.split('.');
  if (parts.length !== 3) return null;
  const [who, nonce, mac] = parts;
  const expected = sign(secret, `${who}.${nonce}`);
  if (mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return null;
  if (Buffer.from(who, 'base64url').toString() !== normalizeEmail(email)) return null;
  return nonce;
}
