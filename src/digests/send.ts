// Sending scheduled reports exactly once per subscription and period, across processes: the job
// runs under a lease, and each send first claims its (subscription, period) row — a unique key —
// so a period is sent once even if two runs overlap. A claim left by a crashed process is taken
// over after CLAIM_STALE_MS; failed sends are retried up to MAX_ATTEMPTS.
import path from 'node:path';
import fs from 'node:fs';
import ejs from 'ejs';
import type { Knex } from 'knex';
import type { AppContext } from '../http/context';
import { isDuplicateKeyError } from '../db/dialect';
import { fromDbTime, toDbTime } from '../db/time';
import { formatNumber } from '../http/format';
import { sendMailNow } from '../notifications/mailer';
import { registerJob } from '../jobs/scheduler';
import { buildDigest, completePeriods, digestAttachments, type Digest, type Period, type ReportPeriod } from './digest';

export const CLAIM_STALE_MS = 30 * 60_000;
export const MAX_ATTEMPTS = 5;

export interface Subscription {
  id: number;
  workspace_id: number;
  period: ReportPeriod;
  recipients: string[];
  exports: string[];
  created_at: string;
}

function parseList(s: unknown): string[] {
  try {
    const v = JSON.parse(String(s ?? '[]'));
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

export function toSubscription(r: Record<string, unknown>): Subscription {
  return { id: Number(r.id), workspace_id: Number(r.workspace_id), period: r.period as ReportPeriod, recipients: parseList(r.recipients), exports: parseList(r.exports), created_at: String(r.created_at) };
}

const VIEWS = [path.resolve(__dirname, '../../views'), path.resolve(__dirname, '../../../views')].find((d) => fs.existsSync(d))!;

export async function renderDigest(d: Digest): Promise<{ subject: string; html: string; text: string }> {
  const label = d.period === 'weekly' ? `Week of ${d.from}` : `Month ${d.from.slice(0, 7)}`;
  const subject = `[Usage Console] ${d.workspace.name}: ${d.period === 'weekly' ? 'weekly' : 'monthly'} report, ${d.from} to ${d.to}`;
  const html = await ejs.renderFile(path.join(VIEWS, 'emails/digest.ejs'), { d, label, fmt: formatNumber });
  const n = formatNumber;
  const text = [
    `${d.workspace.name} — ${label} (${d.from} to ${d.to}, ${d.workspace.time_zone})`,
    '',
    ...d.cards.map((c) => `${c.label}: ${c.value} (${c.delta.text})`),
    '',
    'Top users:',
    ...d.topUsers.map((u) => `  ${u.email}: ${n(u.total_tokens)} tokens, ${n(u.interactions)} interactions`),
    ...(d.credits ? ['', `Credits used: ${n(d.credits.used)} (previous period ${n(d.credits.previous)}); balance ${n(d.credits.balance)}`] : []),
    '',
    'Users over or near their allocation:',
    ...(d.allocation.length ? d.allocation.map((u) => `  ${u.email}: ${u.percent} % (${n(u.used)} of ${n(u.allocation)})`) : ['  none']),
  ].join('\n');
  return { subject, html, text };
}

/** Claims the period's row; false when it is sent, being sent by a live process, or out of attempts. */
async function claimPeriod(db: Knex, subId: number, key: string, now: Date): Promise<boolean> {
  const at = toDbTime(now);
  try {
    await db('report_runs').insert({ subscription_id: subId, period_key: key, status: 'sending', attempts: 1, started_at: at });
    return true;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
  const stale = toDbTime(new Date(now.getTime() - CLAIM_STALE_MS));
  const changed = await db('report_runs')
    .where({ subscription_id: subId, period_key: key })
    .where('attempts', '<', MAX_ATTEMPTS)
    .where((w) => w.where('status', 'failed').orWhere((x) => x.where('status', 'sending').andWhere('started_at', '<', stale)))
    .update({ status: 'sending', attempts: db.raw('attempts + 1'), started_at: at });
  return Number(changed) === 1;
}

export async function sendPeriod(db: Knex, sub: Subscription, period: Period, now: Date): Promise<void> {
  const digest = await buildDigest(db, sub.workspace_id, sub.period, period, now);
  const { subject, html, text } = await renderDigest(digest);
  const sent = await sendMailNow(db, { to: sub.recipients, subject, html, text, attachments: digestAttachments(digest, sub.exports) });
  if (!sent) throw new Error('e-mail is not configured (SMTP_URL)');
}

/** Sends every due period of every subscription; returns how many e-mails went out. */
export async function runReports(ctx: AppContext, now = new Date()): Promise<number> {
  const { db } = ctx;
  const subs = (await db('report_subscriptions as s').join('workspaces as w', 'w.id', 's.workspace_id').select('s.*', 'w.time_zone')) as (Record<string, unknown> & { time_zone: string })[];
  let sent = 0;
  for (const row of subs) {
    const sub = toSubscription(row);
    const since = fromDbTime(sub.created_at) ?? now;
    for (const p of completePeriods(sub.period, row.time_zone, now, since)) {
      if (!(await claimPeriod(db, sub.id, p.key, now))) continue;
      try {
        await sendPeriod(db, sub, p, now);
        await db('report_runs').where({ subscription_id: sub.id, period_key: p.key }).update({ status: 'sent', sent_at: toDbTime(new Date()), last_error: null });
        sent++;
      } catch (err) {
        ctx.logger.warn({ err, subscription: sub.id, period: p.key }, 'scheduled report failed');
        await db('report_runs').where({ subscription_id: sub.id, period_key: p.key }).update({ status: 'failed', last_error: String((err as Error)?.message ?? err).slice(0, 500) });
      }
    }
  }
  return sent;
}

export const REPORTS_JOB = 'scheduled-reports';

export function registerReportsJob(): void {
  registerJob({ name: REPORTS_JOB, everyMs: 5 * 60_000, leaseMs: 20 * 60_000, run: async (ctx) => void (await runReports(ctx)) });
}
