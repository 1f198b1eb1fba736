// Activity Logs handlers: one user's interactions (page with keyset pagination) and its CSV export.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { HttpError, isHtmx } from '../http/errors';
import { renderPageOrPartial } from '../http/render';
import { idParam, fieldErrors } from '../http/validate';
import { streamRows } from '../db/dialect';
import { fromDbTime, localDateTimeLabel, monthOfDay, today } from '../db/time';
import { monthLabel } from '../http/format';
import { csvFilename } from '../csv/stream';
import { auditedCsvDownload } from '../csv/download';
import { SURFACES, SURFACE_LABELS } from '../domain/model';
import { ACTIVITY_LOG_EXPORT, type ActivityCsvRow } from './export-defs';
import { keysetLinks, keysetNav, pushListUrl } from '../http/keyset';
import { filterParams, filterSchema, filtersOf, parseFilters } from './forms';
import { logRowView } from './view-model';
import { findUser, logExportQuery, logPage, logTotals, modelsInUse, monthUsage, totalsFromRollup, type LogRow, type LogTotals } from './queries';
import { formatNumber } from '../http/format';

export const PAGE_SIZE = 50;

const fmt = formatNumber;

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
    const nav = keysetNav(f);
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
    const rows = (page.rows as LogRow[]).map((r) => logRowView(r));
    const fpString = fp.toString();
    const links = keysetLinks(base, fp, page, nav, f);
    pushListUrl(req, res, links.currentUrl);
    renderPageOrPartial(
      req,
      res,
      'pages/users/logs',
      'partials/users/logs-results',
      {
        title: `Activity Logs · ${user.name}`,
        subject: user,
        zone,
        month: monthLabel(month),
        usage,
        models,
        surfaces: SURFACES.map((s) => ({ value: s, label: SURFACE_LABELS[s] })),
        f: filters,
        errors,
        rows,
        totals,
        newerUrl: links.newerUrl,
        olderUrl: links.olderUrl,
        newestUrl: links.newestUrl,
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
    const slug = String(res.locals.workspace?.slug ?? 'workspace');
    const filename = csvFilename(slug, `activity-log-${user.email.split('@')[0]}`, today(zone));
    await auditedCsvDownload(db, req, res, ACTIVITY_LOG_EXPORT, { workspaceId: ws, filename, scope: { user: user.email, filters } }, () => {
      const source = streamRows(db, logExportQuery(db, ws, user.id, filters, zone));
      async function* withLocalTime(): AsyncGenerator<ActivityCsvRow> {
        for await (const row of source as AsyncIterable<LogRow>) {
          yield { ...row, user_email: user!.email, occurred_at_local: localDateTimeLabel(fromDbTime(row.occurred_at)!, zone) } as ActivityCsvRow;
        }
      }
      const rows = withLocalTime();
      // Closing the download must also release the database cursor.
      (rows as unknown as { destroy?: () => void }).destroy = () => source.destroy();
      return rows;
    });
  }

  return { showLogs, showTotals, downloadLogsCsv };
}
