// zod schemas of the ingestion API v1 (docs/ingest.md). Messages name the field and say what
// is expected, e.g. "occurred_at: not an ISO 8601 timestamp with offset".
import { z } from 'zod';
import { CREDIT_CATEGORIES, IQ_LAYERS, OUTPUTS, ROLES, TOKEN_KINDS, USER_STATUSES, type InteractionInput, type LoginInput } from './model';

/** Items per call of POST /events and POST /logins. */
export const MAX_BATCH_ITEMS = 1000;
/** Longest accepted full prompt text (it is stored truncated). */
export const MAX_PROMPT_CHARS = 200_000;
export const MAX_TOKENS_PER_FIELD = 1_000_000_000;
export const MAX_GROUP_MEMBERS = 10_000;

type Iss = { input?: unknown };
/** "is required" when absent, else "must be <what>". */
const expected = (what: string) => ({ error: (iss: Iss) => (iss.input === undefined ? 'is required' : `must be ${what}`) });

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|([+-])(\d{2}):?(\d{2}))$/;

/** Parses an ISO 8601 date-time that carries a UTC offset; null when it is not one (or not a real date). */
export function parseIsoWithOffset(s: string): Date | null {
  const m = ISO_RE.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec = '0', frac = '0'] = m;
  const Y = +y, M = +mo, D = +d, H = +h, MI = +mi, S = +sec;
  if (M < 1 || M > 12 || D < 1 || H > 23 || MI > 59 || S > 59) return null;
  const dim = new Date(Date.UTC(Y, M, 0)).getUTCDate();
  if (D > dim) return null;
  let offsetMin = 0;
  if (m[9]) {
    const oh = +m[10], om = +m[11];
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Math.floor(Number(`0.${frac}`) * 1000);
  const t = Date.UTC(Y, M - 1, D, H, MI, S, ms) - offsetMin * 60_000;
  const out = new Date(t);
  return Number.isNaN(out.getTime()) ? null : out;
}

export const timestampSchema = z
  .string(expected('a string'))
  .transform((s, ctx) => {
    const d = parseIsoWithOffset(s);
    if (!d) {
      ctx.addIssue({ code: 'custom', message: 'not an ISO 8601 timestamp with offset (e.g. 2026-11-24T15:04:05Z)' });
      return z.NEVER;
    }
    return d;
  });

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const emailSchema = z
  .string(expected('an email address'))
  .trim()
  .toLowerCase()
  .max(255, 'must be at most 255 characters')
  .refine((s) => EMAIL_RE.test(s), 'not an email address');

const tokens = z
  .number(expected('a whole number'))
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(MAX_TOKENS_PER_FIELD, `must be at most ${MAX_TOKENS_PER_FIELD}`);

const ipSchema = z.union([z.ipv4(), z.ipv6()], { error: 'not an IPv4 or IPv6 address' });

const oneOf = (values: readonly string[]) => expected(`one of ${values.join(', ')}`);

export const billableSchema = z.object(
  {
    category: z.enum(CREDIT_CATEGORIES, oneOf(CREDIT_CATEGORIES)),
    units: z.number(expected('a number')).min(0, 'must be 0 or more').max(1_000_000, 'must be at most 1000000'),
  },
  expected('an object {"category", "units"}'),
);

/** External ids (client event ids, agent and group ids). */
const externalId = (max: number) =>
  z
    .string(expected('a string'))
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

export const eventSchema = z.object(
  {
    id: externalId(128).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
    user: emailSchema,
    occurred_at: timestampSchema,
    kind: z.enum(TOKEN_KINDS, oneOf(TOKEN_KINDS)),
    surface: z.string(expected('a string')).max(64, 'must be at most 64 characters').nullish(),
    output: z.enum(OUTPUTS, oneOf(OUTPUTS)).nullish(),
    agent: externalId(128).nullish(),
    iq_layers: z.array(z.enum(IQ_LAYERS, oneOf(IQ_LAYERS)), expected('an array of IQ layer names')).max(IQ_LAYERS.length * 2, 'has too many entries').nullish(),
    model: z.string(expected('a string')).trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
    prompt_tokens: tokens,
    completion_tokens: tokens,
    training: z.boolean(expected('true or false')).nullish(),
    ip: ipSchema.nullish(),
    prompt: z.string(expected('a string')).max(MAX_PROMPT_CHARS, `must be at most ${MAX_PROMPT_CHARS} characters`).nullish(),
    billable: billableSchema.nullish(),
  },
  expected('an object'),
);
export type ApiEvent = z.infer<typeof eventSchema>;

