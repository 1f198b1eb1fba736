// POST /api/v1/authorize: may this user do this now? Resolves the user's limits (src/limits/decide.ts),
// prices credit actions with the quote engine (pool, pay-as-you-go cap, credit permission) and
// answers allow / allow_with_warning / deny with the reasons and every limit that applies.
// Read-only: usage counts when it is recorded (POST /api/v1/events), not when it is authorized.
import type { Knex } from 'knex';
import { z } from 'zod';
import { HttpError } from '../http/errors';
import type { CreditCategory } from '../domain/model';
import { agentTypeFor, quoteWithStamp } from '../credits/quote';
import type { CreditWorkspace } from '../credits/pool';
import { decide, type Decision, type LimitStatus, type Requested } from './decide';
import { authorizeInputs, limitsForUser, type AuthorizeInputs } from './service';
import type { AuthorizingUser } from './queries';

/** Priced actions: the billable categories, or a price item of the price table. */
export const CREDIT_ACTIONS = ['grid', 'api', 'agents', 'grid_row', 'api_call', 'agent_research', 'agent_optimization', 'agent_other'] as const;
const ACTION_TO_BILLABLE: Record<(typeof CREDIT_ACTIONS)[number], { category: CreditCategory; agentType?: string }> = {
  grid: { category: 'grid' },
  api: { category: 'api' },
  agents: { category: 'agents' },
  grid_row: { category: 'grid' },
  api_call: { category: 'api' },
  agent_research: { category: 'agents', agentType: 'research' },
  agent_optimization: { category: 'agents', agentType: 'optimization' },
  agent_other: { category: 'agents', agentType: 'other' },
};

const MAX = 1_000_000_000;
const count = (what: string) => z.number({ error: (i) => (i.input === undefined ? 'is required' : `must be ${what}`) }).int('must be a whole number').min(0, 'must be 0 or more').max(MAX, `must be at most ${MAX}`);

export const authorizeBodySchema = z
  .object({
    user: z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string (email or external id)') }).trim().min(1, 'is required').max(255, 'must be at most 255 characters'),
    tokens: z.object({ inference: count('a whole number of tokens').optional(), embedding: count('a whole number of tokens').optional() }, { error: 'must be an object {"inference", "embedding"}' }).optional(),
    credits: z
      .object(
        {
          action: z.enum(CREDIT_ACTIONS, { error: `must be one of ${CREDIT_ACTIONS.join(', ')}` }),
          quantity: z.number({ error: 'must be a number' }).min(0, 'must be 0 or more').max(1_000_000, 'must be at most 1000000').default(1),
          agent: z.string().trim().min(1).max(128).nullish(),
        },
        { error: 'must be an object {"action", "quantity"}' },
      )
      .optional(),
  })
  .refine((b) => b.tokens !== undefined || b.credits !== undefined, { message: 'name "tokens" and/or "credits": what the user is about to do', path: ['tokens'] });

export type AuthorizeBody = z.infer<typeof authorizeBodySchema>;

export interface AuthorizeAnswer {
  decision: Decision;
  reasons: string[];
  limits: LimitStatus[];
}

/** The decision for one request at `now` (the workspace's current day, week and month). */
export async function authorize(db: Knex, ws: number, body: AuthorizeBody, now: Date = new Date()): Promise<AuthorizeAnswer> {
  return decideAuthorize(db, ws, body, await authorizeInputs(db, ws, body.user), now);
}

/**
 * The decision from what authorizeInputs read: the user, the workspace's limits and its usage
 * version came in one statement; while the caches are valid nothing more is read.
 */
export async function decideAuthorize(db: Knex, ws: number, body: AuthorizeBody, inputs: AuthorizeInputs, now: Date = new Date()): Promise<AuthorizeAnswer> {
  const { read, user, pre } = inputs;
  if (!read.workspace) throw new Error(`workspace ${ws} not found`);
  if (!user) return { decision: 'deny', reasons: [`Unknown user: no user with email or id ${body.user} in this workspace.`], limits: [] };
  if (user.status === 'revoked') return { decision: 'deny', reasons: [`${user.email} has been revoked from this workspace.`], limits: [] };

  const requested: Requested = {};
  if (body.tokens?.inference !== undefined) requested.inference = body.tokens.inference;
  if (body.tokens?.embedding !== undefined) requested.embedding = body.tokens.embedding;
  const denials: string[] = [];
  const [mine, quote] = await Promise.all([
    limitsForUser(db, ws, user, now, pre),
    body.credits ? quoteFor(db, read.workspace, user, body.credits, now, read.creditStamp) : Promise.resolve(null),
  ]);
  if (quote) {
    requested.credits = quote.credits;
    if (!quote.allowed) denials.push(quote.reason);
  }
  const r = decide(mine.limits, mine.usage, requested, denials);
  return { decision: r.decision, reasons: r.reasons, limits: r.limits };
}

/** The quote engine's answer, its reads kept under the pool's stamp read with the user. */
async function quoteFor(db: Knex, ws: CreditWorkspace, user: AuthorizingUser, c: NonNullable<AuthorizeBody['credits']>, now: Date, stamp: string) {
  const b = ACTION_TO_BILLABLE[c.action];
  const billable = { category: b.category, units: c.quantity, agent: c.agent ?? null, agentType: b.agentType ?? null };
  try {
    const agentType = (await agentTypeFor(db, ws, user, billable)) ?? null;
    return await quoteWithStamp(db, ws, user, { category: b.category, units: c.quantity, agentType }, now, stamp);
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) throw new HttpError(422, `credits.agent: no agent with id ${c.agent} in this workspace`, 'validation_failed', { 'credits.agent': 'no such agent in this workspace' });
    throw err;
  }
}
