// Routes of the Usage page: the page, its lazy chart partials and its five exports.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext, WorkspaceInfo } from '../http/context';
import { requireAdmin } from '../http/guards';
import { HttpError, isHtmx } from '../http/errors';
import { renderPage, renderPageOrPartial } from '../http/render';
import { parseOrThrow } from '../http/validate';
import { HOURS_SAVED_MINUTES, usageNow } from './definitions';
import { presetsFor, rangeQuery, resolveRange, type UsageRange } from './range';
import * as vm from './view-model';
import { usageExports } from './exports';
import { USAGE_EXPORTS } from './export-defs';
import { SURFACES, SURFACE_LABELS } from '../domain/model';

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
function hasHeatParams(query: unknown): boolean {
  const q = (query ?? {}) as Record<string, unknown>;
  return HEAT_KEYS.some((k) => q[k] !== undefined);
}

function heatParams(query: unknown): vm.HeatmapParams {
  const p = parseOrThrow(heatmapSchema, query);
  return { q: p.q, sort: p.sort, dir: p.dir ?? (p.sort === 'name' ? 'asc' : 'desc'), after: p.after };
}

/** The Usage page URL that shows this heatmap state (pushed into history by htmx). */
export function heatmapPageUrl(r: UsageRange, p: vm.HeatmapParams): string {
  return `/admin/usage?${rangeQuery(r, { q: p.q, sort: p.sort, dir: p.dir, after: p.after })}`;
}

/** The charts of the page in display order: the half-width charts pair up, the wide heatmap table comes last. */
function chartsFor(ws: WorkspaceInfo): vm.ChartId[] {
  const ids = vm.CHART_IDS.filter((id) => id !== 'credits' || ws.billing_mode === 'credits');
  return [...ids.filter((id) => id !== 'heatmap'), 'heatmap'];
}

function baseLocals(ws: WorkspaceInfo, r: UsageRange) {
  return {
    title: 'Usage',
    charts: true,
    range: r,
    presets: presetsFor(r.today, r.lastDay, r.windowStart),
    rangeQuery,
    timeZone: ws.time_zone,
    dayLabel: vm.dayLabel,
    minutesTable: SURFACES.map((s) => ({ label: SURFACE_LABELS[s], minutes: HOURS_SAVED_MINUTES[s] })),
    exports: USAGE_EXPORTS,
  };
}

export function usageRouter(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.db;
  const wsOf = (res: Response) => res.locals.workspace as WorkspaceInfo;

  async function showUsage(req: Request, res: Response) {
    const ws = wsOf(res);
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
    let heat: vm.HeatmapModel | null = null;
    let heatError: string | null = null;
    let heatPromise: Promise<vm.HeatmapModel> | null = null;
    if (hasHeatParams(req.query)) {
      try {
        heatPromise = vm.heatmap(db, ws.id, r, heatParams(req.query));
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        heatError = `The heatmap view in the address could not be used: ${err.message}`;
      }
    }
    const [cards, h] = await Promise.all([vm.buildCards(db, ws.id, r), heatPromise]);
    heat = h;
    renderPage(
      res,
      'pages/usage/index',
      { ...baseLocals(ws, r), errors: {}, values: { from: r.from, to: r.to }, cards, chartIds: chartsFor(ws), chartTitles: vm.CHART_TITLES, heat, heatError, chartTitle: vm.CHART_TITLES.heatmap },
      heatError ? 400 : 200,
    );
  }

  async function showChart(req: Request, res: Response) {
    const ws = wsOf(res);
    const id = String(req.params.chart) as vm.ChartId;
    if (!(vm.CHART_IDS as readonly string[]).includes(id)) throw new HttpError(404, 'No such chart.');
    if (id === 'credits' && ws.billing_mode !== 'credits') throw new HttpError(404, 'Credit consumption is only shown for workspaces on credit billing.');
    const result = resolveRange(req.query, ws.time_zone, usageNow());
    if (!result.ok) throw new HttpError(400, result.message, 'bad_request', result.errors);
    const r = result.range;
    const locals = { ...baseLocals(ws, r), chartTitle: vm.CHART_TITLES[id] };
    if (id === 'heatmap') {
      const params = heatParams(req.query);
      const heat = await vm.heatmap(db, ws.id, r, params);
      // A sort, search or page change (not the lazy first load, which carries no heatmap state)
      // puts the Usage page URL of the new state in the address bar: bookmarkable, and Back works.
      if (isHtmx(req) && !req.get('HX-History-Restore-Request') && hasHeatParams(req.query)) res.setHeader('HX-Push-Url', heatmapPageUrl(r, params));
      return renderPageOrPartial(req, res, 'pages/usage/chart', 'partials/usage/heatmap', { ...locals, heat, partial: 'heatmap' });
    }
    const build: Record<Exclude<vm.ChartId, 'heatmap'>, () => Promise<vm.ChartModel>> = {
      'weekly-generations': () => vm.weeklyGenerations(db, ws.id, r),
      'weekly-logins': () => vm.weeklyLogins(db, ws.id, r),
      credits: () => vm.creditConsumption(db, ws.id, r),
      features: () => vm.generationsByFeature(db, ws.id, r),
      agents: () => vm.topAgents(db, ws.id, r),
      'users-features': () => vm.topUsersByFeature(db, ws.id, r),
      'users-agent-types': () => vm.topUsersByAgentType(db, ws.id, r),
      groups: () => vm.groupMembership(db, ws.id),
    };
    const chart = await build[id]();
    if (chart.config) vm.withBarLimits(chart.config);
    if (isHtmx(req)) res.setHeader('Cache-Control', 'no-store');
    renderPageOrPartial(req, res, 'pages/usage/chart', 'partials/usage/chart', { ...locals, chart, partial: 'chart' });
  }

  const ex = usageExports(ctx);
  router.get('/admin/usage', requireAdmin, showUsage);
  router.get('/admin/usage/charts/:chart', requireAdmin, showChart);
  router.get('/admin/exports/generation-log.csv', requireAdmin, ex.generationLog);
  router.get('/admin/exports/user-activity-log.csv', requireAdmin, ex.userActivityLog);
  router.get('/admin/exports/user-log.csv', requireAdmin, ex.userLog);
  router.get('/admin/exports/agents-log.csv', requireAdmin, ex.agentsLog);
  router.get('/admin/exports/group-members-log.csv', requireAdmin, ex.groupMembersLog);
  return router;
}
