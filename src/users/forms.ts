// zod schemas for the User Management query string and forms, with the messages shown next to fields.
import { hasNoControlCharacters } from '../http/identifiers';
import { z } from 'zod';
import { SORT_KEYS, type UserListQuery } from './queries';
import { LIMIT_STATUS_FILTERS } from './limit-info';

/** Largest allocation accepted (tokens): a trillion, far above any real monthly plan. */
export const MAX_ALLOCATION = 1_000_000_000_000;

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);

export const listQuerySchema = z.object({
  q: optionalText(200),
  role: z.preprocess(emptyToUndefined, z.enum(['admin', 'member']).optional()),
  status: z.preprocess(emptyToUndefined, z.enum(['invited', 'active', 'revoked']).optional()),
  department: optionalText(100),
  credit: z.preprocess(emptyToUndefined, z.enum(['yes', 'no']).optional()),
  allocation: z.preprocess(emptyToUndefined, z.enum(['near', 'over']).optional()),
  limit_status: z.preprocess(emptyToUndefined, z.enum(LIMIT_STATUS_FILTERS).optional()),
  sort: z.preprocess(emptyToUndefined, z.enum(SORT_KEYS).default('name')),
  dir: z.preprocess(emptyToUndefined, z.enum(['asc', 'desc']).default('asc')),
  page: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(100_000).default(1)),
  per: z.preprocess(emptyToUndefined, z.coerce.number().int().pipe(z.union([z.literal(25), z.literal(50), z.literal(100)])).default(25)),
  notice: z.string().max(40).optional(),
  error: z.string().max(40).optional(),
});

/** Parses the list query leniently: an invalid parameter falls back to its default instead of failing the page. */
export function parseListQuery(input: Record<string, unknown>): UserListQuery & { notice?: string; error?: string } {
  const r = listQuerySchema.safeParse(input);
  if (r.success) return r.data;
  const clean: Record<string, unknown> = { ...input };
  for (const issue of r.error.issues) delete clean[String(issue.path[0])];
  const again = listQuerySchema.safeParse(clean);
  return again.success ? again.data : listQuerySchema.parse({});
}

/**
 * The limit status filter is checked strictly, unlike the list's other parameters: a value that is
 * not one of its choices answers 400 rather than quietly showing everyone.
 */
export const limitStatusSchema = z.object({
  limit_status: z.preprocess(emptyToUndefined, z.enum(LIMIT_STATUS_FILTERS, { error: `limit_status must be one of ${LIMIT_STATUS_FILTERS.join(', ')}` }).optional()),
});

/** Whole tokens >= 0 up to MAX_ALLOCATION; thousands separators (1,000 / 1 000 / 1_000) are accepted. */
export const tokenField = (label: string) =>
  z
    .string({ error: `Enter ${label} (a whole number, 0 or more).` })
    .trim()
    .min(1, `Enter ${label} (a whole number, 0 or more).`)
    .transform((s) => s.replace(/[,_ ]/g, ''))
    .refine((s) => /^\d+$/.test(s), `${label[0].toUpperCase()}${label.slice(1)} must be a whole number of 0 or more (no decimals, signs or letters).`)
    .transform((s) => Number(s))
    .refine((n) => n <= MAX_ALLOCATION, `${label[0].toUpperCase()}${label.slice(1)} can be at most ${MAX_ALLOCATION.toLocaleString('en-US')}.`);

const optionalTokenField = (label: string) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), tokenField(label).optional());

export const allocationSchema = z.object({
  max_inference_tokens: tokenField('the monthly inference allocation'),
  max_embedding_tokens: tokenField('the embedding allocation'),
});

const idList = z
  .preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().regex(/^[1-9]\d{0,9}$/, 'Invalid user selection.')))
  .transform((a) => a.map(Number))
  .refine((a) => a.length > 0, 'Select at least one user (tick the boxes next to their names).')
  .refine((a) => a.length <= 500, 'Select at most 500 users at a time.');

export const bulkAllocationSchema = z
  .object({
    ids: idList,
    max_inference_tokens: optionalTokenField('the monthly inference allocation'),
    max_embedding_tokens: optionalTokenField('the embedding allocation'),
  })
  .refine((v) => v.max_inference_tokens !== undefined || v.max_embedding_tokens !== undefined, {
    message: 'Enter at least one allocation to set (leave a field blank to keep each user’s current value).',
    path: ['max_inference_tokens'],
  });

export const roleSchema = z.object({
  role: z.enum(['admin', 'member'], { error: 'Choose a role: admin or member.' }),
  /** "1" once an admin has confirmed, a second time, removing their own admin role */
  confirm_self: z.preprocess(emptyToUndefined, z.enum(['1']).optional()),
});

export const creditSchema = z.object({ allowed: z.enum(['0', '1'], { error: 'Choose allow or disallow.' }).transform((v) => v === '1') });

export const inviteSchema = z.object({
  email: z.string({ error: 'Enter an email address.' }).trim().toLowerCase().min(1, 'Enter an email address.').max(255, 'Email is too long (255 characters at most).').refine(hasNoControlCharacters, 'Email must not contain control characters.').email('Enter a valid email address, like name@example.com.'),
  name: z.string({ error: 'Enter a name.' }).trim().min(1, 'Enter a name.').max(200, 'Name is too long (200 characters at most).').refine(hasNoControlCharacters, 'Name must not contain control characters.'),
  role: z.enum(['admin', 'member'], { error: 'Choose a role: admin or member.' }),
  department: z
    .string()
    .trim()
    .max(100, 'Department is too long (100 characters at most).')
    .optional()
    .transform((v) => (v ? v : null)),
  max_inference_tokens: tokenField('the monthly inference allocation'),
  max_embedding_tokens: tokenField('the embedding allocation'),
  may_spend_credits: z
    .string()
    .optional()
    .transform((v) => v === '1' || v === 'on'),
});

/** Where a no-JS form goes back to: a User Management URL only (never an open redirect). */
export function safeReturn(value: unknown): string {
  const s = typeof value === 'string' ? value : '';
  return /^\/admin\/users(\?[^\s]*)?$/.test(s) ? s : '/admin/users';
}
