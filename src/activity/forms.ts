// Inputs of Activity Logs: the filters (date range, model, surface, training, kind), the page
// cursors and the totals switch; lenient on the page (a bad field is reported and dropped).
import { z } from 'zod';
import { SURFACES, TOKEN_KINDS } from '../ingest/model';
import { cursorField, dayField, emptyToUndefined, FROM_BEFORE_TO, fromBeforeTo, lenientParse } from '../http/filters';
import type { LogFilters } from './queries';

export const filterSchema = z
  .object({
    from: dayField('From'),
    to: dayField('To'),
    model: z.preprocess(emptyToUndefined, z.string().trim().max(64, 'Model names are at most 64 characters.').optional()),
    surface: z.preprocess(emptyToUndefined, z.enum(SURFACES, { error: 'Choose a surface from the list.' }).optional()),
    training: z.preprocess(emptyToUndefined, z.enum(['yes', 'no'], { error: 'Training must be yes or no.' }).optional()),
    kind: z.preprocess(emptyToUndefined, z.enum(TOKEN_KINDS, { error: 'Kind must be inference or embedding.' }).optional()),
    before: cursorField(),
    after: cursorField(),
    // totals=1: compute expensive totals inline (the no-JavaScript way to see them); anything else is ignored.
    totals: z.literal('1').optional().catch(undefined),
  })
  .refine(fromBeforeTo, FROM_BEFORE_TO);

export type ParsedFilters = z.infer<typeof filterSchema>;

export const parseFilters = (query: unknown) => lenientParse(filterSchema, query);

export function filtersOf(f: ParsedFilters): LogFilters {
  return { from: f.from, to: f.to, model: f.model, surface: f.surface, training: f.training, kind: f.kind };
}

export function filterParams(f: LogFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, String(v));
  return p;
}
