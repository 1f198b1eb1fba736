// Limits for one user, read fast: a per-process cache of the workspace's policies and group
// memberships (versioned by a stamp of those tables) and of each user's period usage (versioned by
// the workspace's interaction version, the check the reports use), so a repeated authorize call
// costs a few primary-key lookups. Usage comes from the per-user daily rollups.
import type { Knex } from 'knex';
import { dayMemo } from '../db/time';
import { versionedCache, workspaceTableVersion } from '../reports/memo';
import { resolveLimits, usageWindow, type UsageBySubject } from './decide';
import type { EffectiveLimit, PeriodUsage, Policy, Subject } from './model';
import { authorizeRead, contextStamp, findAuthorizingUserByExternalId, groupUsage, groupsAndMembers, listPolicies, userUsage, workspaceRow, type AskingUser, type AuthorizeRead, type AuthorizingUser } from './queries';

export interface Context {
  workspace: { id: number; name: string; timeZone: string };
  policies: Policy[];
  groupNames: Map<number, string>;
  /** user id -> groups carrying a limit */
  members: Map<number, number[]>;
  /** group id -> its members (groups carrying a limit) */
  membersOf: Map<number, number[]>;
}

/** Policies, memberships and usage per workspace: an entry lives a minute at most. */
const cache = versionedCache(60_000, 5_000);
const cached = <T>(db: Knex, key: string, version: string, compute: () => Promise<T>) => cache.get(db, key, version, compute);
/** The same cache for the other readers of limits (a workspace's period usage by user: src/limits/status.ts). */
export const cachedLimits = cached;

/** Forgets cached limits (tests). */
export function clearLimitsCache(db: Knex): void {
  cache.clear(db);
}

/** The workspace's limits context (`stamp`: its contextStamp, when the caller read it already). */
export async function context(db: Knex, ws: number, knownStamp?: string): Promise<Context | null> {
  const stamp = knownStamp ?? (await contextStamp(db, ws));
  return cached(db, `ctx:${ws}`, stamp, async () => {
    const w = await workspaceRow(db, ws);
    if (!w) return null;
    const policies = await listPolicies(db, ws);
    const limited = [...new Set(policies.filter((p) => p.scope === 'group' && p.groupId != null).map((p) => p.groupId!))];
    const { names, members } = await groupsAndMembers(db, ws, limited);
    const membersOf = new Map<number, number[]>();
    for (const [user, groups] of members) for (const g of groups) (membersOf.get(g) ?? membersOf.set(g, []).get(g)!).push(user);
    return { workspace: { id: w.id, name: w.name, timeZone: w.time_zone }, policies, groupNames: names, members, membersOf };
  });
}

export function subjectOf(user: AskingUser, groupIds: number[]): Subject {
  return { id: user.id, email: user.email, groupIds, allocation: { inference: user.max_inference_tokens, embedding: user.max_embedding_tokens } };
}

/** The per-workspace inputs of a decision, fetched at once (in parallel with the user lookup). */
export interface Preloaded {
  ctx: Context | null;
  version: string;
}

/** What an authorize call has read before it decides (authorizeInputs). */
export interface AuthorizeInputs {
  read: AuthorizeRead;
  user: AuthorizingUser | null;
  pre: Preloaded;
}

/**
 * The user asking and the per-workspace inputs of a decision, from one statement when the context
 * and the usage cache are valid (authorizeRead); an external id costs one more lookup. `key`: a key
 * to confirm in that statement; when it is no longer active nothing else is read (read.keyActive).
 */
export async function authorizeInputs(db: Knex, ws: number, ident: string, key?: { sql: string; bindings: Knex.Value[] }): Promise<AuthorizeInputs> {
  const read = await authorizeRead(db, ws, ident, key);
  if (read.keyActive === false) return { read, user: null, pre: { ctx: null, version: '' } };
  const [user, ctx, version] = await Promise.all([
    // not one of the workspace's emails (the one statement looked): the identity provider's id
    read.user ?? findAuthorizingUserByExternalId(db, ws, ident),
    context(db, ws, read.stamp),
    workspaceTableVersion(db, 'interactions', ws, read.interactionsTop),
  ]);
  return { read, user, pre: { ctx, version: String(version) } };
}

export interface UserLimits {
  today: string;
  timeZone: string;
  limits: EffectiveLimit[];
  usage: UsageBySubject;
}

/** Every limit that applies to `user` at `now`, with the usage each counts against. */
export async function limitsForUser(db: Knex, ws: number, user: AskingUser, now: Date = new Date(), preloaded?: Preloaded): Promise<UserLimits> {
  const ctx = preloaded ? preloaded.ctx : await context(db, ws);
  if (!ctx) throw new Error(`workspace ${ws} not found`);
  const today = dayMemo(ctx.workspace.timeZone)(now);
  const groupIds = ctx.members.get(user.id) ?? [];
  const limits = resolveLimits(ctx.policies, subjectOf(user, groupIds), { workspace: ctx.workspace.name, groups: ctx.groupNames }, now);
  const usage: UsageBySubject = { user: { day: { inference: 0, embedding: 0, credits: 0 }, week: { inference: 0, embedding: 0, credits: 0 }, month: { inference: 0, embedding: 0, credits: 0 } }, groups: new Map() };
  if (limits.length === 0) return { today, timeZone: ctx.workspace.timeZone, limits, usage };
  const version = preloaded ? preloaded.version : String(await workspaceTableVersion(db, 'interactions', ws));
  const { from, to } = usageWindow(today);
  const needsGroups = [...new Set(limits.flatMap((l) => (l.counts.kind === 'group' ? [l.counts.groupId] : [])))];
  const [own, ...groups] = await Promise.all([
    cached<PeriodUsage>(db, `u:${ws}:${user.id}:${today}`, version, () => userUsage(db, ws, user.id, today, from, to)),
    // a group's total also changes when its membership does
    ...needsGroups.map((g) => cached<PeriodUsage>(db, `g:${ws}:${g}:${today}`, `${version}:${ctxStampOf(ctx)}`, () => groupUsage(db, ws, ctx.membersOf.get(g) ?? [], today, from, to))),
  ]);
  usage.user = own;
  needsGroups.forEach((g, i) => usage.groups.set(g, groups[i]));
  return { today, timeZone: ctx.workspace.timeZone, limits, usage };
}

const ctxIds = new WeakMap<Context, number>();
let ctxSeq = 0;
/** A token that changes whenever the context was rebuilt (policies or memberships changed). */
export function ctxStampOf(ctx: Context): number {
  let id = ctxIds.get(ctx);
  if (id === undefined) ctxIds.set(ctx, (id = ++ctxSeq));
  return id;
}

