// Two-factor sign-in for password accounts: TOTP (RFC 6238, otplib) with the seed encrypted at rest,
// replay refused (the last accepted time step is kept), and ten single-use recovery codes stored as
// SHA-256 hashes. All SQL for users.totp_* and totp_recovery_codes lives here.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import type { Config } from '../config';
import { toDbTime } from '../db/time';
import { forUpdate } from '../db/dialect';
import { decryptSecret, encryptSecret } from './secrets';

const PURPOSE = 'totp-secret';
export const RECOVERY_CODE_COUNT = 10;

export interface TotpStatus {
  enabled: boolean;
  enabledAt: string | null;
  pending: boolean;
  hasPassword: boolean;
  recoveryLeft: number;
}

export async function totpStatus(db: Knex, userId: number): Promise<TotpStatus> {
  const u = await db('users').select('totp_secret_enc', 'totp_enabled_at', 'password_hash').where({ id: userId }).first();
  const left = await db('totp_recovery_codes').where({ user_id: userId }).whereNull('used_at').count({ n: '*' });
  return { enabled: Boolean(u?.totp_enabled_at), enabledAt: u?.totp_enabled_at ?? null, pending: Boolean(u?.totp_secret_enc && !u?.totp_enabled_at), hasPassword: Boolean(u?.password_hash), recoveryLeft: Number(left[0].n) };
}

/** Starts (or restarts) enrolment: a new seed, stored encrypted but not yet enabled. */
export async function beginEnrolment(db: Knex, config: Config, userId: number): Promise<void> {
  const secret = generateSecret();
  await db('users').where({ id: userId }).whereNull('totp_enabled_at').update({ totp_secret_enc: encryptSecret(config, secret, PURPOSE), totp_last_step: null });
}

/** The pending seed as text, an otpauth:// URI and a QR code (data: URL image) for the authenticator app. */
export async function enrolmentView(db: Knex, config: Config, userId: number, label: string): Promise<{ secret: string; uri: string; qr: string } | null> {
  const u = await db('users').select('totp_secret_enc', 'totp_enabled_at').where({ id: userId }).first();
  if (!u?.totp_secret_enc || u.totp_enabled_at) return null;
  const secret = decryptSecret(config, u.totp_secret_enc, PURPOSE);
  const uri = generateURI({ issuer: 'Usage Console', label, secret });
  return { secret, uri, qr: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 1, width: 220 }) };
}

function normaliseCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

function hashCode(code: string): string {
  return crypto.createHash('sha256').update(normaliseCode(code), 'utf8').digest('hex');
}

/** Checks a 6-digit code against the user's seed (one step of clock drift either way), once per time step. */
async function checkCode(trx: Knex.Transaction, config: Config, userId: number, code: string, requireEnabled: boolean): Promise<boolean> {
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return false;
  const u = await forUpdate(trx, trx('users').select('totp_secret_enc', 'totp_enabled_at', 'totp_last_step').where({ id: userId })).first();
  if (!u?.totp_secret_enc || (requireEnabled && !u.totp_enabled_at)) return false;
  const secret = decryptSecret(config, u.totp_secret_enc, PURPOSE);
  const last = u.totp_last_step == null ? undefined : Number(u.totp_last_step);
  const r = await verify({ secret, token, epochTolerance: 30, ...(last !== undefined ? { afterTimeStep: last } : {}) }).catch(() => ({ valid: false as const }));
  if (!r.valid) return false;
  await trx('users').where({ id: userId }).update({ totp_last_step: (r as { timeStep: number }).timeStep });
  return true;
}

/** Confirms enrolment with a first code; returns the recovery codes to show once, or null for a wrong code. */
export async function confirmEnrolment(db: Knex, config: Config, userId: number, code: string): Promise<string[] | null> {
  return db.transaction(async (trx) => {
    if (!(await checkCode(trx, config, userId, code, false))) return null;
    await trx('users').where({ id: userId }).update({ totp_enabled_at: toDbTime(new Date()) });
    return replaceRecoveryCodes(trx, userId);
  });
}

/** Ten new codes (xxxxx-xxxxx, 50 bits each); the old ones stop working. */
export async function replaceRecoveryCodes(trx: Knex | Knex.Transaction, userId: number): Promise<string[]> {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = crypto.randomBytes(10);
    const s = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
    return `${s.slice(0, 5)}-${s.slice(5)}`;
  });
  await trx('totp_recovery_codes').where({ user_id: userId }).delete();
  await trx('totp_recovery_codes').insert(codes.map((c) => ({ user_id: userId, code_hash: hashCode(c), used_at: null })));
  return codes;
}

/** The second step of sign-in: a current TOTP code, or an unused recovery code (then spent). */
export async function verifySecondFactor(db: Knex, config: Config, userId: number, input: string): Promise<'totp' | 'recovery' | null> {
  return db.transaction(async (trx) => {
    if (await checkCode(trx, config, userId, input, true)) return 'totp';
    const normal = normaliseCode(input);
    if (!/^[a-z0-9]{10}$/.test(normal)) return null;
    const spent = await trx('totp_recovery_codes').where({ user_id: userId, code_hash: hashCode(normal) }).whereNull('used_at').update({ used_at: toDbTime(new Date()) });
    return spent === 1 ? 'recovery' : null;
  });
}

/** Turns the second factor off (the user themself, or an admin's reset). */
export async function clearTotp(trx: Knex | Knex.Transaction, userId: number): Promise<boolean> {
  const had = await trx('users').select('totp_secret_enc').where({ id: userId }).first();
  await trx('users').where({ id: userId }).update({ totp_secret_enc: null, totp_enabled_at: null, totp_last_step: null });
  await trx('totp_recovery_codes').where({ user_id: userId }).delete();
  return Boolean(had?.totp_secret_enc);
}
