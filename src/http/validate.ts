// zod helpers: field-keyed error messages for forms, and the API's error details.
import type { z } from 'zod';
import { HttpError } from './errors';

export type FieldErrors = Record<string, string>;

export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || '_form';
    if (!out[key]) out[key] = issue.message;
  }
  return out;
}

/** "field: message; other: message" */
export function describeErrors(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors; message: string };

export function parse<T extends z.ZodType>(schema: T, input: unknown): Parsed<z.infer<T>> {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, data: r.data };
  return { ok: false, errors: fieldErrors(r.error), message: describeErrors(r.error) };
}

/** Parses or throws a 400 (query strings of GET pages, where there is no form to re-render). */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, status = 400): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw new HttpError(status, describeErrors(r.error), status === 422 ? 'validation_failed' : 'bad_request', fieldErrors(r.error));
  return r.data;
}

/** Route parameter ids: a positive integer, else 404 (an id that cannot exist is simply not found). */
export function idParam(value: unknown): number {
  const s = String(value ?? '');
  if (!/^[1-9]\d{0,9}$/.test(s) || Number(s) > 2147483647) throw new HttpError(404, 'Not found');
  return Number(s);
}
