// Audit log page: every admin change (who, when, what, before/after, IP), filters and keyset pages.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { renderPageOrPartial } from '../http/render';
import { isHtmx } from '../http/errors';
import { addDays, fromDbTime, localDateTime, startOfDayUtc, toDbTime } from '../db/time';
import { decodeCursor, keysetPage } from '../http/keyset';
import { cursorField, dayField, emptyToUndefined, FROM_BEFORE_TO, fromBeforeTo, lenientParse } from '../http/filters';
import { auditFacets, auditQuery, type AuditFilters } from './audit';

export const AUDIT_PAGE_SIZE = 50;

const filterSchema = z
  .object({
    actor: z.preprocess(emptyToUndefined, z.string().trim().max(255, 'Actor is too long.').optional()),
    action: z.preprocess(emptyToUndefined, z.string().trim().max(64, 'Action is too long.').regex(/^[a-z0-9_.:-]+$/i, 'Choose an action from the list.').optional()),
    from: dayField('From'),
    to: dayField('To'),
    before: cursorField(),
    after: cursorField(),
  })
  .refine(fromBeforeTo, FROM_BEFORE_TO);

const parseFilters = (query: unknown) => lenientParse(filterSchema, query);

interface Change {
  key: string;
  from?: string;
  to?: string;
}

/** IPv4 clients seen through an IPv6 socket are stored as ::ffff:a.b.c.d; show the IPv4 address. */
export function displayIp(ip: string | null): string | null {
  if (!ip) return null;
  return /^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(ip) ? ip.slice(7) : ip;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return v.toLocaleString('en-US');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Before/after as a list of changed keys (values that stayed equal are context only, e.g. the email). */
export function describeChange(beforeJson: string | null, afterJson: string | null): { subject: string | null; changes: Change[] } {
  const parseObj = (s: string | null): Record<string, unknown> | null => {
    if (!s) return null;
    try {
      const v = JSON.parse(s);
      return v && typeof v === 'object' && !Array.isArray(v) ? v : { value: v };
    } catch {
      return { value: s };
    }
  };
  const b = parseObj(beforeJson);
  const a = parseObj(afterJson);
  const subject = (a?.email ?? b?.email ?? null) as string | null;
  const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])].filter((k) => k !== 'email');
  const changes: Change[] = [];
  for (const k of keys) {
    const bv = b ? b[k] : undefined;
    const av = a ? a[k] : undefined;
    if (b && a && JSON.stringify(bv) === JSON.stringify(av)) continue;
    changes.push({ key: k, from: b && k in b ? show(bv) : undefined, to: a && k in a ? show(av) : undefined });
  }
  return { subject, changes };
}

export function auditRouter(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.db;

  router.get('/admin/audit-log', requireAdmin, async (req: Request, res: Response) => {
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
      keysetPage<Record<string, unknown>>(() => auditQuery(db, ws, filters), 'created_at', 'id', AUDIT_PAGE_SIZE, nav),
      auditFacets(db, ws),
    ]);
    const fp = new URLSearchParams();
    for (const k of ['actor', 'action', 'from', 'to'] as const) if (f[k]) fp.set(k, f[k]!);
    const url = (k: 'before' | 'after', c: string) => {
      const p = new URLSearchParams(fp);
      p.set(k, c);
      return `/admin/audit-log?${p.toString()}`;
    };
    const rows = page.rows.map((r) => {
      const at = fromDbTime(String(r.created_at))!;
      return {
        id: Number(r.id),
        local: localDateTime(at, zone),
        utc: `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
        iso: at.toISOString(),
        actor: String(r.actor_label),
        action: String(r.action),
        target: r.target_type ? `${r.target_type}${r.target_id != null ? ` #${r.target_id}` : ''}` : '—',
        ip: displayIp(r.ip as string | null),
        ...describeChange(r.before_json as string | null, r.after_json as string | null),
      };
    });
    if (isHtmx(req) && !req.get('HX-History-Restore-Request')) {
      const p = new URLSearchParams(fp);
      if (nav.before) p.set('before', f.before!);
      else if (nav.after) p.set('after', f.after!);
      res.set('HX-Push-Url', p.toString() ? `/admin/audit-log?${p.toString()}` : '/admin/audit-log');
    }
    renderPageOrPartial(
      req,
      res,
      'pages/audit/index',
      'partials/audit/results',
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
  });

  return router;
}
