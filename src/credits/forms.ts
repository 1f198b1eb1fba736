// zod schemas of the Credits forms and query strings (messages are shown next to the field).
import { z } from 'zod';
import { isValidDay } from '../db/time';
import { PRICE_ITEMS } from './prices';
import { LEDGER_FILTERS } from './reports';

const MAX_CREDITS = 1_000_000_000;

function wholeNumber(what: string, min: number, max: number) {
  return z
    .string({ error: `Enter ${what}.` })
    .trim()
    .regex(/^\d{1,13}$/, `Enter ${what} as a whole number (digits only).`)
    .transform(Number)
    .refine((n) => n >= min, `${what[0].toUpperCase()}${what.slice(1)} must be at least ${min.toLocaleString('en-US')}.`)
    .refine((n) => n <= max, `${what[0].toUpperCase()}${what.slice(1)} must be at most ${max.toLocaleString('en-US')}.`);
}

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Keep it under ${max} characters.`)
    .optional()
    .transform((s) => (s ? s : null));

const day = z.string().trim().refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && isValidDay(s), 'Enter a date as YYYY-MM-DD.');

export const addCreditsSchema = z.object({
  kind: z.enum(['purchase', 'grant'], { error: 'Choose purchase or grant.' }),
  amount: wholeNumber('the number of credits', 1, MAX_CREDITS),
  expires_on: z
    .string()
    .trim()
    .optional()
    .transform((s) => s || null)
    .refine((s) => s === null || (/^\d{4}-\d{2}-\d{2}$/.test(s) && isValidDay(s)), 'Enter the expiry as YYYY-MM-DD, or leave it empty for credits that do not expire.'),
  price: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s ? s.replace(/[$,\s]/g, '') : null))
    .refine((s) => s === null || /^\d{1,10}(\.\d{1,2})?$/.test(s), 'Enter the price in dollars, e.g. 1200 or 1200.50, or leave it empty.')
    .transform((s) => (s === null ? null : Math.round(Number(s) * 100))),
  note: optionalText(500),
});

export const removeCreditsSchema = z.object({
  amount: wholeNumber('the number of credits to remove', 1, MAX_CREDITS),
  note: z.string({ error: 'Say why the credits are removed.' }).trim().min(1, 'Say why the credits are removed.').max(500, 'Keep it under 500 characters.'),
});

export const settingsSchema = z.object({
  payg_enabled: z
    .string()
    .optional()
    .transform((s) => s === '1' || s === 'on' || s === 'true'),
  payg_cap: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s ? s.replace(/[,\s]/g, '') : null))
    .refine((s) => s === null || /^\d{1,13}$/.test(s), 'Enter the monthly cap as a whole number of credits, or leave it empty for no cap.')
    .transform((s) => (s === null ? null : Number(s)))
    .refine((n) => n === null || n <= MAX_CREDITS, `The cap must be at most ${MAX_CREDITS.toLocaleString('en-US')} credits.`),
  included_credits_per_period: wholeNumber('the included credits per month', 0, MAX_CREDITS),
});

export const pricesSchema = z.object({
  ...Object.fromEntries(PRICE_ITEMS.map((i) => [i, wholeNumber('a price in credits', 0, 1_000_000)])),
  grid_free_test_rows: wholeNumber('the number of free test rows', 0, 10_000_000),
}) as unknown as z.ZodType<Record<(typeof PRICE_ITEMS)[number] | 'grid_free_test_rows', number>>;

export const accessSchema = z.object({
  allowed: z.enum(['true', 'false'], { error: 'Choose allow or disallow.' }).transform((s) => s === 'true'),
});

export const rangeSchema = z
  .object({
    from: day.optional(),
    to: day.optional(),
  })
  .refine((r) => !r.from || !r.to || r.from <= r.to, { message: 'The start date must be on or before the end date.', path: ['from'] });

export const peopleQuerySchema = z.object({
  access: z.enum(['all', 'allowed', 'blocked']).catch('all').default('all'),
  q: z.string().trim().max(200, 'Keep the search under 200 characters.').optional().default(''),
  // An unreadable or over-long cursor shows the first page (a cursor is opaque: nobody types one).
  after: z.string().max(400).optional().catch(undefined),
});

export const ledgerQuerySchema = z.object({
  type: z.enum(Object.keys(LEDGER_FILTERS) as [keyof typeof LEDGER_FILTERS, ...(keyof typeof LEDGER_FILTERS)[]]).catch('all').default('all'),
  before: z.string().max(400).optional().catch(undefined),
});

export const requestSchema = z.object({
  note: optionalText(500),
});

/** The cost estimator: an action, how many, and whose permission (default: the admin asking). */
export const ESTIMATE_ACTIONS = {
  grid: { label: 'Grid output rows', unit: 'rows', category: 'grid', agentType: null },
  api: { label: 'API / MCP calls', unit: 'calls', category: 'api', agentType: null },
  agent_research: { label: 'Research agent runs', unit: 'runs', category: 'agents', agentType: 'research' },
  agent_optimization: { label: 'Optimization agent runs', unit: 'runs', category: 'agents', agentType: 'optimization' },
  agent_other: { label: 'Other agent runs', unit: 'runs', category: 'agents', agentType: null },
} as const;
export type EstimateAction = keyof typeof ESTIMATE_ACTIONS;

export const estimateSchema = z.object({
  action: z.enum(Object.keys(ESTIMATE_ACTIONS) as [EstimateAction, ...EstimateAction[]], { error: 'Choose an action.' }),
  quantity: wholeNumber('a quantity', 1, 10_000_000),
  user: z
    .string()
    .trim()
    .max(254, 'Keep the e-mail under 254 characters.')
    .optional()
    .transform((s) => (s ? s.toLowerCase() : null)),
});

/** Page numbers of the paged tables (by user, packs): 1 when absent or unreadable. */
export const pageNumber = z.coerce.number().int().min(1).max(100_000).catch(1);
