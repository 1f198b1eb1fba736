// The delivery worker: claims due deliveries (FOR UPDATE SKIP LOCKED on MySQL/MariaDB, so several
// processes share the queue; under a job lease on SQLite), signs and posts them, and records the
// answer. Failures retry with exponential backoff and jitter for about a day, then the delivery is
// failed and admins are told; an endpoint failing for days is disabled. A claim that outlives its
// worker (a crash) expires and the delivery is tried again.
import type { Knex } from 'knex';
import { Webhook } from 'standardwebhooks';
import type { AppContext } from '../http/context';
import { forUpdateSkipLocked } from '../db/dialect';
import { toDbTime, fromDbTime } from '../db/time';
import { notify } from '../notifications/notify';
import { timestampInSentence } from '../http/format';
import { findWorkspace } from '../workspaces/queries';
import { secretBox } from '../crypto/secret-box';
import { PROCESS_OWNER } from '../jobs/lease';
import { postJson } from './outbound';
import { slackMessage } from './slack';

/** Wait before attempt n+1 after n failed attempts (Standard Webhooks' suggested shape, ~23.6 h in all). */
export const BACKOFF_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 5 * 3600_000, 8 * 3600_000, 8 * 3600_000];
export const MAX_ATTEMPTS = BACKOFF_MS.length + 1;
/** An endpoint whose deliveries have failed without a success for this long is disabled. */
export const DISABLE_AFTER_MS = 3 * 24 * 3600_000;
/** How long a claim holds a delivery; a worker that dies loses it after this. */
export const CLAIM_MS = 2 * 60_000;

export interface WorkerOptions {
  /** the clock for due times, claims and backoff (tests move it; signatures use the wall clock) */
  now?: () => Date;
  owner?: string;
  batch?: number;
  /** stop claiming after this long (the job's lease must outlast it) */
  budgetMs?: number;
  random?: () => number;
}

export interface WorkerReport {
  delivered: number;
  retried: number;
  failed: number;
}

/** Delay after `attempts` failed attempts, with ±20 % jitter so retries of many deliveries spread out. */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const base = BACKOFF_MS[Math.min(attempts, BACKOFF_MS.length) - 1] ?? BACKOFF_MS[0];
  return Math.round(base * (0.8 + 0.4 * random()));
}

interface Claimed {
  id: number;
  attempts: number;
  endpoint_id: number;
  workspace_id: number;
  msg_id: string;
  payload: string;
  url: string;
  kind: string;
  secret_sealed: string;
  enabled: number | boolean;
}

async function claim(db: Knex, owner: string, now: Date, batch: number): Promise<Claimed[]> {
  const at = toDbTime(now);
  const ids: number[] = await db.transaction(async (trx) => {
    // Two narrow range scans on (status, next_attempt_at), so a worker locks only the rows it takes
    // and a concurrent worker's SKIP LOCKED finds the next ones: due deliveries, then claims of
    // workers that died (their claimed_until has passed).
    const due = await forUpdateSkipLocked(trx, trx('webhook_deliveries').select('id').where('status', 'pending').andWhere('next_attempt_at', '<=', at).orderBy('next_attempt_at').limit(batch));
    const stale =
      due.length < batch
        ? await forUpdateSkipLocked(trx, trx('webhook_deliveries').select('id').where('status', 'sending').andWhere('claimed_until', '<', at).orderBy('next_attempt_at').limit(batch - due.length))
        : [];
    const got = [...due, ...stale].map((r: { id: number }) => Number(r.id));
    if (got.length) {
      await trx('webhook_deliveries')
        .whereIn('id', got)
        .update({ status: 'sending', claimed_by: owner, claimed_until: toDbTime(new Date(now.getTime() + CLAIM_MS)), attempts: trx.raw('attempts + 1'), last_attempt_at: at });
    }
    return got;
  });
  if (ids.length === 0) return [];
  return db('webhook_deliveries as d')
    .join('webhook_events as e', 'e.id', 'd.event_id')
    .join('webhook_endpoints as p', 'p.id', 'd.endpoint_id')
    .select('d.id', 'd.attempts', 'd.endpoint_id', 'd.workspace_id', 'e.msg_id', 'e.payload', 'p.url', 'p.kind', 'p.secret_sealed', 'p.enabled')
    .whereIn('d.id', ids)
    .where('d.claimed_by', owner);
}

/** Signs and posts one delivery; resolves with the HTTP status or the error text. */
async function send(ctx: AppContext, d: Claimed): Promise<{ ok: boolean; status: number | null; ms: number | null; error: string | null }> {
  const body = d.kind === 'slack' ? slackMessage(d.payload) : d.payload;
  try {
    const secret = secretBox(ctx.config.encryptionKey).open(d.secret_sealed);
    const sentAt = new Date();
    const headers: Record<string, string> = {
      'webhook-id': d.msg_id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(d.msg_id, sentAt, body),
    };
    const r = await postJson(d.url, body, headers, { timeoutMs: ctx.config.WEBHOOK_TIMEOUT_MS, allowPrivate: ctx.config.WEBHOOK_ALLOW_PRIVATE === '1' });
    const ok = r.status >= 200 && r.status < 300;
    return { ok, status: r.status, ms: r.ms, error: ok ? null : `HTTP ${r.status}` };
  } catch (err) {
    return { ok: false, status: null, ms: null, error: String((err as Error)?.message ?? err).slice(0, 500) };
  }
}

