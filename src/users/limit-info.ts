// What User Management shows, filters and sorts about each user's limits: the effective limit and
// its status badge on each row, the `limit_status` filter and the `limit_use` sort. The answers come
// from src/limits (the layers and the definitions of over, near and on track to exceed), which
// hands an implementation over when the app is built (src/app.ts): src/users cannot import it, as
// src/limits already uses src/users (through src/credits).
import type { Knex } from 'knex';
import { NEAR_PERCENT, type LimitState } from '../domain/limits';

/** The `limit_status` filter: a state, or `any_limit` (everyone with a per-user limit). */
export const LIMIT_STATUS_FILTERS = ['over', 'near', 'on_track', 'within', 'any_limit'] as const;
export type LimitStatusFilter = (typeof LIMIT_STATUS_FILTERS)[number];

/** The state each filter value keeps (null: any state). */
export const FILTER_STATE: Record<LimitStatusFilter, LimitState | null> = { over: 'over', near: 'near', on_track: 'on_track_to_exceed', within: 'within', any_limit: null };

export const LIMIT_STATUS_LABELS: Record<LimitStatusFilter, string> = {
  over: 'Over limit',
  near: `Near limit (≥ ${NEAR_PERCENT}%)`,
  on_track: 'On track to exceed',
  within: 'Within limits',
  any_limit: 'Has a limit',
};

/** The User Management list of the users in a state (null: everyone with a limit), e.g. for Limit status to link to. */
export function limitStatusUrl(state: LimitState | null): string {
  const f = (Object.keys(FILTER_STATE) as LimitStatusFilter[]).find((k) => FILTER_STATE[k] === state) ?? 'any_limit';
  return `/admin/users?limit_status=${f}`;
}

/** The user columns limits are resolved from. */
export interface LimitSubject {
  id: number;
  email: string;
  status: string;
  max_inference_tokens: number;
  max_embedding_tokens: number;
}

export interface UserLimitInfo {
  /** the effective limit, e.g. "group Engineering, 500k inference tokens/month, hard (+1 more)" */
  label: string;
  state: LimitState;
  /** "Over", "Near", "On track to exceed"; null within the limits */
  badge: string | null;
  /** what the badge is about, e.g. "8,500 of 10,000 inference tokens this week (85 %); group Support, 10k inference tokens/week, soft" (hover and screen readers) */
  detail: string;
  /** the highest share used of any of the user's per-user limits in its current period */
  use: number;
}

export interface UserLimitSource {
  /**
   * The limits of each given user (a page of rows) at `now`; users without a per-user limit, and
   * revoked users, are absent. `known`: the workspace's interaction version, when the caller read it
   * for this view (the usage the workspace-wide states were made from is then used again).
   */
  of(db: Knex, workspaceId: number, users: LimitSubject[], now: Date, known?: { interactions: number }): Promise<Map<number, UserLimitInfo>>;
  /**
   * The state and use of every user of the workspace with a per-user limit (revoked users aside):
   * what the filter and the sort read. The map is shared: read it, never change it. `known`: the
   * workspace's interaction version and roster stamp, when the caller read them for this view.
   */
  states(db: Knex, workspaceId: number, now: Date, known?: { interactions: number; roster: string }): Promise<ReadonlyMap<number, Pick<UserLimitInfo, 'state' | 'use'>>>;
}

/** No limits at all (a router built without src/limits). */
export const NO_LIMITS: UserLimitSource = { of: async () => new Map(), states: async () => new Map() };
