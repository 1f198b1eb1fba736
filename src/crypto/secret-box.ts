// Secrets the console must read back (webhook signing secrets, SSO client secrets, TOTP seeds):
// AES-256-GCM under a key derived from configuration; an optional purpose is bound as associated
// data, so a secret sealed for one use cannot be opened as another. Stored as "v1.<iv>.<tag>.<ciphertext>" (base64url parts).
import crypto from 'node:crypto';

const VERSION = 'v1';

function keyFrom(material: string): Buffer {
  // HKDF turns any 32+ character setting into a 256-bit key dedicated to this use.
  return Buffer.from(crypto.hkdfSync('sha256', Buffer.from(material, 'utf8'), Buffer.alloc(0), Buffer.from('usage-console secret-box v1'), 32));
}

export interface SecretBox {
  seal(plain: string, purpose?: string): string;
  open(sealed: string, purpose?: string): string;
}

export function secretBox(material: string): SecretBox {
  const key = keyFrom(material);
  return {
    seal(plain: string, purpose?: string): string {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      if (purpose !== undefined) cipher.setAAD(Buffer.from(purpose, 'utf8'));
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    open(sealed: string, purpose?: string): string {
      const [v, iv, tag, ct] = sealed.split('.');
      if (v !== VERSION || !iv || !tag || ct === undefined) throw new Error('not a sealed secret');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      if (purpose !== undefined) decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
