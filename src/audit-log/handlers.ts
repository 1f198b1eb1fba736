// Audit log handler: every admin change (who, when, what, before/after, IP), filters and keyset pages.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { renderPageOrPartial } from '../http/render';
import { keysetLinks, keysetNav, pushListUrl } from '../http/keyset';
import { addDays, startOfDayUtc, toDbTime } from '../db/time';
import { parseFilters } from './forms';
import { auditFacets, auditNames, auditPage, type AuditFilters } from './queries';
import { auditRowView, pageMentions } from './view-model';

export function auditLogHandlers(ctx: AppContext) {
  const db = ctx.db;
  return {
    async showAuditLog(req: Request, res: Response) {
      const ws = req.user!.workspace_id;
      const zone: string = res.locals.workspace?.time_zone || 'America/Chicago';
      const { f, errors } = parseFilters(req.query);
      const filters: AuditFilters = {
        actor: f.actor,
        action: f.action,
        fromAt: f.from ? toDbTime(startOfDayUtc(f.from, zone)) : undefined,
        toAt: f.to ? toDbTime(startOfDayUtc(addDays(f.to, 1), zone)) : undefined,
      };
      const nav = keysetNav(f);
      const [page, facets] = await Promise.all([
        auditPage(db, ws, filters, nav),
        auditFacets(db, ws),
      ]);
      const fp = new URLSearchParams();
      for (const k of ['actor', 'action', 'from', 'to'] as const) if (f[k]) fp.set(k, f[k]!);
      const m = pageMentions(page.rows);
      const names = await auditNames(db, ws, m.ids, m.emails);
      const rows = page.rows.map((r) => auditRowView(r, zone, names));
      const links = keysetLinks('/admin/audit-log', fp, page, nav, f);
      pushListUrl(req, res, links.currentUrl);
      renderPageOrPartial(
        req,
        res,
        'pages/audit-log/index',
        'partials/audit-log/results',
        {
          title: 'Audit log',
          zone,
          f,
          errors,
          facets,
          rows,
          newerUrl: links.newerUrl,
          olderUrl: links.olderUrl,
          newestUrl: links.newestUrl,
        },
        Object.keys(errors).length ? 400 : 200,
      );
    },
  };
}
