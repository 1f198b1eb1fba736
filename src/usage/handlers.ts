// Handlers of the Usage page: the page (cards, lazy chart placeholders, a heatmap restored from the
// URL), one chart or the heatmap as an htmx partial, and the five audited CSV exports.
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import type { AppContext } from '../http/context';
import { HttpError, isHtmx } from '../http/errors';
import { workspaceOf } from '../http/locals';
import { renderPage, renderPageOrPartial } from '../http/render';
import { streamRows } from '../db/dialect';
import { dayOf } from '../db/time';
import { usageNow } from '../reports/clock';
import { csvFilename } from '../csv/stream';
import { auditedCsvDownload } from '../csv/download';
import type { ExportDefinition } from '../csv/definitions';
import type { Workspace } from '../workspaces/workspace';
import { resolveRange, type UsageRange } from './range';
import { buildCards } from './cards';
import { CHART_TITLES, buildChart, chartsFor, findChart, isShownFor } from './chart-registry';
import { heatmap, type HeatmapModel } from './heatmap';
import { hasHeatParams, heatParams } from './forms';
import { baseLocals, heatmapPageUrl } from './view-model';
import {
  agentMap,
  agentUseLookup,
  customAgentsQuery,
  generationLogQuery,
  groupMembersQuery,
  loginDaysQuery,
  rosterQuery,
  userActivityLookup,
  userMap,
} from './queries';
import { databaseFormatted } from '../csv/database-cells';
import { agentsLogExport, generationLogExport, groupMembersLogExport, userActivityLogExport, userLogExport, type Lookups } from './export-defs';

function exportRange(query: unknown, ws: Workspace): UsageRange {
  const r = resolveRange(query, ws.time_zone, usageNow(), { defaultFull: true });
  if (!r.ok) throw new HttpError(400, r.message, 'bad_request', r.errors);
  return r.range;
}

/**
 * The file name: workspace slug, export and the range it covers (or today for a snapshot). The two
 * logs that default to the 12-month window say which choice the file is: `-12-months-` (the whole
 * window, the default) or `-selected-range-` (only the range chosen on the page).
 */
function filename(w: Workspace, def: ExportDefinition, range?: UsageRange, choice?: WindowChoice): string {
  const id = choice ? `${def.id}-${choice}` : def.id;
  return csvFilename(w.slug, id, range ? `${range.from}_${range.to}` : dayOf(usageNow(), w.time_zone));
}

type WindowChoice = '12-months' | 'selected-range';

/** A log export without from/to covers the whole 12-month window; with them, only that range. */
function windowChoice(query: unknown): WindowChoice {
  const q = (query ?? {}) as Record<string, unknown>;
  return q.from || q.to ? 'selected-range' : '12-months';
}

async function lookups(db: Knex, ws: number): Promise<Lookups> {
  const [users, agents] = await Promise.all([userMap(db, ws), agentMap(db, ws)]);
  return { users, agents };
}

