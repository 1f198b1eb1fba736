// Secrets at rest for sign-in (SSO client secrets, TOTP seeds), sealed by the shared secret box
// (src/crypto/secret-box.ts) with the purpose bound as associated data. The key is SSO_ENCRYPTION_KEY
// when set, else the app's ENCRYPTION_KEY; production must set one of them to store sign-in secrets.
import type { Config } from '../config';
import { secretBox, type SecretBox } from '../crypto/secret-box';

export class MissingKeyError extends Error {
  constructor() {
    super('SSO_ENCRYPTION_KEY (or ENCRYPTION_KEY) is not set: one is required in production to store sign-in secrets. Set it (at least 32 random characters) and restart.');
  }
}

function boxFor(config: Config): SecretBox {
  if (config.SSO_ENCRYPTION_KEY) return secretBox(config.SSO_ENCRYPTION_KEY);
  if (config.NODE_ENV === 'production' && !config.ENCRYPTION_KEY) throw new MissingKeyError();
  return secretBox(config.encryptionKey);
}

/** 'v1.<iv>.<tag>.<ciphertext>' (base64url parts); `purpose` is bound as associated data. */
export function encryptSecret(config: Config, plain: string, purpose: string): string {
  return boxFor(config).seal(plain, purpose);
}

/** The plain text, or throws when the key or the purpose does not match (tampered or re-keyed). */
export function decryptSecret(config: Config, stored: string, purpose: string): string {
  return boxFor(config).open(stored, purpose);
}
