// The cost of an action before it runs, and whether it may run (POST /api/v1/credits/quote):
// the same prices, free Grid rows, permission, balance and PAYG cap the charge applies.
import type { Knex } from 'knex';
import type { CreditCategory } from '../domain/model';
import { HttpError } from '../http/errors';
import { costOf, priceItemFor, readPrices, type Prices } from './prices';
import { isCreditWorkspace, poolAt, readPoolReads, type CreditWorkspace, type PoolReads } from './pool';
import { dayMemo, monthOf, monthOfDay } from '../db/time';
import { versionedCache } from '../reports/memo';
import { formatNumber } from '../http/format';
import { findWorkspace } from '../workspaces/queries';

export interface QuoteRequest {
  /** the user's email */
  user: string;
  /** `agent` (agent id) prices an agent run by the agent's type */
  billable: { category: CreditCategory; units: number; agent?: string | null; agentType?: string | null };
}

export interface Quote {
  credits: number;
  allowed: boolean;
  reason: string;
  /** where the credits would come from (both 0 when refused or free) */
  fromPool?: number;
  fromPayg?: number;
}

/** The action to price: a category and units, agent runs by agent type (null = other agent). */
export interface QuoteAction {
  category: CreditCategory;
  units: number;
  agentType?: string | null;
}

export type QuoteUser = { id: number; email: string; status: string; may_spend_credits: number | boolean };

const fmt = formatNumber;
const credits = (n: number) => `${fmt(n)} credit${n === 1 ? '' : 's'}`;

export async function quoteCredits(db: Knex, workspaceId: number, req: QuoteRequest, now: Date = new Date()): Promise<Quote> {
  const ws = await findWorkspace(db, workspaceId);
  if (!ws) throw new HttpError(404, 'No such workspace.');
  const email = req.user.trim().toLowerCase();
  const user = await db('users').select('id', 'status', 'may_spend_credits').where({ workspace_id: workspaceId, email }).first();
  if (!user) throw new HttpError(404, `No user with email ${email} in this workspace.`, 'not_found', { field: 'user' });
  const { category, units } = req.billable;
  const agentType = (await agentTypeFor(db, ws, user, req.billable)) ?? null;
  return quoteAction(db, ws, { ...user, email }, { category, units, agentType }, now);
}

/**
 * The agent type an agent run is priced by: named directly (`agentType`), or the type of the agent
 * `agent` names (404 when the workspace has no such agent). Looked up only when it decides a price.
 */
export async function agentTypeFor(db: Knex, ws: CreditWorkspace, user: Pick<QuoteUser, 'status'>, billable: QuoteRequest['billable']): Promise<string | null | undefined> {
  if (billable.agentType || !billable.agent || billable.category !== 'agents' || !isCreditWorkspace(ws) || user.status === 'revoked') return billable.agentType;
  const agent = await db('agents').select('type').where({ workspace_id: ws.id, external_id: billable.agent }).first();
  if (!agent) throw new HttpError(404, `No agent with id ${billable.agent} in this workspace.`, 'not_found', { field: 'billable.agent' });
  return agent.type;
}

/** The user a quote is for (by e-mail, lower-case), or undefined. */
export async function quoteUser(db: Knex, workspaceId: number, email: string): Promise<QuoteUser | undefined> {
  return db('users').select('id', 'email', 'status', 'may_spend_credits').where({ workspace_id: workspaceId, email }).first();
}

/** What a quote reads besides the workspace and the user: the prices and the pool's reads. */
export interface QuoteReads {
  prices: Prices;
  pool: PoolReads;
}

async function readQuoteReads(db: Knex, ws: CreditWorkspace, now: Date): Promise<QuoteReads> {
  const [prices, pool] = await Promise.all([readPrices(db, ws.id), readPoolReads(db, ws, monthOf(now, ws.time_zone), now)]);
  return { prices, pool };
}

/** The answers that need nothing read: a workspace not billed in credits, a revoked user. */
function quoteWithoutReads(ws: CreditWorkspace, user: QuoteUser): Quote | null {
  if (!isCreditWorkspace(ws)) return { credits: 0, allowed: true, reason: 'This workspace is not billed in credits, so the action costs nothing.' };
  if (user.status === 'revoked') return { credits: 0, allowed: false, reason: `${user.email} has been revoked from this workspace and cannot run premium actions.` };
  return null;
}