export function toInteraction(e: ApiEvent): InteractionInput {
  return {
    id: e.id,
    user: e.user,
    occurredAt: e.occurred_at,
    kind: e.kind,
    surface: e.surface ?? null,
    output: e.output ?? null,
    agent: e.agent ?? null,
    iqLayers: e.iq_layers ?? [],
    model: e.model,
    promptTokens: e.prompt_tokens,
    completionTokens: e.completion_tokens,
    training: e.training ?? false,
    ip: e.ip ?? null,
    prompt: e.prompt ?? null,
    billable: e.billable ?? null,
  };
}

export const loginSchema = z.object(
  {
    user: emailSchema,
    occurred_at: timestampSchema,
    ip: ipSchema.nullish(),
  },
  expected('an object'),
);
export type ApiLogin = z.infer<typeof loginSchema>;

export function toLogin(l: ApiLogin): LoginInput {
  return { user: l.user, occurredAt: l.occurred_at, ip: l.ip ?? null };
}

export const userBodySchema = z.object(
  {
    name: z.string(expected('a string')).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
    role: z.enum(ROLES, oneOf(ROLES)).optional(),
    department: z.string(expected('a string or null')).trim().max(100, 'must be at most 100 characters').nullable().optional(),
    status: z.enum(USER_STATUSES, oneOf(USER_STATUSES)).optional(),
    max_inference_tokens: z.number(expected('a whole number')).int('must be a whole number').min(0, 'must be 0 or more').max(1e15, 'must be at most 1e15').optional(),
    max_embedding_tokens: z.number(expected('a whole number')).int('must be a whole number').min(0, 'must be 0 or more').max(1e15, 'must be at most 1e15').optional(),
    may_spend_credits: z.boolean(expected('true or false')).optional(),
  },
  expected('a JSON object'),
);

export const AGENT_KINDS = ['public', 'custom'] as const;
export const AGENT_VISIBILITIES = ['private', 'shared', 'workspace'] as const;
export const RECORD_STATUSES = ['active', 'archived'] as const;

export const agentBodySchema = z.object(
  {
    name: z.string(expected('a string')).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    kind: z.enum(AGENT_KINDS, oneOf(AGENT_KINDS)),
    type: z.string(expected('a string')).trim().min(1, 'must not be empty').max(32, 'must be at most 32 characters').optional(),
    visibility: z.enum(AGENT_VISIBILITIES, oneOf(AGENT_VISIBILITIES)).optional(),
    creator: emailSchema.nullable().optional(),
    status: z.enum(RECORD_STATUSES, oneOf(RECORD_STATUSES)).optional(),
    created_at: timestampSchema.optional(),
  },
  expected('a JSON object'),
);

export const groupBodySchema = z.object(
  {
    name: z.string(expected('a string')).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    status: z.enum(RECORD_STATUSES, oneOf(RECORD_STATUSES)).optional(),
    knowledge_applied: z.boolean(expected('true or false')).optional(),
    brand_voice_applied: z.boolean(expected('true or false')).optional(),
    members: z.array(emailSchema, expected('an array of email addresses')).max(MAX_GROUP_MEMBERS, `must have at most ${MAX_GROUP_MEMBERS} members`).optional(),
  },
  expected('a JSON object'),
);

export const quoteBodySchema = z.object(
  {
    user: emailSchema,
    billable: z.object(
      {
        category: z.enum(CREDIT_CATEGORIES, oneOf(CREDIT_CATEGORIES)),
        units: z.number(expected('a number')).min(0, 'must be 0 or more').max(1_000_000, 'must be at most 1000000'),
        // The agent an agent run goes through: agent runs are priced by the agent's type.
        agent: externalId(128).nullish(),
      },
      expected('an object {"category", "units"}'),
    ),
  },
  expected('a JSON object'),
);

/** Path parameters. */
export const emailParamSchema = emailSchema;
export const externalIdParamSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1-128 characters: letters, digits, . _ : @ - (starting with a letter or digit)');

/** "field: message; other: message" for one item (the item itself is "event"/"login"). */
export function describeItemError(error: z.ZodError, itemName: string): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : itemName}: ${i.message}`)
    .join('; ');
}
