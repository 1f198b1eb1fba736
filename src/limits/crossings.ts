// Notifications when recorded usage crosses a limit: once per limit, subject (user, or group for a
// shared budget) and period, whichever process sees it first (a unique key in limit_crossings).
// Checked off the request path: a pass over the workspace soon after each batch of POST
// /api/v1/events (batches meanwhile share it) and a periodic job. `onLimitCrossed` is the one place a
// crossing is announced (in-app + e-mail, and the limit.exceeded webhook through the outbox).
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { dayOf, toDbTime } from '../db/time';
import { isDuplicateKeyError, maxInList } from '../db/dialect';
import { formatNumber } from '../http/format';
import { notify } from '../notifications/notify';
import { enqueueEvent, workspaceRef } from '../webhooks/outbox';
import { workspaceTableVersion, rosterStamp } from '../reports/memo';
import { periodBounds, resolveLimits, usedFor } from './decide';
import { describeLimit, emptyUsage, METRIC_LABELS, METRICS, PERIODS, type EffectiveLimit, type PeriodUsage, type Policy } from './model';
import { context, subjectOf, type Context } from './service';
import { askingUserOf, contextStamp, limitedUsersOf, periodUsageByUser, type AskingUser, type UsageNeed } from './queries';

export interface Crossing {
  workspaceId: number;
  limit: EffectiveLimit;
  /** the user whose usage crossed it (for a shared budget: the member whose usage tipped it) */
  user: { id: number; email: string };
  used: number;
  periodStart: string;
  periodEnd: string;
}

/** The limit.exceeded event's metric names (the same words as the alert rules use). */
const WEBHOOK_METRIC = { inference: 'inference_tokens', embedding: 'embedding_tokens', credits: 'credits' } as const;

function limitKey(l: EffectiveLimit): string {
  return l.policyId != null ? `policy:${l.policyId}` : `allocation:${l.metric}`;
}

function subjectKey(c: Crossing): string {
  return c.limit.counts.kind === 'group' ? `group:${c.limit.counts.groupId}` : `user:${c.user.id}`;
}

/**
 * Records a crossing and, the first time for this limit, subject and period, tells the workspace's
 * admins (in-app and e-mail) and, for a per-user limit, the user. Returns whether it was new.
 */