/**
 * The quote itself, for a known workspace and user: the API (quoteCredits), the console's
 * estimator and the authorize call (quoteWithStamp) all end here, so they cannot disagree.
 */
export async function quoteAction(db: Knex, ws: CreditWorkspace, user: QuoteUser, action: QuoteAction, now: Date = new Date()): Promise<Quote> {
  return quoteWithoutReads(ws, user) ?? quoteFrom(ws, user, action, await readQuoteReads(db, ws, now), now);
}

/** The quote reads per process, by workspace and month, valid while the pool's stamp is unchanged. */
const kept = versionedCache(60_000, 1_000);

/**
 * quoteAction with its reads kept per process under the pool's stamp (`stamp`: CREDIT_STAMP_SQL,
 * read by the caller in a statement it makes anyway), so a repeated quote reads nothing. The
 * workspace's settings and the user come from the caller, as read by that statement.
 */
export async function quoteWithStamp(db: Knex, ws: CreditWorkspace, user: QuoteUser, action: QuoteAction, now: Date, stamp: string): Promise<Quote> {
  const early = quoteWithoutReads(ws, user);
  if (early) return early;
  let reads = await kept.get(db, `quote:${ws.id}:${monthOfDay(dayMemo(ws.time_zone)(now))}`, stamp, () => readQuoteReads(db, ws, now));
  // kept reads drop packs that expired before they were read: a quote for an earlier moment reads afresh
  if (reads.pool.readAt > now.getTime()) reads = await readQuoteReads(db, ws, now);
  return quoteFrom(ws, user, action, reads, now);
}

/** The quote from what it read (no database). */
function quoteFrom(ws: CreditWorkspace, user: QuoteUser, action: QuoteAction, reads: QuoteReads, now: Date): Quote {
  const email = user.email;
  const { category, units } = action;
  const agentType = action.agentType ?? null;
  const pool = poolAt(ws, reads.pool, now);
  let charged = units;
  let freeNote = '';
  if (category === 'grid') {
    const freeLeft = Math.max(0, Number(ws.grid_free_test_rows ?? 0) - pool.gridFreeRowsUsed);
    const free = Math.min(units, freeLeft);
    charged -= free;
    if (free > 0) freeNote = ` ${fmt(free)} of the rows fall within this month's free test rows.`;
  }
  const cost = costOf(reads.prices, priceItemFor(category, agentType), charged);

  if (cost === 0) return { credits: 0, allowed: true, reason: `This action is free.${freeNote}`.trim(), fromPool: 0, fromPayg: 0 };
  if (!user.may_spend_credits) {
    return {
      credits: cost,
      allowed: false,
      reason: `${email} may not spend credits in this workspace. Request credit access on your My usage page, or ask an admin to allow it.`,
    };
  }
  const headroom = pool.paygHeadroom ?? 0;
  if (cost <= pool.available) {
    return { credits: cost, allowed: true, reason: `Costs ${credits(cost)}; ${fmt(pool.available)} prepaid credits are available.${freeNote}`, fromPool: cost, fromPayg: 0 };
  }
  if (cost <= pool.available + headroom) {
    const fromPayg = cost - pool.available;
    return {
      credits: cost,
      allowed: true,
      reason: `Costs ${credits(cost)}: ${fmt(pool.available)} from the prepaid balance and ${fmt(fromPayg)} billed as pay-as-you-go overage.${freeNote}`,
      fromPool: pool.available,
      fromPayg,
    };
  }
  if (!pool.paygEnabled) {
    return {
      credits: cost,
      allowed: false,
      reason: `Not enough credits: this costs ${credits(cost)} but the workspace has ${fmt(pool.available)} left and pay-as-you-go is off. Ask an admin to add credits or turn on pay-as-you-go.`,
    };
  }
  if (headroom === 0) {
    return {
      credits: cost,
      allowed: false,
      reason: `This month's pay-as-you-go cap of ${credits(pool.paygCap ?? 0)} has been reached and the prepaid balance (${fmt(pool.available)}) cannot pay the ${credits(cost)} this costs. Ask an admin to add credits or raise the cap.`,
    };
  }
  return {
    credits: cost,
    allowed: false,
    reason: `Not enough credits: this costs ${credits(cost)} but only ${fmt(pool.available)} prepaid credits and ${fmt(headroom)} pay-as-you-go credits before this month's cap remain. Ask an admin to add credits or raise the cap.`,
  };
}
