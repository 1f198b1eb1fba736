// Named leases in the database (table job_leases): the way several app processes and hosts agree
// that exactly one of them runs a job now. Portable SQL: an INSERT for a new name, a guarded
// UPDATE (expired, or already ours) to take one over; the affected-row count says who won.
import crypto from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import { toDbTime } from '../db/time';
import { isDuplicateKeyError } from '../db/dialect';

/** This process's identity as a lease owner: host, pid and a random part (pids repeat across hosts). */
export const PROCESS_OWNER = `${os.hostname().slice(0, 60)}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;

/** Takes (or renews) the lease `name` for `ttlMs` when it is free, expired or already held by `owner`. */
export async function acquireLease(db: Knex, name: string, ttlMs: number, owner = PROCESS_OWNER, now = new Date()): Promise<boolean> {
  const at = toDbTime(now);
  const expires = toDbTime(new Date(now.getTime() + ttlMs));
  try {
    await db('job_leases').insert({ name, owner, expires_at: expires, acquired_at: at });
    return true;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
  const changed = await db('job_leases')
    .where({ name })
    .andWhere((q) => q.where('expires_at', '<', at).orWhere({ owner }))
    .update({ owner, expires_at: expires, acquired_at: at });
  return Number(changed) === 1;
}

/** Gives the lease back at once (only when `owner` still holds it). */
export async function releaseLease(db: Knex, name: string, owner = PROCESS_OWNER, now = new Date()): Promise<void> {
  await db('job_leases').where({ name, owner }).update({ expires_at: toDbTime(new Date(now.getTime() - 1)) });
}

/**
 * Runs `fn` under the lease `name` if this process can take it; returns whether it ran. The lease
 * outlives a crash by at most `ttlMs`, so `fn` should finish well within it (or work in batches).
 */
export async function runExclusive<T>(db: Knex, name: string, ttlMs: number, fn: () => Promise<T>, owner = PROCESS_OWNER): Promise<{ ran: boolean; result?: T }> {
  if (!(await acquireLease(db, name, ttlMs, owner))) return { ran: false };
  try {
    return { ran: true, result: await fn() };
  } finally {
    await releaseLease(db, name, owner).catch(() => undefined);
  }
}
