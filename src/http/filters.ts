// Query-string pieces shared by the keyset-paged logs (Activity Logs, the Audit log): optional day
// and cursor fields, and a lenient parse that reports bad fields next to them and applies the rest.
import { z } from 'zod';
import { isValidDay } from '../db/time';
import { fieldErrors } from './validate';
import { isCursor } from './keyset';

export const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** An optional local day (YYYY-MM-DD). */
export const dayField = (label: string) => z.preprocess(emptyToUndefined, z.string().refine(isValidDay, `${label} must be a date like 2026-03-31.`).optional());

/** An optional `before=` / `after=` keyset cursor. */
export const cursorField = () => z.preprocess(emptyToUndefined, z.string().refine(isCursor, 'That page link is not valid; showing the newest entries.').optional());

/** The "From must be on or before To." rule (error on `to`). */
export function fromBeforeTo(v: { from?: string; to?: string }): boolean {
  return !v.from || !v.to || v.from <= v.to;
}
export const FROM_BEFORE_TO = { message: 'From must be on or before To.', path: ['to'] };

/** Lenient parse: invalid fields are reported (by field) and dropped, the rest still applies. */
export function lenientParse<T>(schema: z.ZodType<T>, query: unknown): { f: T; errors: Record<string, string> } {
  const r = schema.safeParse(query);
  if (r.success) return { f: r.data, errors: {} };
  const errors = fieldErrors(r.error);
  const clean: Record<string, unknown> = { ...(query as Record<string, unknown>) };
  for (const k of Object.keys(errors)) delete clean[k];
  if (errors.to?.startsWith('From must')) delete clean.from;
  const again = schema.safeParse(clean);
  return { f: again.success ? again.data : ({} as T), errors };
}
