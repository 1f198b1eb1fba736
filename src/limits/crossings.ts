// Notifications when recorded usage crosses a limit: once per limit, subject (user, or group for a
// shared budget) and period, whichever process sees it first (a unique key in limit_crossings).
// Checked after each batch of POST /api/v1/events for the users in it. `onLimitCrossed` is the one
// place a crossing is announced (in-app + e-mail; a webhook can join it there).
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { dayOf, toDbTime } from '../db/time';
import { isDuplicateKeyError, maxInList } from '../db/dialect';
import { formatNumber } from '../http/format';
import { notify } from '../notifications/notify';
import { enqueueEvent, workspaceRef } from '../webhooks/outbox';
import { addDayUsage, periodBounds, resolveLimits, usageWindow, usedFor, type UsageBySubject } from './decide';
import { describeLimit, emptyUsage, METRIC_LABELS, type EffectiveLimit, type PeriodUsage } from './model';
import { context, subjectOf } from './service';
import { groupUsage } from './queries';

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

/** After usage was recorded for `emails`: announces every limit of theirs now crossed (never twice). */
export async function checkLimitCrossings(db: Knex, ws: number, emails: string[], logger?: Logger, now: Date = new Date()): Promise<number> {
  try {
    const ctx = await context(db, ws);
    if (!ctx) return 0;
    const unique = [...new Set(emails.map((e) => e.trim().toLowerCase()))];
    const users: { id: number; email: string; name: string; status: string; max_inference_tokens: number; max_embedding_tokens: number }[] = [];
    for (let i = 0; i < unique.length; i += maxInList(db)) {
      const rows = await db('users').select('id', 'email', 'name', 'status', 'max_inference_tokens', 'max_embedding_tokens').where('workspace_id', ws).whereIn('email', unique.slice(i, i + maxInList(db)));
      for (const r of rows) users.push({ ...r, id: Number(r.id), max_inference_tokens: Number(r.max_inference_tokens), max_embedding_tokens: Number(r.max_embedding_tokens) });
    }
    const names = { workspace: ctx.workspace.name, groups: ctx.groupNames };
    const resolved = users.map((u) => ({ u, limits: resolveLimits(ctx.policies, subjectOf(u, ctx.members.get(u.id) ?? []), names, now) })).filter((x) => x.limits.length);
    if (!resolved.length) return 0;
    const today = dayOf(now, ctx.workspace.timeZone);
    const { from, to } = usageWindow(today);
    const own = await usageOfUsers(db, ws, resolved.map((x) => x.u.id), today, from, to);
    const groups = new Map<number, PeriodUsage>();
    for (const gid of new Set(resolved.flatMap((x) => x.limits.flatMap((l) => (l.counts.kind === 'group' ? [l.counts.groupId] : []))))) {
      groups.set(gid, await groupUsage(db, ws, ctx.membersOf.get(gid) ?? [], today, from, to));
    }
    // candidates: every limit now past its amount (a shared budget once per group)
    const candidates: Crossing[] = [];
    const seenShared = new Set<string>();
    for (const { u, limits } of resolved) {
      const usage: UsageBySubject = { user: own.get(u.id) ?? emptyUsage(), groups };
      for (const l of limits) {
        const used = usedFor(l, usage);
        if (used <= l.amount) continue;
        const b = periodBounds(today, l.period);
        if (l.counts.kind === 'group') {
          const k = `${limitKey(l)}:${l.counts.groupId}`;
          if (seenShared.has(k)) continue;
          seenShared.add(k);
        }
        candidates.push({ workspaceId: ws, limit: l, user: { id: u.id, email: u.email }, used, periodStart: b.start, periodEnd: b.end });
      }
    }
    if (!candidates.length) return 0;
    // users who stay over their limit would otherwise try (and fail) an insert on every batch:
    // one read of this period's crossings skips the ones already announced
    const starts = [...new Set(candidates.map((c) => c.periodStart))];
    const known = new Set(
      ((await db('limit_crossings').select('limit_key', 'subject', 'period_start').where('workspace_id', ws).whereIn('period_start', starts)) as any[]).map(
        (r) => `${r.limit_key}|${r.subject}|${r.period_start}`,
      ),
    );
    let announced = 0;
    for (const c of candidates) {
      if (known.has(`${limitKey(c.limit)}|${subjectKey(c)}|${c.periodStart}`)) continue;
      if (await onLimitCrossed(db, c)) announced++;
    }
    return announced;
  } catch (err) {
    // the usage is stored already: a failed check must not fail the call (the next batch retries it)
    logger?.error({ err, workspace: ws }, 'limit crossing check failed');
    return 0;
  }
}

async function usageOfUsers(db: Knex, ws: number, ids: number[], today: string, from: string, to: string): Promise<Map<number, PeriodUsage>> {
  const out = new Map<number, PeriodUsage>();
  const get = (id: number) => {
    let u = out.get(id);
    if (!u) out.set(id, (u = emptyUsage()));
    return u;
  };
  for (let i = 0; i < ids.length; i += maxInList(db)) {
    const chunk = ids.slice(i, i + maxInList(db));
    const tokens = await db('rollup_daily_user').select('user_id', 'day', 'token_kind').sum({ t: 'total_tokens' }).where('workspace_id', ws).whereIn('user_id', chunk).whereBetween('day', [from, to]).groupBy('user_id', 'day', 'token_kind');
    for (const r of tokens as any[]) if (r.token_kind === 'inference' || r.token_kind === 'embedding') addDayUsage(get(Number(r.user_id)), today, String(r.day).slice(0, 10), r.token_kind, Number(r.t));
    const credits = await db('rollup_daily_user_credits').select('user_id', 'day').sum({ c: 'credits' }).where('workspace_id', ws).whereIn('user_id', chunk).whereBetween('day', [from, to]).groupBy('user_id', 'day');
    for (const r of credits as any[]) addDayUsage(get(Number(r.user_id)), today, String(r.day).slice(0, 10), 'credits', Number(r.c));
  }
  return out;
}
