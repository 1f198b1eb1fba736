// Evaluating allocation and spike rules, in the alerts job from rollups (credit rules run inside the
// charging transaction: src/alerts/credit-rules.ts). Every rule fires once per crossing per subject
// and re-arms when the condition clears.
import type { Knex } from 'knex';
import { addDays, monthOf, today } from '../db/time';
import { formatNumber } from '../http/format';
import { enqueueEvent, workspaceRef } from '../webhooks/outbox';
import { fireRule, subjectKey, type Subject } from './fire';
import { firedSubjects, listRules, setFired, type AlertRule, type Scope } from './rules';

const fmt = (n: number) => formatNumber(Math.round(n * 100) / 100);

// ---- Limits: the limits feature may call this directly; allocation rules at 100 % do. ----

export async function emitLimitExceeded(trx: Knex, workspaceId: number, subject: Subject, period: string, limit: number, used: number): Promise<void> {
  await enqueueEvent(trx, workspaceId, 'limit.exceeded', { workspace: await workspaceRef(trx, workspaceId), subject, metric: 'inference_tokens', period, limit, used });
}

interface Measured {
  subject: Subject;
  used: number;
  limit: number;
}

/**
 * Monthly inference tokens against allocations: users (their allocation), groups (the sum of their
 * members'), the workspace (its purchased tokens). HOOK: when layered limits exist, this is the one
 * place to read them instead.
 */
export async function allocationUse(db: Knex, workspaceId: number, scope: Scope, month: string): Promise<Measured[]> {
  const usage = await db('rollup_monthly_user').select('user_id').sum({ used: 'total_tokens' }).where({ workspace_id: workspaceId, month, token_kind: 'inference' }).groupBy('user_id');
  const usedBy = new Map<number, number>((usage as unknown as { user_id: number; used: number }[]).map((r) => [Number(r.user_id), Number(r.used)]));
  const users = await db('users').select('id', 'email', 'max_inference_tokens').where({ workspace_id: workspaceId }).whereNot({ status: 'revoked' });
  if (scope === 'user') {
    return users
      .filter((u: { max_inference_tokens: number }) => Number(u.max_inference_tokens) > 0)
      .map((u: { id: number; email: string; max_inference_tokens: number }) => ({ subject: { type: 'user' as const, id: Number(u.id), name: u.email }, used: usedBy.get(Number(u.id)) ?? 0, limit: Number(u.max_inference_tokens) }));
  }
  if (scope === 'workspace') {
    const ws = await db('workspaces').select('name', 'purchased_inference_tokens').where({ id: workspaceId }).first();
    const limit = Number(ws?.purchased_inference_tokens ?? 0);
    if (limit <= 0) return [];
    return [{ subject: { type: 'workspace', id: null, name: ws.name }, used: [...usedBy.values()].reduce((a, b) => a + b, 0), limit }];
  }
  const alloc = new Map(users.map((u: { id: number; max_inference_tokens: number }) => [Number(u.id), Number(u.max_inference_tokens)]));
  const members = await db('group_members as m').join('groups as g', 'g.id', 'm.group_id').select('g.id', 'g.name', 'm.user_id').where({ 'g.workspace_id': workspaceId, 'g.status': 'active' });
  const groups = new Map<number, Measured>();
  for (const m of members as { id: number; name: string; user_id: number }[]) {
    const g = groups.get(Number(m.id)) ?? { subject: { type: 'group' as const, id: Number(m.id), name: m.name }, used: 0, limit: 0 };
    g.used += usedBy.get(Number(m.user_id)) ?? 0;
    g.limit += alloc.get(Number(m.user_id)) ?? 0;
    groups.set(Number(m.id), g);
  }
  return [...groups.values()].filter((g) => g.limit > 0);
}

