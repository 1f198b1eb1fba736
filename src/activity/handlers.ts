// Activity Logs handlers: one user's interactions (page with keyset pagination) and its CSV export.
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { HttpError, isHtmx } from '../http/errors';
import { renderPageOrPartial } from '../http/render';
import { idParam, fieldErrors } from '../http/validate';
import { recordAudit, actorFrom } from '../audit/audit';
import { streamRows } from '../db/dialect';
import { fromDbTime, localDateTime, monthOfDay, today } from '../db/time';
import { csvFilename, streamCsv } from '../exports/csv';
import { SURFACES, SURFACE_LABELS, TOKEN_KINDS, type Surface } from '../ingest/model';
import { ACTIVITY_LOG_EXPORT, type ActivityCsvRow } from './export-defs';
import { decodeCursor } from './keyset';
import { cursorField, dayField, emptyToUndefined, FROM_BEFORE_TO, fromBeforeTo, lenientParse } from './filters';
import { findUser, logPage, logQuery, logTotals, modelsInUse, monthUsage, totalsFromRollup, type LogFilters, type LogRow, type LogTotals } from './queries';
import { formatNumber } from '../http/format';

export const PAGE_SIZE = 50;
/** Characters of the prompt shown in the table before "show full". */
export const PROMPT_PREVIEW = 120;

const filterSchema = z
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

type ParsedFilters = z.infer<typeof filterSchema>;

const parseFilters = (query: unknown) => lenientParse(filterSchema, query);

function filtersOf(f: ParsedFilters): LogFilters {
  return { from: f.from, to: f.to, model: f.model, surface: f.surface, training: f.training, kind: f.kind };
}

function filterParams(f: LogFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, String(v));
  return p;
}

const fmt = formatNumber;

function truncate(s: string, n: number): { short: string; cut: boolean } {
  const chars = Array.from(s);
  return chars.length <= n ? { short: s, cut: false } : { short: chars.slice(0, n).join('').trimEnd() + '…', cut: true };
}

