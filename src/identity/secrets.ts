// Secrets at rest (SSO client secrets, TOTP seeds): AES-256-GCM with a key from SSO_ENCRYPTION_KEY.
// Outside production the key is derived from the session secret (itself kept in data/ in
// development), so a developer needs no extra setting; production must set the key.
import crypto from 'node:crypto';
import type { Config } from '../config';

export class MissingKeyError extends Error {
  constructor() {
    super('SSO_ENCRYPTION_KEY is not set: it is required in production to store sign-in secrets. Set it (at least 32 random characters) and restart.');
  }
}

function keyOf(config: Config): Buffer {
  if (config.SSO_ENCRYPTION_KEY) return crypto.createHash('sha256').update(config.SSO_ENCRYPTION_KEY, 'utf8').digest();
  if (config.NODE_ENV === 'production') throw new MissingKeyError();
  return Buffer.from(crypto.hkdfSync('sha256', config.sessionSecret, 'usage-console', 'secrets-at-rest', 32));
}

/** 'v1.<iv>.<tag>.<ciphertext>' (base64url parts); `purpose` is bound as associated data. */
export function encryptSecret(config: Config, plain: string, purpose: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', keyOf(config), iv);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** The plain text, or throws when the key or the purpose does not match (tampered or re-keyed). */
export function decryptSecret(config: Config, stored: string, purpose: string): string {
  const [v, iv, tag, body] = stored.split('.');
  if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('Unreadable stored secret.');
  const decipher = crypto.createDecipheriv('aes-256-gcm', keyOf(config), Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(purpose, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