export async function evaluateAllocationRule(db: Knex, rule: AlertRule, zone: string, now: Date): Promise<number> {
  const month = monthOf(now, zone);
  const p = Number(rule.params.percent ?? 100);
  const measured = await allocationUse(db, rule.workspace_id, rule.params.scope ?? 'user', month);
  const state = await firedSubjects(db, rule.id);
  let fired = 0;
  for (const m of measured) {
    const key = `${subjectKey(m.subject)}@${month}`;
    const pct = (m.used / m.limit) * 100;
    const was = state.get(key)?.fired ?? false;
    if (pct >= p && !was) {
      await db.transaction(async (trx) => {
        const who = m.subject.name ?? m.subject.type;
        await fireRule(trx, rule, m.subject, `${who} used ${fmt(pct)} % of the ${month} allocation (${fmt(m.used)} of ${fmt(m.limit)} tokens)`, { month, used: m.used, limit: m.limit, percent: Math.round(pct * 10) / 10, threshold_percent: p }, now);
        if (p === 100) await emitLimitExceeded(trx, rule.workspace_id, m.subject, month, m.limit, m.used);
        await setFired(trx, rule.id, key, true);
      });
      fired++;
    } else if (pct < p && was) await setFired(db, rule.id, key, false);
  }
  return fired;
}

// ---- Daily usage spikes (complete days in the workspace zone, from rollups). ----

export const BASELINE_DAYS = 28;
/** Fewer days with any use than this in the baseline: too little history to call a day a spike. */
export const MIN_ACTIVE_BASELINE_DAYS = 7;

export interface SpikeVerdict {
  mean: number;
  stddev: number;
  spike: boolean;
}

/** Mean and population standard deviation of the baseline; a spike is value > mean + k·stddev. */
export function spikeVerdict(baseline: number[], value: number, k: number): SpikeVerdict {
  const n = baseline.length;
  const mean = n ? baseline.reduce((a, b) => a + b, 0) / n : 0;
  const stddev = n ? Math.sqrt(baseline.reduce((a, b) => a + (b - mean) ** 2, 0) / n) : 0;
  const active = baseline.filter((v) => v > 0).length;
  return { mean, stddev, spike: active >= MIN_ACTIVE_BASELINE_DAYS && value > mean + k * stddev };
}

/** Daily totals per subject key over [from, to]: Map<subjectKey, Map<day, value>> plus subject names. */
async function dailySeries(db: Knex, workspaceId: number, scope: Scope, metric: 'tokens' | 'credits', from: string, to: string): Promise<{ series: Map<string, Map<string, number>>; subjects: Map<string, Subject> }> {
  const series = new Map<string, Map<string, number>>();
  const subjects = new Map<string, Subject>();
  const add = (key: string, day: string, v: number) => {
    const m = series.get(key) ?? new Map<string, number>();
    m.set(day, (m.get(day) ?? 0) + v);
    series.set(key, m);
  };
  const dayText = (d: unknown) => String(d).slice(0, 10);
  if (scope === 'workspace') {
    const rows =
      metric === 'tokens'
        ? await db('rollup_daily').select('day').sum({ v: 'total_tokens' }).where({ workspace_id: workspaceId }).whereBetween('day', [from, to]).groupBy('day')
        : await db('rollup_daily_credits').select('day').sum({ v: 'credits' }).where({ workspace_id: workspaceId }).whereBetween('day', [from, to]).groupBy('day');
    const ws = await db('workspaces').select('name').where({ id: workspaceId }).first();
    subjects.set('workspace', { type: 'workspace', id: null, name: ws?.name ?? null });
    for (const r of rows as { day: string; v: number }[]) add('workspace', dayText(r.day), Number(r.v));
    return { series, subjects };
  }
  const rows =
    metric === 'tokens'
      ? await db('rollup_daily_user').select('user_id', 'day').sum({ v: 'total_tokens' }).where({ workspace_id: workspaceId }).whereBetween('day', [from, to]).groupBy('user_id', 'day')
      : await db('rollup_daily_user_credits').select('user_id', 'day').sum({ v: 'credits' }).where({ workspace_id: workspaceId }).whereBetween('day', [from, to]).groupBy('user_id', 'day');
  if (scope === 'user') {
    const users = await db('users').select('id', 'email').where({ workspace_id: workspaceId });
    for (const u of users as { id: number; email: string }[]) subjects.set(`user:${u.id}`, { type: 'user', id: Number(u.id), name: u.email });
    for (const r of rows as { user_id: number; day: string; v: number }[]) add(`user:${r.user_id}`, dayText(r.day), Number(r.v));
    return { series, subjects };
  }
  const members = await db('group_members as m').join('groups as g', 'g.id', 'm.group_id').select('g.id', 'g.name', 'm.user_id').where({ 'g.workspace_id': workspaceId, 'g.status': 'active' });
  const groupsOf = new Map<number, number[]>();
  for (const m of members as { id: number; name: string; user_id: number }[]) {
    subjects.set(`group:${m.id}`, { type: 'group', id: Number(m.id), name: m.name });
    groupsOf.set(Number(m.user_id), [...(groupsOf.get(Number(m.user_id)) ?? []), Number(m.id)]);
  }
  for (const r of rows as { user_id: number; day: string; v: number }[]) {
    for (const g of groupsOf.get(Number(r.user_id)) ?? []) add(`group:${g}`, dayText(r.day), Number(r.v));
  }
  return { series, subjects };
}

