// Password hashing with argon2id.
import { hash, verify } from '@node-rs/argon2';

export function hashPassword(plain: string): Promise<string> {
  return hash(plain, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
}

/** Hash verifications done by this process (tests count them: every failed sign-in costs one). */
export const passwordStats = { verifications: 0 };

/**
 * Checks `plain` against `hashed`. Without a hash (an invited or password-less account) the same
 * work is done against a dummy hash and the answer is false, so no account answers faster.
 */
export async function verifyPassword(hashed: string | null | undefined, plain: string): Promise<boolean> {
  passwordStats.verifications += 1;
  const usable = typeof hashed === 'string' && hashed.startsWith('$argon2');
  try {
    const ok = await verify(usable ? hashed : await dummyHash(), plain);
    return usable && ok;
  } catch {
    return false;
  }
}

/** A fixed hash to verify against when the account does not exist (same timing, no enumeration). */
let dummy: Promise<string> | null = null;
export function dummyHash(): Promise<string> {
  return (dummy ??= hashPassword('not-a-real-password-' + Math.random()));
}
