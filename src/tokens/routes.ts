// Token Statistics: GET /admin/tokens (Token Usage, Monthly Data, Exports tabs) and the three
// account-metrics CSV exports.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { isHtmx, notFound } from '../http/errors';
import { parseOrThrow } from '../http/validate';
import { renderPageOrPartial } from '../http/render';
import { streamRows } from '../db/dialect';
import { addMonths } from '../db/time';
import { usageNow } from '../reports/clock';
import { csvFilename } from '../csv/stream';
import { auditedCsvDownload } from '../csv/download';
import type { ExportDefinition } from '../csv/definitions';
import { TOKEN_EXPORTS, TOKEN_USAGE_EXPORT, USERS_EXPORT, USERS_WITH_TOKENS_EXPORT, type MonthRow, type UserExportRow } from './export-defs';
import { usersQuery, usersWithTokensQuery, workspaceInfo } from './queries';
import {
  COLORS,
  currentMonth,
  formatNumber,
  formatPct,
  jsonForScript,
  monthlyHistory,
  monthlyView,
  todayIn,
  usageCharts,
  usageView,
} from './stats';

export const TABS = ['usage', 'monthly', 'exports'] as const;
export type Tab = (typeof TABS)[number];

const pageQuery = z.object({
  tab: z.enum(TABS, { message: 'tab must be one of usage, monthly or exports' }).default('usage'),
  range: z.enum(['12m', 'all'], { message: 'range must be 12m (rolling 12 months) or all (whole account life)' }).default('12m'),
});

async function loadWorkspace(ctx: AppContext, req: Request) {
  const ws = await workspaceInfo(ctx.db, req.user!.workspace_id);
  if (!ws) throw notFound('Workspace not found');
  return ws;
}

function tokenStats(ctx: AppContext) {
  return async (req: Request, res: Response) => {
    const q = parseOrThrow(pageQuery, req.query);
    const ws = await loadWorkspace(ctx, req);
    const now = usageNow();
    const locals: Record<string, unknown> = {
      title: 'Token Statistics',
      charts: true,
      tab: q.tab,
      range: q.range,
      swapped: isHtmx(req),
      timeZone: ws.time_zone,
      currentMonth: currentMonth(ws.time_zone, now),
      fmt: formatNumber,
      fmtPct: formatPct,
      json: jsonForScript,
      colors: COLORS,
      exportsList: TOKEN_EXPORTS,
    };
    if (q.tab === 'usage') {
      const usage = await usageView(ctx.db, ws, q.range, now);
      locals.usage = usage;
      locals.chartConfigs = usageCharts(usage);
    } else if (q.tab === 'monthly') {
      const { months, current } = await monthlyHistory(ctx.db, ws, now);
      locals.monthly = monthlyView(months, current);
    }
    renderPageOrPartial(req, res, 'pages/tokens/index', 'partials/tokens/tabs', locals);
  };
}

type Workspace = NonNullable<Awaited<ReturnType<typeof workspaceInfo>>>;

/** Streams an export with a filename carrying the workspace slug and today's date (audited). */
async function download<R>(ctx: AppContext, req: Request, res: Response, def: ExportDefinition<R>, rows: (ws: Workspace) => Promise<AsyncIterable<R>> | AsyncIterable<R>) {
  const ws = await loadWorkspace(ctx, req);
  const filename = csvFilename(ws.slug, def.id, todayIn(ws.time_zone));
  await auditedCsvDownload(ctx.db, req, res, def, { workspaceId: ws.id, filename }, () => rows(ws));
}

async function* arrayRows<T>(rows: T[]): AsyncIterable<T> {
  yield* rows;
}

export function tokensRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/tokens', requireAdmin, tokenStats(ctx));

  // The monthly history is small (one row per month), so it is read whole and streamed out.
  router.get('/admin/exports/token-usage.csv', requireAdmin, (req, res) =>
    download<MonthRow>(ctx, req, res, TOKEN_USAGE_EXPORT, async (ws) => arrayRows((await monthlyHistory(ctx.db, ws)).months)),
  );
  router.get('/admin/exports/users.csv', requireAdmin, (req, res) => download(ctx, req, res, USERS_EXPORT, (ws) => streamRows(ctx.db, usersQuery(ctx.db, ws.id)) as AsyncIterable<UserExportRow>));
  router.get('/admin/exports/users-with-tokens.csv', requireAdmin, (req, res) =>
    download(ctx, req, res, USERS_WITH_TOKENS_EXPORT, (ws) => {
      const month = currentMonth(ws.time_zone);
      return streamRows(ctx.db, usersWithTokensQuery(ctx.db, ws.id, month, addMonths(month, -1))) as AsyncIterable<UserExportRow>;
    }),
  );
  return router;
}