/** Longest catch-up after downtime: the last week of complete days. */
const MAX_CATCH_UP_DAYS = 7;

export async function evaluateSpikeRule(db: Knex, rule: AlertRule, zone: string, now: Date): Promise<number> {
  const lastComplete = addDays(today(zone, now), -1);
  const scope = rule.params.scope ?? 'workspace';
  const metric = rule.params.metric ?? 'tokens';
  const k = Number(rule.params.k ?? 3);
  const state = await firedSubjects(db, rule.id);
  const earliest = addDays(lastComplete, -(MAX_CATCH_UP_DAYS - 1));
  const { series, subjects } = await dailySeries(db, rule.workspace_id, scope, metric, addDays(earliest, -BASELINE_DAYS), lastComplete);
  const keys = new Set([...series.keys(), ...[...state.keys()].filter((k2) => subjects.has(k2))]);
  let fired = 0;
  for (const key of keys) {
    const s = state.get(key);
    if (s?.last_day && s.last_day >= lastComplete) continue;
    let first = s?.last_day ? addDays(s.last_day, 1) : lastComplete;
    if (first < earliest) first = earliest;
    let wasFired = s?.fired ?? false;
    const values = series.get(key) ?? new Map<string, number>();
    for (let day = first; day <= lastComplete; day = addDays(day, 1)) {
      const baseline = Array.from({ length: BASELINE_DAYS }, (_, i) => values.get(addDays(day, i - BASELINE_DAYS)) ?? 0);
      const value = values.get(day) ?? 0;
      const v = spikeVerdict(baseline, value, k);
      if (v.spike && !wasFired) {
        const subject = subjects.get(key)!;
        const unit = metric === 'tokens' ? 'tokens' : 'credits';
        const sigmas = v.stddev > 0 ? (value - v.mean) / v.stddev : Infinity;
        const summary = `${subject.name ?? subject.type} used ${fmt(value)} ${unit} on ${day}, ${Number.isFinite(sigmas) ? `${fmt(sigmas)} standard deviations` : 'far'} above the ${BASELINE_DAYS}-day mean of ${fmt(v.mean)}`;
        await db.transaction(async (trx) => {
          await fireRule(trx, rule, subject, summary, { day, metric, value, mean: Math.round(v.mean * 100) / 100, stddev: Math.round(v.stddev * 100) / 100, k }, now);
          await setFired(trx, rule.id, key, true, day);
        });
        fired++;
        wasFired = true;
      } else {
        wasFired = v.spike ? wasFired : false;
        await setFired(db, rule.id, key, wasFired, day);
      }
    }
  }
  return fired;
}

/** Runs every allocation and spike rule of a workspace (the alerts job; tests call it with a clock). */
export async function evaluateWorkspaceRules(db: Knex, workspaceId: number, now = new Date()): Promise<number> {
  const ws = await db('workspaces').select('time_zone').where({ id: workspaceId }).first();
  if (!ws) return 0;
  let fired = 0;
  for (const rule of await listRules(db, workspaceId, undefined, true)) {
    if (rule.condition === 'allocation_above') fired += await evaluateAllocationRule(db, rule, ws.time_zone, now);
    else if (rule.condition === 'usage_spike') fired += await evaluateSpikeRule(db, rule, ws.time_zone, now);
  }
  return fired;
}

export async function evaluateAllRules(db: Knex, now = new Date()): Promise<number> {
  const wss = await db('alert_rules').distinct('workspace_id').where({ enabled: true }).whereIn('condition', ['allocation_above', 'usage_spike']);
  let fired = 0;
  for (const w of wss as { workspace_id: number }[]) fired += await evaluateWorkspaceRules(db, Number(w.workspace_id), now);
  return fired;
}
