// The cost of an action before it runs, and whether it may run (POST /api/v1/credits/quote):
// the same prices, free Grid rows, permission, balance and PAYG cap the charge applies.
import type { Knex } from 'knex';
import type { CreditCategory } from '../domain/model';
import { HttpError } from '../http/errors';
import { costOf, priceItemFor, readPrices } from './prices';
import { isCreditWorkspace, monthlyCounters, readPool, type CreditWorkspace } from './pool';
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

type QuoteUser = { id: number; email: string; status: string; may_spend_credits: number | boolean };

const fmt = formatNumber;
const credits = (n: number) => `${fmt(n)} credit${n === 1 ? '' : 's'}`;

export async function quoteCredits(db: Knex, workspaceId: number, req: QuoteRequest, now: Date = new Date()): Promise<Quote> {
  const ws = await findWorkspace(db, workspaceId);
  if (!ws) throw new HttpError(404, 'No such workspace.');
  const email = req.user.trim().toLowerCase();
  const user = await db('users').select('id', 'status', 'may_spend_credits').where({ workspace_id: workspaceId, email }).first();
  if (!user) throw new HttpError(404, `No user with email ${email} in this workspace.`, 'not_found', { field: 'user' });
  const { category, units } = req.billable;
  // an agent run is priced by its agent's type (named directly by the authorize call, or looked up)
  let agentType: string | null = req.billable.agentType ?? null;
  if (isCreditWorkspace(ws) && user.status !== 'revoked' && category === 'agents' && req.billable.agent && !agentType) {
    const agent = await db('agents').select('type').where({ workspace_id: workspaceId, external_id: req.billable.agent }).first();
    if (!agent) throw new HttpError(404, `No agent with id ${req.billable.agent} in this workspace.`, 'not_found', { field: 'billable.agent' });
    agentType = agent.type;
  }
  return quoteAction(db, ws, { ...user, email }, { category, units, agentType }, now);
}

/** The user a quote is for (by e-mail, lower-case), or undefined. */
export async function quoteUser(db: Knex, workspaceId: number, email: string): Promise<QuoteUser | undefined> {
  return db('users').select('id', 'email', 'status', 'may_spend_credits').where({ workspace_id: workspaceId, email }).first();
}

/**
 * The quote itself, for a known workspace and user: the API (quoteCredits) and the console's
 * estimator both end here, so they cannot disagree.
 */
export async function quoteAction(db: Knex, ws: CreditWorkspace, user: QuoteUser, action: QuoteAction, now: Date = new Date()): Promise<Quote> {
  const workspaceId = ws.id;
  const email = user.email;
  const { category, units } = action;
  const agentType = action.agentType ?? null;
  if (!isCreditWorkspace(ws)) return { credits: 0, allowed: true, reason: 'This workspace is not billed in credits, so the action costs nothing.' };
  if (user.status === 'revoked') return { credits: 0, allowed: false, reason: `${email} has been revoked from this workspace and cannot run premium actions.` };
  const prices = await readPrices(db, workspaceId);
  const pool = await readPool(db, ws, now);
  let charged = units;
  let freeNote = '';
  if (category === 'grid') {
    const counters = await monthlyCounters(db, workspaceId, pool.month);
    const freeLeft = Math.max(0, Number(ws.grid_free_test_rows ?? 0) - counters.grid_free_rows);
    const free = Math.min(units, freeLeft);
    charged -= free;
    if (free > 0) freeNote = ` ${fmt(free)} of the rows fall within this month's free test rows.`;
  }
  const cost = costOf(prices, priceItemFor(category, agentType), charged);

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
