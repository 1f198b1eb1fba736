// Token Statistics handlers: the page (Token Usage, Monthly Data, Exports tabs) and the three
// account-metrics CSV downloads.
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { isHtmx } from '../http/errors';
import { workspaceOf } from '../http/locals';
import { parseOrThrow } from '../http/validate';
import { renderPageOrPartial } from '../http/render';
import { streamRows } from '../db/dialect';
import { addMonths } from '../db/time';
import { usageNow } from '../reports/clock';
import { csvFilename } from '../csv/stream';
import { auditedCsvDownload } from '../csv/download';
import type { ExportDefinition } from '../csv/definitions';
import type { Workspace } from '../workspaces/workspace';
import { TOKEN_EXPORTS, TOKEN_USAGE_EXPORT, USERS_EXPORT, USERS_WITH_TOKENS_EXPORT, type MonthRow, type UserExportRow } from './export-defs';
import { usersQuery, usersWithTokensQuery } from './queries';
import { currentMonth, formatNumber, formatPct, jsonForScript, monthlyHistory, monthlyView, todayIn, usageCharts, usageView } from './view-model';

export const TABS = ['usage', 'monthly', 'exports'] as const;
export type Tab = (typeof TABS)[number];

const pageQuery = z.object({
  tab: z.enum(TABS, { message: 'tab must be one of usage, monthly or exports' }).default('usage'),
  range: z.enum(['12m', 'all'], { message: 'range must be 12m (rolling 12 months) or all (whole account life)' }).default('12m'),
});

async function* arrayRows<T>(rows: T[]): AsyncIterable<T> {
  yield* rows;
}

export function tokensHandlers(ctx: AppContext) {
  const db = ctx.db;

  /** Streams an export with a filename carrying the workspace slug and today's date (audited). */
  async function download<R>(req: Request, res: Response, def: ExportDefinition<R>, rows: (ws: Workspace) => Promise<AsyncIterable<R>> | AsyncIterable<R>) {
    const ws = workspaceOf(res);
    const filename = csvFilename(ws.slug, def.id, todayIn(ws.time_zone));
    await auditedCsvDownload(db, req, res, def, { workspaceId: ws.id, filename }, () => rows(ws));
  }

  return {
    async showTokenStats(req: Request, res: Response) {
      const q = parseOrThrow(pageQuery, req.query);
      const ws = workspaceOf(res);
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
        exportsList: TOKEN_EXPORTS,
      };
      if (q.tab === 'usage') {
        const usage = await usageView(db, ws, q.range, now);
        locals.usage = usage;
        locals.chartConfigs = usageCharts(usage);
      } else if (q.tab === 'monthly') {
        const { months, current } = await monthlyHistory(db, ws, now);
        locals.monthly = monthlyView(months, current);
      }
      renderPageOrPartial(req, res, 'pages/tokens/index', 'partials/tokens/tabs', locals);
    },

    // The monthly history is small (one row per month), so it is read whole and streamed out.
    downloadTokenUsage: (req: Request, res: Response) =>
      download<MonthRow>(req, res, TOKEN_USAGE_EXPORT, async (ws) => arrayRows((await monthlyHistory(db, ws)).months)),

    downloadUsers: (req: Request, res: Response) => download(req, res, USERS_EXPORT, (ws) => streamRows(db, usersQuery(db, ws.id)) as AsyncIterable<UserExportRow>),

    downloadUsersWithTokens: (req: Request, res: Response) =>
      download(req, res, USERS_WITH_TOKENS_EXPORT, (ws) => {
        const month = currentMonth(ws.time_zone);
        return streamRows(db, usersWithTokensQuery(db, ws.id, month, addMonths(month, -1))) as AsyncIterable<UserExportRow>;
      }),
  };
}