async function endpointFailed(ctx: AppContext, endpointId: number, now: Date, finalFailure: boolean): Promise<void> {
  const { db } = ctx;
  const at = toDbTime(now);
  await db('webhook_endpoints').where({ id: endpointId }).whereNull('failing_since').update({ failing_since: at });
  const ep = await db('webhook_endpoints').where({ id: endpointId }).first();
  if (!ep || !ep.enabled) return;
  const since = fromDbTime(ep.failing_since) ?? now;
  if (now.getTime() - since.getTime() >= DISABLE_AFTER_MS) {
    const changed = await db('webhook_endpoints').where({ id: endpointId, enabled: true }).update({ enabled: false, disabled_reason: 'Disabled after failing for 3 days', updated_at: at });
    if (Number(changed) === 1) {
      await db('webhook_deliveries').where({ endpoint_id: endpointId, status: 'pending' }).update({ status: 'failed', last_error: 'endpoint disabled', claimed_by: null, claimed_until: null });
      await notify(db, {
        workspaceId: ep.workspace_id,
        kind: 'webhooks.endpoint_disabled',
        title: `Webhook endpoint disabled: ${ep.url}`.slice(0, 200),
        body: `Deliveries to ${ep.url} have failed since ${timestampInSentence(ep.failing_since, (await findWorkspace(db, ep.workspace_id))?.time_zone ?? 'UTC')}, so the endpoint was disabled. Fix the receiver, then enable it again on the Webhooks page.`,
        link: `/admin/settings/webhooks?endpoint=${endpointId}`,
        email: true,
      });
    }
    return;
  }
  if (finalFailure && !ep.failure_notified_at) {
    const changed = await db('webhook_endpoints').where({ id: endpointId }).whereNull('failure_notified_at').update({ failure_notified_at: at });
    if (Number(changed) === 1) {
      await notify(db, {
        workspaceId: ep.workspace_id,
        kind: 'webhooks.delivery_failed',
        title: `Webhook deliveries are failing: ${ep.url}`.slice(0, 200),
        body: `A delivery to ${ep.url} failed after ${MAX_ATTEMPTS} attempts over about a day. The endpoint is disabled if it keeps failing for 3 days.`,
        link: `/admin/settings/webhooks?endpoint=${endpointId}`,
        email: true,
      });
    }
  }
}

async function record(ctx: AppContext, d: Claimed, owner: string, now: Date, r: Awaited<ReturnType<typeof send>>, random: () => number): Promise<'delivered' | 'retried' | 'failed'> {
  const { db } = ctx;
  const at = toDbTime(now);
  const mine = () => db('webhook_deliveries').where({ id: d.id, claimed_by: owner, status: 'sending' });
  const common = { response_status: r.status, response_ms: r.ms, last_error: r.error, claimed_by: null, claimed_until: null };
  if (r.ok) {
    await mine().update({ ...common, status: 'delivered', delivered_at: at });
    await db('webhook_endpoints').where({ id: d.endpoint_id }).update({ failing_since: null, failure_notified_at: null });
    return 'delivered';
  }
  const final = d.attempts >= MAX_ATTEMPTS;
  if (final) await mine().update({ ...common, status: 'failed' });
  else await mine().update({ ...common, status: 'pending', next_attempt_at: toDbTime(new Date(now.getTime() + backoffMs(d.attempts, random))) });
  await endpointFailed(ctx, d.endpoint_id, now, final);
  return final ? 'failed' : 'retried';
}

/** Sends every due delivery (in batches) until none is left or the time budget is spent. */
export async function runDeliveries(ctx: AppContext, opts: WorkerOptions = {}): Promise<WorkerReport> {
  const now = opts.now ?? (() => new Date());
  const owner = opts.owner ?? PROCESS_OWNER;
  const random = opts.random ?? Math.random;
  const batch = opts.batch ?? 20;
  const until = Date.now() + (opts.budgetMs ?? 40_000);
  const report: WorkerReport = { delivered: 0, retried: 0, failed: 0 };
  while (Date.now() < until) {
    const claimed = await claim(ctx.db, owner, now(), batch);
    if (claimed.length === 0) break;
    await Promise.all(
      claimed.map(async (d) => {
        if (!d.enabled) {
          // Switched off after the event was queued: not sent.
          await ctx.db('webhook_deliveries').where({ id: d.id, claimed_by: owner }).update({ status: 'failed', last_error: 'endpoint disabled', claimed_by: null, claimed_until: null });
          report.failed++;
          return;
        }
        const r = await send(ctx, d);
        report[await record(ctx, d, owner, now(), r, random)]++;
      }),
    );
  }
  return report;
}