export function activityHandlers(ctx: AppContext) {
  const db = ctx.db;

  async function loadUser(req: Request) {
    const id = idParam(req.params.id);
    const user = await findUser(db, req.user!.workspace_id, id);
    if (!user) throw new HttpError(404, 'No such user in this workspace.');
    return user;
  }

  async function showLogs(req: Request, res: Response) {
    const user = await loadUser(req);
    const ws = req.user!.workspace_id;
    const zone: string = res.locals.workspace?.time_zone || 'America/Chicago';
    const { f, errors } = parseFilters(req.query);
    const filters = filtersOf(f);
    const nav = { before: decodeCursor(f.before), after: f.before ? null : decodeCursor(f.after) };
    const month = monthOfDay(today(zone));
    // Totals that no rollup answers (model, surface, training filters) aggregate every matching row of
    // the user; for heavy users that takes longer than the page, so they load in a second request.
    const deferTotals = !totalsFromRollup(filters) && f.totals !== '1';
    const [page, totals, usage, models] = await Promise.all([
      logPage(db, ws, user.id, filters, zone, PAGE_SIZE, nav),
      deferTotals ? Promise.resolve(null) : logTotals(db, ws, user.id, filters, zone),
      monthUsage(db, ws, user.id, month),
      modelsInUse(db, ws),
    ]);
    const base = `/admin/users/${user.id}/logs`;
    const fp = filterParams(filters);
    const withTotals = new URLSearchParams(fp);
    withTotals.set('totals', '1');
    const withCursor = (k: 'before' | 'after', c: string) => {
      const p = new URLSearchParams(fp);
      p.set(k, c);
      return `${base}?${p.toString()}`;
    };
    const rows = (page.rows as LogRow[]).map((r) => {
      const at = fromDbTime(r.occurred_at)!;
      const prompt = r.prompt_excerpt ?? '';
      return {
        ...r,
        local: localDateTime(at, zone),
        utc: `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
        iso: at.toISOString(),
        type: `${SURFACE_LABELS[r.surface as Surface] ?? r.surface} · ${r.token_kind}${r.output === 'image' ? ' · image' : ''}`,
        prompt: { full: prompt, ...truncate(prompt, PROMPT_PREVIEW) },
        promptRemoved: !!Number(r.prompt_removed ?? 0),
        training: !!Number(r.training),
      };
    });
    const fpString = fp.toString();
    if (isHtmx(req) && !req.get('HX-History-Restore-Request')) {
      const p = new URLSearchParams(fp);
      if (nav.before) p.set('before', f.before!);
      else if (nav.after) p.set('after', f.after!);
      res.set('HX-Push-Url', p.toString() ? `${base}?${p.toString()}` : base);
    }
    renderPageOrPartial(
      req,
      res,
      'pages/users/logs',
      'partials/users/logs-results',
      {
        title: `Activity Logs · ${user.name}`,
        subject: user,
        zone,
        month,
        usage,
        models,
        surfaces: SURFACES.map((s) => ({ value: s, label: SURFACE_LABELS[s] })),
        f: filters,
        errors,
        rows,
        totals,
        newerUrl: page.newer ? withCursor('after', page.newer) : null,
        olderUrl: page.older ? withCursor('before', page.older) : null,
        newestUrl: nav.before || nav.after ? (fpString ? `${base}?${fpString}` : base) : null,
        csvUrl: `${base}.csv${fpString ? `?${fpString}` : ''}`,
        totalsUrl: `${base}/totals${fpString ? `?${fpString}` : ''}`,
        totalsPageUrl: `${base}?${withTotals.toString()}`,
        fmt,
      },
      Object.keys(errors).length ? 400 : 200,
    );
  }

  /** htmx: the totals fragment of the filtered log; without JavaScript: the log page with totals inline. */
  async function showTotals(req: Request, res: Response) {
    const user = await loadUser(req);
    const zone: string = res.locals.workspace?.time_zone || 'America/Chicago';
    const { f } = parseFilters(req.query);
    const filters = filtersOf(f);
    if (!isHtmx(req)) {
      const p = filterParams(filters);
      p.set('totals', '1');
      return res.redirect(303, `/admin/users/${user.id}/logs?${p.toString()}`);
    }
    const totals: LogTotals = await logTotals(db, req.user!.workspace_id, user.id, filters, zone);
    res.render('partials/users/logs-totals', { totals, fmt });
  }

  async function downloadLogsCsv(req: Request, res: Response) {
    const user = await loadUser(req);
    const ws = req.user!.workspace_id;
    const zone: string = res.locals.workspace?.time_zone || 'America/Chicago';
    const r = filterSchema.safeParse(req.query);
    if (!r.success) throw new HttpError(400, r.error.issues.map((i) => i.message).join(' '), 'bad_request', fieldErrors(r.error));
    const filters = filtersOf(r.data);
    await recordAudit(db, {
      workspaceId: ws,
      actor: actorFrom(req),
      action: 'export.download',
      targetType: 'user',
      targetId: user.id,
      after: { export: ACTIVITY_LOG_EXPORT.id, user: user.email, filters },
    });
    const query = logQuery(db, ws, user.id, filters, zone).orderBy('occurred_at', 'desc').orderBy('id', 'desc');
    const source = streamRows(db, query);
    async function* withLocalTime(): AsyncGenerator<ActivityCsvRow> {
      for await (const row of source as AsyncIterable<LogRow>) {
        yield { ...row, user_email: user!.email, occurred_at_local: localDateTime(fromDbTime(row.occurred_at)!, zone) } as ActivityCsvRow;
      }
    }
    const slug = String(res.locals.workspace?.slug ?? 'workspace');
    const name = csvFilename(slug, `activity-log-${user.email.split('@')[0]}`, today(zone));
    const rows = withLocalTime();
    // Closing the download must also release the database cursor.
    (rows as unknown as { destroy?: () => void }).destroy = () => source.destroy();
    await streamCsv(req, res, ACTIVITY_LOG_EXPORT, name, rows);
  }

  return { showLogs, showTotals, downloadLogsCsv };
}