export async function onLimitCrossed(db: Knex, c: Crossing): Promise<boolean> {
  // The crossing row and the limit.exceeded webhook event are written together (transactional
  // outbox): the event is sent once the crossing is recorded, and never for a duplicate.
  try {
    await db.transaction(async (trx) => {
      await trx('limit_crossings').insert({
        workspace_id: c.workspaceId,
        limit_key: limitKey(c.limit),
        subject: subjectKey(c),
        period_start: c.periodStart,
        used: c.used,
        amount: c.limit.amount,
        mode: c.limit.mode,
        created_at: toDbTime(new Date()),
      });
      const l = c.limit;
      await enqueueEvent(trx, c.workspaceId, 'limit.exceeded', {
        workspace: await workspaceRef(trx, c.workspaceId),
        subject: l.counts.kind === 'group' ? { type: 'group', id: l.counts.groupId, name: l.name } : { type: 'user', id: c.user.id, name: c.user.email },
        metric: WEBHOOK_METRIC[l.metric],
        period: c.periodStart.slice(0, l.period === 'month' ? 7 : 10),
        limit_period: l.period,
        mode: l.mode,
        limit: l.amount,
        used: c.used,
      });
    });
  } catch (err) {
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
  const l = c.limit;
  const who = l.counts.kind === 'group' ? `Group ${l.name}` : c.user.email;
  const verb = l.mode === 'hard' ? 'reached its hard limit' : 'went over its soft limit';
  const body = `${who} used ${formatNumber(c.used)} ${METRIC_LABELS[l.metric]} this ${l.period} (${c.periodStart} to ${c.periodEnd}) against ${describeLimit(l)}.${l.mode === 'hard' ? ' Further requests are denied until the period ends or the limit is raised.' : ' Requests are still allowed, with a warning.'}`;
  await notify(db, { workspaceId: c.workspaceId, kind: `limits.crossed_${l.mode}`, title: `${who} ${verb} (${METRIC_LABELS[l.metric]} per ${l.period})`, body, link: '/admin/settings/limits', email: true });
  if (l.counts.kind === 'user') {
    await notify(db, {
      workspaceId: c.workspaceId,
      recipientUserId: c.user.id,
      kind: `limits.crossed_${l.mode}`,
      title: `You ${l.mode === 'hard' ? 'reached' : 'went over'} your ${METRIC_LABELS[l.metric]} limit for this ${l.period}`,
      body,
      link: '/me#limits',
      email: true,
    });
  }
  return true;
}

/**
 * Announces every limit of the workspace now crossed, once per limit, subject and period: one
 * set-wise pass over the period rollups (periodUsageByUser), the users with usage in the periods
 * and the cached limits context. Skipped when nothing it reads has changed since this process's
 * last pass (the interactions data version, the policies and groups stamp, the roster stamp, the day).
 */
export async function checkWorkspaceCrossings(db: Knex, ws: number, now: Date = new Date()): Promise<number> {
  // the limits context's stamp is read once: for the skip check and for the context itself
  const [version, ctxStamp, roster] = await Promise.all([workspaceTableVersion(db, 'interactions', ws), contextStamp(db, ws), rosterStamp(db, ws)]);
  const ctx = await context(db, ws, ctxStamp);
  if (!ctx) return 0;
  const today = dayOf(now, ctx.workspace.timeZone);
  const stamp = [version, ctxStamp, roster, today].join('|');
  const seen = lastPass.get(db) ?? lastPass.set(db, new Map()).get(db)!;
  if (seen.get(ws) === stamp) return 0;
  const usage = await periodUsageByUser(db, ws, today, usageNeeds(ctx.policies, now));
  const announced = usage.size ? await announceCrossings(db, ctx, usage, today, now) : 0;
  seen.set(ws, stamp);
  return announced;
}

/** What each workspace looked like at this process's last pass (an optimisation only: losing it costs one pass). */
const lastPass = new WeakMap<Knex, Map<number, string>>();

/** The month's tokens always (allocations are monthly), and every (metric, period) an active policy sets. */
function usageNeeds(policies: Policy[], now: Date): Set<UsageNeed> {
  const needs = new Set<UsageNeed>(['month:inference', 'month:embedding']);
  for (const p of policies) if (p.expiresAt === null || p.expiresAt.getTime() > now.getTime()) needs.add(`${p.period}:${p.metric}`);
  return needs;
}

async function announceCrossings(db: Knex, ctx: Context, usage: Map<number, PeriodUsage>, today: string, now: Date): Promise<number> {
  const ws = ctx.workspace.id;
  const users = await usersWithUsage(db, ws, [...usage.keys()]);
  const names = { workspace: ctx.workspace.name, groups: ctx.groupNames };
  // a shared budget counts its current members' usage
  const groups = new Map<number, PeriodUsage>();
  const groupTotal = (gid: number): PeriodUsage => {
    let total = groups.get(gid);
    if (!total) {
      total = emptyUsage();
      for (const member of ctx.membersOf.get(gid) ?? []) {
        const u = usage.get(member);
        if (u) for (const p of PERIODS) for (const m of METRICS) total[p][m] += u[p][m];
      }
      groups.set(gid, total);
    }
    return total;
  };
  // candidates: every limit now past its amount (a shared budget once per group)
  const candidates: Crossing[] = [];
  const seenShared = new Set<string>();
  for (const u of users) {
    const limits = resolveLimits(ctx.policies, subjectOf(u, ctx.members.get(u.id) ?? []), names, now);
    for (const l of limits) {
      if (l.counts.kind === 'group') {
        const k = `${limitKey(l)}:${l.counts.groupId}`;
        if (seenShared.has(k)) continue;
        groupTotal(l.counts.groupId);
      }
      const used = usedFor(l, { user: usage.get(u.id) ?? emptyUsage(), groups });
      if (used <= l.amount) continue;
      if (l.counts.kind === 'group') seenShared.add(`${limitKey(l)}:${l.counts.groupId}`);
      const b = periodBounds(today, l.period);
      candidates.push({ workspaceId: ws, limit: l, user: { id: u.id, email: u.email }, used, periodStart: b.start, periodEnd: b.end });
    }
  }
  if (!candidates.length) return 0;
  // users who stay over their limit would otherwise try (and fail) an insert on every pass:
  // one read of this period's crossings skips the ones already announced
  const starts = [...new Set(candidates.map((c) => c.periodStart))];
  const known = new Set(
    ((await db('limit_crossings').select('limit_key', 'subject', 'period_start').where('workspace_id', ws).whereIn('period_start', starts)) as any[]).map(
      (r) => `${r.limit_key}|${r.subject}|${String(r.period_start).slice(0, 10)}`,
    ),
  );
  let announced = 0;
  for (const c of candidates) {
    if (known.has(`${limitKey(c.limit)}|${subjectKey(c)}|${c.periodStart}`)) continue;
    if (await onLimitCrossed(db, c)) announced++;
  }
  return announced;
}

/** The (not revoked) users among `ids`: by id when few, else the whole roster in one read. */
async function usersWithUsage(db: Knex, ws: number, ids: number[]): Promise<AskingUser[]> {
  if (ids.length > maxInList(db)) {
    const wanted = new Set(ids);
    return (await limitedUsersOf(db, ws)).filter((u) => wanted.has(u.id));
  }
  const rows: Record<string, unknown>[] = await db('users').select('id', 'email', 'name', 'status', 'max_inference_tokens', 'max_embedding_tokens').where('workspace_id', ws).whereIn('id', ids);
  return rows.map((r) => askingUserOf(r)!).filter((u) => u.status !== 'revoked');
}

/** Every workspace's crossings (the periodic job: catches what a process that died before its pass left). */
export async function checkAllCrossings(db: Knex, now: Date = new Date()): Promise<number> {
  let announced = 0;
  for (const w of (await db('workspaces').select('id')) as { id: number }[]) announced += await checkWorkspaceCrossings(db, Number(w.id), now);
  return announced;
}

/** How long after a batch of events its workspace's pass runs (batches meanwhile share the pass). */
let passDelayMs = 1000;
export function configureCrossingChecks(o: { delayMs: number }): void {
  passDelayMs = Math.max(0, o.delayMs);
}

const scheduled = new WeakMap<Knex, Map<number, { timer: NodeJS.Timeout | null; running: boolean; again: boolean }>>();

/**
 * After usage was recorded: a pass over the workspace's limits soon, off the request path. Batches
 * arriving meanwhile share the pass, so its cost does not grow with the ingestion rate. The
 * `limit-crossings` job (every minute, one process at a time) is the safety net: usage recorded by a
 * process that stopped before its pass is announced by the next run, whichever process runs it.
 */
export function scheduleCrossingCheck(db: Knex, ws: number, logger?: Logger): void {
  const byWs = scheduled.get(db) ?? scheduled.set(db, new Map()).get(db)!;
  const s = byWs.get(ws) ?? byWs.set(ws, { timer: null, running: false, again: false }).get(ws)!;
  if (s.running) {
    s.again = true;
    return;
  }
  if (s.timer) return;
  s.timer = setTimeout(async () => {
    s.timer = null;
    s.running = true;
    try {
      await checkWorkspaceCrossings(db, ws);
    } catch (err) {
      // the usage is stored already: a failed pass fails nothing (the next pass or the job retries)
      logger?.error({ err, workspace: ws }, 'limit crossing check failed');
    } finally {
      s.running = false;
      if (s.again) {
        s.again = false;
        scheduleCrossingCheck(db, ws, logger);
      }
    }
  }, passDelayMs);
  s.timer.unref();
}
