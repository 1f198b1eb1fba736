// Secrets at rest: AES-256-GCM round trip, tampering and a wrong purpose detected, the key from
// SSO_ENCRYPTION_KEY (required in production), and the outbound address rules.
import { expect } from 'chai';
import { loadConfig } from '../../src/config';
import { decryptSecret, encryptSecret, MissingKeyError } from '../../src/identity/secrets';
import { isPrivateAddress } from '../../src/identity/outbound';

const base = { SESSION_SECRET: 'a-long-enough-session-secret', LOG_LEVEL: 'silent' };

describe('identity: secrets at rest and outbound address rules', () => {
  const dev = loadConfig({ ...base, NODE_ENV: 'test' });

  it('encrypts with a fresh IV each time and decrypts back', () => {
    const a = encryptSecret(dev, 'client-secret-123', 'sso-client-secret');
    const b = encryptSecret(dev, 'client-secret-123', 'sso-client-secret');
    expect(a).to.match(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).to.not.equal(b);
    expect(a).to.not.include('client-secret-123');
    expect(decryptSecret(dev, a, 'sso-client-secret')).to.equal('client-secret-123');
  });

  it('refuses a tampered ciphertext, another purpose, or another key', () => {
    const stored = encryptSecret(dev, 'seed', 'totp-secret');
    const parts = stored.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    expect(() => decryptSecret(dev, [...parts.slice(0, 3), flipped.toString('base64url')].join('.'), 'totp-secret')).to.throw();
    expect(() => decryptSecret(dev, stored, 'sso-client-secret')).to.throw();
    const other = loadConfig({ ...base, NODE_ENV: 'test', SSO_ENCRYPTION_KEY: 'k'.repeat(40) });
    expect(() => decryptSecret(other, stored, 'totp-secret')).to.throw();
  });

  it('production needs SSO_ENCRYPTION_KEY to store a secret (and it must be 32+ characters)', () => {
    const prod = loadConfig({ ...base, NODE_ENV: 'production' });
    expect(() => encryptSecret(prod, 'x', 'sso-client-secret')).to.throw(MissingKeyError, /SSO_ENCRYPTION_KEY/);
    const keyed = loadConfig({ ...base, NODE_ENV: 'production', SSO_ENCRYPTION_KEY: 'p'.repeat(32) });
    expect(decryptSecret(keyed, encryptSecret(keyed, 'x', 'p'), 'p')).to.equal('x');
    expect(() => loadConfig({ ...base, SSO_ENCRYPTION_KEY: 'short' })).to.throw(/SSO_ENCRYPTION_KEY: must be at least 32 characters/);
  });

  it('knows which addresses are private', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '224.0.0.1']) {
      expect(isPrivateAddress(ip), ip).to.equal(true);
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:1.1.1.1']) expect(isPrivateAddress(ip), ip).to.equal(false);
  });
});
