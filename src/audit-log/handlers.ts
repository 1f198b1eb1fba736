// Audit log handler: every admin change (who, when, what, before/after, IP), filters and keyset pages.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { renderPageOrPartial } from '../http/render';
import { isHtmx } from '../http/errors';
import { decodeCursor } from '../http/keyset';
import { addDays, startOfDayUtc, toDbTime } from '../db/time';
import { parseFilters } from './forms';
import { auditFacets, auditPage, type AuditFilters } from './queries';
import { auditRowView } from './view-model';

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
      const nav = { before: decodeCursor(f.before), after: f.before ? null : decodeCursor(f.after) };
      const [page, facets] = await Promise.all([
        auditPage(db, ws, filters, nav),
        auditFacets(db, ws),
      ]);
      const fp = new URLSearchParams();
      for (const k of ['actor', 'action', 'from', 'to'] as const) if (f[k]) fp.set(k, f[k]!);
      const url = (k: 'before' | 'after', c: string) => {
        const p = new URLSearchParams(fp);
        p.set(k, c);
        return `/admin/audit-log?${p.toString()}`;
      };
      const rows = page.rows.map((r) => auditRowView(r, zone));
      if (isHtmx(req) && !req.get('HX-History-Restore-Request')) {
        const p = new URLSearchParams(fp);
        if (nav.before) p.set('before', f.before!);
        else if (nav.after) p.set('after', f.after!);
        res.set('HX-Push-Url', p.toString() ? `/admin/audit-log?${p.toString()}` : '/admin/audit-log');
      }
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
          newerUrl: page.newer ? url('after', page.newer) : null,
          olderUrl: page.older ? url('before', page.older) : null,
          newestUrl: nav.before || nav.after ? (fp.toString() ? `/admin/audit-log?${fp.toString()}` : '/admin/audit-log') : null,
        },
        Object.keys(errors).length ? 400 : 200,
      );
    },
  };
}
