// Where users stand against their per-user limits, for one user or a whole workspace at once: each
// limit's use, share, projection and state (the definitions of src/domain/limits.ts), and the
// state of the limit that decides (the worst). Limit status, User Management and My usage all go
// through here. A whole workspace is read set-wise from the rollups (src/limits/queries.ts,
// periodUsageByUser), cached per process until the workspace's usage changes.
import type { Knex } from 'knex';
import { dayOf } from '../db/time';
import { rosterStamp, workspaceTableVersion } from '../reports/memo';
import { paceOf, projectAt, shareOf, stateOf, STATE_RANK, type LimitState, type Pace } from '../domain/limits';
import { pickLayers, periodBounds, resolvePicked, usedFor, type UsageBySubject } from './decide';
import { emptyUsage, METRICS, PERIODS, type EffectiveLimit, type Metric, type Period, type PeriodUsage } from './model';
import { limitSubjectsOf, periodUsageByUser, type UsageNeed } from './queries';
import { cachedLimits, context, ctxStampOf, subjectOf, type Context } from './service';

/** One limit against the use counted for it in the current period. */
export interface LimitUse {
  limit: EffectiveLimit;
  used: number;
  share: number;
  /** the use at the end of the period at the pace so far */
  projected: number;
  state: LimitState;
}

/** The pace of each period on one day; the last day asked is kept (a list asks thousands of times for the same). */
let paces: { today: string; pace: Record<Period, Pace> } | null = null;
function pacesOn(today: string): Record<Period, Pace> {
  if (paces?.today !== today) {
    const pace = {} as Record<Period, Pace>;
    for (const p of PERIODS) {
      const b = periodBounds(today, p);
      pace[p] = paceOf(today, b.start, b.end);
    }
    paces = { today, pace };
  }
  return paces.pace;
}

export function limitUse(limit: EffectiveLimit, used: number, today: string): LimitUse {
  const projected = projectAt(used, pacesOn(today)[limit.period]);
  return { limit, used, share: shareOf(used, limit.amount), projected, state: stateOf(used, limit.amount, projected) };
}

/** A user's standing: the state of their worst limit (ties: the most used), and the highest share of any. */
export interface Standing {
  /** the limit that decides the state */
  worst: LimitUse;
  state: LimitState;
  /** the highest share used of any of the limits (what User Management sorts by) */
  topShare: number;
}

export function standingOf(limits: EffectiveLimit[], usage: UsageBySubject, today: string): Standing | null {
  // the worst limit's use is made once; the others only compared (a list does this for every user)
  const pace = pacesOn(today);
  let worst = -1;
  let worstRank = 0;
  let worstShare = 0;
  let topShare = 0;
  for (let i = 0; i < limits.length; i++) {
    const l = limits[i];
    const used = usedFor(l, usage);
    const share = shareOf(used, l.amount);
    const rank = STATE_RANK[stateOf(used, l.amount, projectAt(used, pace[l.period]))];
    if (share > topShare) topShare = share;
    if (worst < 0 || rank < worstRank || (rank === worstRank && share > worstShare)) {
      worst = i;
      worstRank = rank;
      worstShare = share;
    }
  }
  if (worst < 0) return null;
  const w = limitUse(limits[worst], usedFor(limits[worst], usage), today);
  return { worst: w, state: w.state, topShare };
}

/** What a user row needs to be resolved: its id, e-mail, status and allocations. */
export interface LimitedUser {
  id: number;
  email: string;
  status: string;
  max_inference_tokens: number | string;
  max_embedding_tokens: number | string;
}

/**
 * A function that resolves the effective per-user limits (a shared group budget is the group's, not
 * the user's) of many users against one context and instant.
 */
export function perUserResolver(ctx: Context, now: Date): (user: Omit<LimitedUser, 'status'>) => EffectiveLimit[] {
  const layers = pickLayers(ctx.policies, now);
  const names = { workspace: ctx.workspace.name, groups: ctx.groupNames };
  return (user) => {
    const subject = subjectOf(
      { id: Number(user.id), email: user.email, name: '', status: 'active', max_inference_tokens: Number(user.max_inference_tokens), max_embedding_tokens: Number(user.max_embedding_tokens) },
      ctx.members.get(Number(user.id)) ?? [],
    );
    return resolvePicked(layers, subject, names, true);
  };
}

export interface UserStanding {
  limits: EffectiveLimit[];
  standing: Standing;
  /** the reporting day (workspace time zone) the periods are counted from */
  today: string;
}

/** The usage each (period, metric) needs, made once (not a string per limit of 20,000 users). */
const NEED = Object.fromEntries(PERIODS.map((p) => [p, Object.fromEntries(METRICS.map((m) => [m, `${p}:${m}` as UsageNeed]))])) as Record<Period, Record<Metric, UsageNeed>>;

