// GET /api/v1/usage (read scope): usage from the rollups, grouped, bucketed in the workspace time
// zone, filtered, keyset-paged; JSON, NDJSON or CSV. Parsing and output here; SQL in usage-queries.ts.
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { HttpError } from '../http/errors';
import { describeErrors, fieldErrors } from '../http/validate';
import { addDays, daysBetween, isValidDay, today } from '../db/time';
import { usageNow } from '../reports/clock';
import { windowStartFor } from '../usage/range';
import { apiLocals } from './auth';
import { BUCKETS, DIMENSIONS, METRICS, pickSource, supportedCombinations, type Dimension } from './usage-spec';
import { cachedUsagePage, type Filters } from './usage-queries';
import { chooseFormat, decodeCursor, encodeCursor, fingerprintOf, FORMATS, sendPage, type OutputColumn } from './output';

export const USAGE_DEFAULT_LIMIT = 1000;
export const USAGE_MAX_LIMIT = 10000;
/** Longest range one request may cover (ten years of days). */
export const USAGE_MAX_DAYS = 3660;

/** A query value as Express parses it: one string, or several when the parameter repeats. */
const listParam = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) =>
    v === undefined
      ? undefined
      : (Array.isArray(v) ? v : [v])
          .flatMap((s) => s.split(','))
          .map((s) => s.trim())
          .filter(Boolean),
  );

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use the format YYYY-MM-DD').refine(isValidDay, 'not a calendar date');

export const usageQuerySchema = z
  .object({
    metric: z.enum(METRICS, { message: `one of ${METRICS.join(', ')}` }).default('tokens'),
    group_by: listParam,
    bucket: z.enum(BUCKETS, { message: `one of ${BUCKETS.join(', ')}` }).default('none'),
    from: day.optional(),
    to: day.optional(),
    cursor: z.string().max(2000).optional(),
    limit: z.coerce.number().int().min(1).max(USAGE_MAX_LIMIT).default(USAGE_DEFAULT_LIMIT),
    format: z.enum(FORMATS, { message: `one of ${FORMATS.join(', ')}` }).optional(),
    ...Object.fromEntries(DIMENSIONS.map((d) => [d, listParam])),
  })
  .strict()
  .superRefine((q, ctx) => {
    for (const d of q.group_by ?? []) {
      if (!(DIMENSIONS as readonly string[]).includes(d)) ctx.addIssue({ code: 'custom', path: ['group_by'], message: `unknown dimension "${d}" (use ${DIMENSIONS.join(', ')})` });
    }
    if (q.group_by && new Set(q.group_by).size !== q.group_by.length) ctx.addIssue({ code: 'custom', path: ['group_by'], message: 'a dimension is named twice' });
    if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be on or after from' });
  });

const DIMENSION_DOCS: Record<Dimension, string> = {
  user: 'Email of the user.',
  group: 'Platform id of a group the user belongs to now (empty: in no group).',
  department: 'Department of the user now (empty: none).',
  model: 'Model that served the interactions.',
  surface: 'Surface (chat, agent, ask, command, extension, api, toolbar, grid, other).',
  agent: 'Platform id of the agent.',
  token_kind: 'inference or embedding.',
};

export function usageHandlers(ctx: AppContext) {
  async function getUsage(req: Request, res: Response) {
    const parsed = usageQuerySchema.safeParse(req.query);
    if (!parsed.success) throw new HttpError(400, describeErrors(parsed.error), 'bad_request', fieldErrors(parsed.error));
    const p = parsed.data as z.infer<typeof usageQuerySchema> & Partial<Record<Dimension, string[]>>;
    const { workspace } = apiLocals(res);
    const format = chooseFormat(req, p.format);
    const groupBy = (p.group_by ?? []) as Dimension[];
    const filters: Filters = {};
    for (const d of DIMENSIONS) if (p[d]?.length) filters[d] = p[d];

    // Data through yesterday by default, over the rolling 12 months (the Usage page's window).
    const yesterday = addDays(today(workspace.time_zone, usageNow()), -1);
    const to = p.to ?? (p.from && p.from > yesterday ? p.from : yesterday);
    const from = p.from ?? windowStartFor(to);
    if (from > to) throw new HttpError(400, 'to: must be on or after from', 'bad_request', { to: 'must be on or after from' });
    if (daysBetween(from, to) + 1 > USAGE_MAX_DAYS) throw new HttpError(400, `The range covers more than ${USAGE_MAX_DAYS} days; ask for a shorter one.`, 'bad_request');

    const used = [...new Set([...groupBy, ...(Object.keys(filters) as Dimension[])])];
    const source = pickSource(p.metric, used);
    if (!source) {
      const combos = supportedCombinations(p.metric)
        .map((c) => (c.length ? `{${c.join(', ')}}` : '{} (totals only)'))
        .join(', ');
      throw new HttpError(
        400,
        `Unsupported combination: metric=${p.metric} grouped or filtered by ${used.join(' + ')} is not kept in any rollup. ` +
          `For ${p.metric}, group and filter within one of: ${combos}.`,
        'unsupported_combination',
        { metric: p.metric, dimensions: used, supported: supportedCombinations(p.metric) },
      );
    }

    const fingerprint = fingerprintOf([workspace.id, p.metric, groupBy, p.bucket, from, to, filters]);
    const after = decodeCursor(p.cursor, fingerprint) as (string | null)[] | null;
    const page = await cachedUsagePage(ctx.db, { workspaceId: workspace.id, metric: p.metric, groupBy, bucket: p.bucket, from, to, filters, after, limit: p.limit }, source);
    const columns: OutputColumn[] = [
      ...(p.bucket === 'none' ? [] : [{ key: 'bucket', type: 'date' as const, description: 'First day of the bucket.' }]),
      ...groupBy.map((d) => ({ key: d, type: 'string' as const, description: DIMENSION_DOCS[d] })),
      { key: 'value', type: 'integer', description: `The ${p.metric} of the row.` },
    ];
    await sendPage(req, res, format, {
      columns,
      rows: page.rows,
      nextCursor: page.nextKey ? encodeCursor(page.nextKey, fingerprint) : null,
      filename: `${workspace.slug}-usage-${p.metric}-${from}-${to}.csv`.replace(/[^A-Za-z0-9._-]/g, '_'),
    });
  }

  return { getUsage };
}