export function usageHandlers(ctx: AppContext) {
  const db = ctx.db;

  /**
   * Audits and streams one export of the workspace. `range`: the days the rows cover, if any; the
   * file is named after it unless `nameRange` is null (a snapshot counted over a window).
   */
  const download = <R>(
    req: Request,
    res: Response,
    w: Workspace,
    def: ExportDefinition<R>,
    rows: () => Knex.QueryBuilder,
    range?: UsageRange,
    nameRange: UsageRange | null = range ?? null,
    choice?: WindowChoice,
  ) => auditedCsvDownload(db, req, res, def, { workspaceId: w.id, filename: filename(w, def, nameRange ?? undefined, choice), range }, () => streamRows(db, rows()));

  return {
    async showUsage(req: Request, res: Response) {
      const ws = workspaceOf(res);
      const result = resolveRange(req.query, ws.time_zone, usageNow());
      if (!result.ok) {
        const raw = req.query as Record<string, unknown>;
        return renderPage(
          res,
          'pages/usage/index',
          { ...baseLocals(ws, result.fallback), errors: result.errors, values: { from: String(raw.from ?? ''), to: String(raw.to ?? '') }, cards: null, chartIds: [] },
          400,
        );
      }
      const r = result.range;
      // With heatmap state in the URL (a bookmark, Back, or a no-JavaScript sort/search/page), the
      // heatmap is rendered into the page instead of lazy-loaded, so the URL alone restores the view.
      let heatError: string | null = null;
      let heatPromise: Promise<HeatmapModel> | null = null;
      if (hasHeatParams(req.query)) {
        try {
          heatPromise = heatmap(db, ws.id, r, heatParams(req.query));
        } catch (err) {
          if (!(err instanceof HttpError)) throw err;
          heatError = `The heatmap view in the address could not be used: ${err.message}`;
        }
      }
      const [cards, heat] = await Promise.all([buildCards(db, ws.id, r), heatPromise]);
      renderPage(
        res,
        'pages/usage/index',
        { ...baseLocals(ws, r), errors: {}, values: { from: r.from, to: r.to }, cards, chartIds: chartsFor(ws), chartTitles: CHART_TITLES, heat, heatError, chartTitle: CHART_TITLES.heatmap },
        heatError ? 400 : 200,
      );
    },

    async showChart(req: Request, res: Response) {
      const ws = workspaceOf(res);
      const entry = findChart(String(req.params.chart));
      if (!entry) throw new HttpError(404, 'No such chart.');
      if (!isShownFor(entry, ws)) throw new HttpError(404, entry.onlyFor!.message);
      const result = resolveRange(req.query, ws.time_zone, usageNow());
      if (!result.ok) throw new HttpError(400, result.message, 'bad_request', result.errors);
      const r = result.range;
      const locals = { ...baseLocals(ws, r), chartTitle: entry.title };
      if (!entry.build) {
        const params = heatParams(req.query);
        const heat = await heatmap(db, ws.id, r, params);
        // A sort, search or page change (not the lazy first load, which carries no heatmap state)
        // puts the Usage page URL of the new state in the address bar: bookmarkable, and Back works.
        if (isHtmx(req) && !req.get('HX-History-Restore-Request') && hasHeatParams(req.query)) res.setHeader('HX-Push-Url', heatmapPageUrl(r, params));
        return renderPageOrPartial(req, res, 'pages/usage/chart', 'partials/usage/heatmap', { ...locals, heat, partial: 'heatmap' });
      }
      const chart = await buildChart(entry, db, ws.id, r);
      if (isHtmx(req)) res.setHeader('Cache-Control', 'no-store');
      renderPageOrPartial(req, res, 'pages/usage/chart', 'partials/usage/chart', { ...locals, chart, partial: 'chart' });
    },

    async downloadGenerationLog(req: Request, res: Response) {
      const w = workspaceOf(res);
      const r = exportRange(req.query, w);
      const l = await lookups(db, w.id);
      // the stored columns arrive as CSV text formatted by the database: the export's fast path
      const { def, select } = databaseFormatted(db, generationLogExport(l));
      await download(req, res, w, def, () => generationLogQuery(db, w.id, r.from, r.to, select), r, r, windowChoice(req.query));
    },

    async downloadUserActivityLog(req: Request, res: Response) {
      const w = workspaceOf(res);
      const r = exportRange(req.query, w);
      const l = await lookups(db, w.id);
      await download(req, res, w, userActivityLogExport(l), () => loginDaysQuery(db, w.id, r.from, r.to), r, r, windowChoice(req.query));
    },

    async downloadUserLog(req: Request, res: Response) {
      const w = workspaceOf(res);
      const activity = await userActivityLookup(db, w.id);
      await download(req, res, w, userLogExport(activity), () => rosterQuery(db, w.id));
    },

    async downloadAgentsLog(req: Request, res: Response) {
      const w = workspaceOf(res);
      const r = exportRange({}, w); // runs are counted over the whole window
      const l = await lookups(db, w.id);
      const uses = await agentUseLookup(db, w.id, r.from, r.to);
      await download(req, res, w, agentsLogExport(l, uses), () => customAgentsQuery(db, w.id), r, null);
    },

    async downloadGroupMembersLog(req: Request, res: Response) {
      const w = workspaceOf(res);
      await download(req, res, w, groupMembersLogExport(), () => groupMembersQuery(db, w.id));
    },
  };
}