/** Past this many users the usage is read for the whole workspace (cached) instead of by id. */
const BY_ID_MAX = 200;

/**
 * Every given user's per-user limits and standing at `now`; revoked users and users without a
 * per-user limit are left out. Usage is read once for all of them: by id for a page of users, for
 * the whole workspace (one grouped read per period, cached until new usage arrives) for more.
 */
export async function standings(db: Knex, ws: number, users: LimitedUser[], now: Date, known?: { interactions: number }): Promise<Map<number, UserStanding>> {
  const out = new Map<number, UserStanding>();
  const ctx = await context(db, ws);
  if (!ctx || !users.length) return out;
  const today = dayOf(now, ctx.workspace.timeZone);
  const resolve = perUserResolver(ctx, now);
  const limited: { id: number; limits: EffectiveLimit[] }[] = [];
  const needs = new Set<UsageNeed>();
  for (const u of users) {
    if (u.status === 'revoked') continue;
    const limits = resolve(u);
    if (!limits.length) continue;
    for (const l of limits) needs.add(NEED[l.period][l.metric]);
    limited.push({ id: Number(u.id), limits });
  }
  if (!limited.length) return out;
  const usage =
    limited.length > BY_ID_MAX
      ? await usageOf(db, ws, today, needs)
      : (known && heldUsage(db, ws, today, needs, known.interactions)) || (await usageOf(db, ws, today, needs, limited.map((u) => u.id)));
  const none = emptyUsage();
  const noGroups = new Map<number, PeriodUsage>();
  for (const u of limited) {
    const standing = standingOf(u.limits, { user: usage.get(u.id) ?? none, groups: noGroups }, today);
    if (standing) out.set(u.id, { limits: u.limits, standing, today });
  }
  return out;
}

/** Period usage by user: of the given ids (read each time), or of the whole workspace (cached by usage version). */
async function usageOf(db: Knex, ws: number, today: string, needs: Set<UsageNeed>, ids?: number[]): Promise<Map<number, PeriodUsage>> {
  if (ids) return periodUsageByUser(db, ws, today, needs, ids);
  const version = await workspaceTableVersion(db, 'interactions', ws);
  const key = `pu:${ws}:${today}:${[...needs].sort().join(',')}`;
  const usage = await cachedLimits(db, key, String(version), () => periodUsageByUser(db, ws, today, needs));
  let byWs = held.get(db);
  if (!byWs) held.set(db, (byWs = new Map()));
  byWs.set(ws, { version, today, needs, at: Date.now(), usage });
  return usage;
}

/** The last whole-workspace period usage read per workspace, for a page of users to use while it is current. */
const held = new WeakMap<Knex, Map<number, { version: number; today: string; needs: Set<UsageNeed>; at: number; usage: Map<number, PeriodUsage> }>>();

/**
 * The whole workspace's period usage when it was read for the same day and usage version (within
 * the cache's minute) and holds every need: a page of users then reads nothing (User Management's
 * limit status filter and sort read it just before the page's rows). Null otherwise.
 */
function heldUsage(db: Knex, ws: number, today: string, needs: Set<UsageNeed>, version: number): Map<number, PeriodUsage> | null {
  const h = held.get(db)?.get(ws);
  if (!h || h.version !== version || h.today !== today || Date.now() - h.at > 60_000) return null;
  for (const n of needs) if (!h.needs.has(n)) return null;
  return h.usage;
}

/** Where a user stands, in short: the state of the worst limit and the highest share of any. */
export interface StateAndUse {
  state: LimitState;
  use: number;
}

/**
 * Every non-revoked user of the workspace with a per-user limit, with their state and highest
 * share used: what User Management filters and sorts by. Computed for the whole roster at once
 * (the usage set-wise, see `standings`) and kept per process until the workspace's usage, its
 * roster (users.updated_at), its limits or groups, or the day change, or a minute passes (a
 * temporary limit that just expired may show for that minute).
 */
export async function workspaceStates(db: Knex, ws: number, now: Date, known?: { interactions: number; roster: string }): Promise<Map<number, StateAndUse>> {
  const ctx = await context(db, ws);
  if (!ctx) return new Map();
  const today = dayOf(now, ctx.workspace.timeZone);
  const [version, roster] = known ? [known.interactions, known.roster] : await Promise.all([workspaceTableVersion(db, 'interactions', ws), rosterStamp(db, ws)]);
  return cachedLimits(db, `states:${ws}:${today}`, `${version}|${roster}|${ctxStampOf(ctx)}`, async () => {
    const out = new Map<number, StateAndUse>();
    for (const [id, s] of await standings(db, ws, await limitSubjectsOf(db, ws), now)) out.set(id, { state: s.standing.state, use: s.standing.topShare });
    return out;
  });
}
