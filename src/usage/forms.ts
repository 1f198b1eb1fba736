// Inputs of the Usage page beyond the date range (range.ts): the heatmap's search, sort, direction
// and page cursor, which also travel in the page URL so a view is bookmarkable.
import { z } from 'zod';
import { parseOrThrow } from '../http/validate';
import type { HeatmapParams } from './heatmap';

const heatmapSchema = z.object({
  q: z.string().trim().max(100, 'Search is at most 100 characters.').optional().default(''),
  sort: z
    .string()
    .regex(/^(name|total|\d{4}-\d{2})$/, 'Sort by name, total or a month (YYYY-MM).')
    .optional()
    .default('total'),
  dir: z.enum(['asc', 'desc'], { message: 'Direction is asc or desc.' }).optional(),
  after: z
    .string()
    .max(300)
    .regex(/^.*~\d+$/, 'The page cursor is not valid.')
    .optional()
    .or(z.literal(''))
    .default(''),
});

const HEAT_KEYS = ['q', 'sort', 'dir', 'after'] as const;

/** The heatmap's state travels in the Usage page URL too, so a sorted/searched/paged view is bookmarkable. */
export function hasHeatParams(query: unknown): boolean {
  const q = (query ?? {}) as Record<string, unknown>;
  return HEAT_KEYS.some((k) => q[k] !== undefined);
}

export function heatParams(query: unknown): HeatmapParams {
  const p = parseOrThrow(heatmapSchema, query);
  return { q: p.q, sort: p.sort, dir: p.dir ?? (p.sort === 'name' ? 'asc' : 'desc'), after: p.after };
}
