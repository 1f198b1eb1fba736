// /admin/settings/reports: weekly or monthly report subscriptions (the admin and/or addresses),
// the CSV files attached, the last periods sent, and "Send now" (the last complete period).
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { renderPage } from '../http/render';
import { idParam, parse, parseOrThrow, type FieldErrors } from '../http/validate';
import { notFound } from '../http/errors';
import { actorFrom, recordAudit } from '../audit/audit';
import { settingsLocals } from '../settings/sections';
import { toDbTime } from '../db/time';
import { mailEnabled } from '../notifications/mailer';
import { REPORT_EXPORTS, REPORT_EXPORT_IDS } from './export-defs';
import { completePeriods } from './digest';
import { registerReportsJob, sendPeriod, toSubscription } from './send';

const email = z.string().trim().toLowerCase().pipe(z.email({ error: 'Enter valid e-mail addresses, separated by commas or lines.' }));

const subscriptionSchema = z
  .object({
    period: z.enum(['weekly', 'monthly'], { error: 'Choose weekly or monthly.' }),
    me: z.enum(['1']).optional(),
    addresses: z
      .string()
      .max(4000, 'Use at most 4000 characters.')
      .default('')
      .transform((s) => s.split(/[\s,;]+/).filter(Boolean))
      .pipe(z.array(email).max(50, 'At most 50 addresses.')),
    exports: z
      .union([z.enum(REPORT_EXPORT_IDS as [string, ...string[]]), z.array(z.enum(REPORT_EXPORT_IDS as [string, ...string[]]))], { error: 'Choose files from the list.' })
      .optional()
      .transform((v) => (v === undefined ? [] : ([] as string[]).concat(v))),
  });

const noticeQuery = z.object({ notice: z.enum(['created', 'deleted', 'sent', 'nomail']).optional() });
const NOTICES = {
  created: 'Subscribed. The first report goes out when the current period ends.',
  deleted: 'Subscription removed.',
  sent: 'The last complete period was e-mailed now.',
  nomail: 'Nothing was sent: e-mail is not configured on this server (SMTP_URL).',
};

export function reportsRouter(ctx: AppContext): Router {
  const { db } = ctx;
  registerReportsJob();
  const router = Router();

  async function page(req: Request, res: Response, locals: { errors?: FieldErrors; values?: Record<string, unknown>; notice?: string | null } = {}, status = 200) {
    const wsId = req.user!.workspace_id;
    const subs = (await db('report_subscriptions').where({ workspace_id: wsId }).orderBy('id')).map(toSubscription);
    const runs = subs.length ? await db('report_runs').whereIn('subscription_id', subs.map((s) => s.id)).orderBy('id', 'desc') : [];
    renderPage(
      res,
      'pages/reports/index',
      {
        title: 'Scheduled reports',
        ...settingsLocals(res.locals.workspace, 'alerts'),
        alertsTab: 'reports',
        subs: subs.map((s) => ({ ...s, runs: runs.filter((r: { subscription_id: number }) => Number(r.subscription_id) === s.id).slice(0, 5) })),
        exportChoices: REPORT_EXPORTS,
        mailOn: mailEnabled(db),
        errors: locals.errors ?? {},
        values: locals.values ?? { period: 'weekly', me: '1', addresses: '', exports: ['report-users'] },
        notice: locals.notice ?? null,
        zone: res.locals.workspace?.time_zone ?? 'UTC',
      },
      status,
    );
  }

  router.get('/admin/settings/reports', requireAdmin, async (req, res) => {
    const q = parseOrThrow(noticeQuery, req.query);
    await page(req, res, { notice: q.notice ? NOTICES[q.notice] : null });
  });

  router.post('/admin/settings/reports', requireAdmin, async (req, res) => {
    const parsed = parse(subscriptionSchema, req.body ?? {});
    const values = { ...req.body, exports: ([] as string[]).concat(req.body?.exports ?? []) };
    // Errors of one address ("addresses.2") are shown at the field.
    if (!parsed.ok) return page(req, res, { errors: Object.fromEntries(Object.entries(parsed.errors).map(([k, v]) => [k.split('.')[0], v])), values }, 422);
    const recipients = [...new Set([...(parsed.data.me ? [req.user!.email.toLowerCase()] : []), ...parsed.data.addresses])];
    if (!recipients.length) return page(req, res, { errors: { addresses: 'Tick “Me” or enter at least one address.' }, values }, 422);
    const wsId = req.user!.workspace_id;
    const [id] = await db('report_subscriptions').insert({
      workspace_id: wsId,
      period: parsed.data.period,
      recipients: JSON.stringify(recipients),
      exports: JSON.stringify(parsed.data.exports),
      created_by_user_id: req.user!.id,
      created_at: toDbTime(new Date()),
    });
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'report_subscription.create', targetType: 'report_subscription', targetId: Number(id), after: { period: parsed.data.period, recipients, exports: parsed.data.exports } });
    res.redirect(303, '/admin/settings/reports?notice=created');
  });

  router.post('/admin/settings/reports/:id/delete', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    const wsId = req.user!.workspace_id;
    const row = await db('report_subscriptions').where({ id, workspace_id: wsId }).first();
    if (!row) throw notFound('No such report subscription.');
    await db.transaction(async (trx) => {
      await trx('report_runs').where({ subscription_id: id }).delete();
      await trx('report_subscriptions').where({ id }).delete();
    });
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'report_subscription.delete', targetType: 'report_subscription', targetId: id, before: toSubscription(row) });
    res.redirect(303, '/admin/settings/reports?notice=deleted');
  });

  router.post('/admin/settings/reports/:id/send', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    const wsId = req.user!.workspace_id;
    const row = await db('report_subscriptions').where({ id, workspace_id: wsId }).first();
    if (!row) throw notFound('No such report subscription.');
    if (!mailEnabled(db)) return res.redirect(303, '/admin/settings/reports?notice=nomail');
    const sub = toSubscription(row);
    const now = new Date();
    // The last complete period, outside the once-per-period bookkeeping (a preview on demand).
    const [last] = completePeriods(sub.period, res.locals.workspace.time_zone, now, new Date(0), 1);
    await sendPeriod(db, sub, last, now);
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'report_subscription.send_now', targetType: 'report_subscription', targetId: id, after: { period: last.key } });
    res.redirect(303, '/admin/settings/reports?notice=sent');
  });

  return router;
}
