// A user's own page (/me): their usage, their credits, the credit meter and credit access requests.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../http/context';
import { requireUser } from '../http/guards';
import { renderPage } from '../http/render';
import { parse } from '../http/validate';
import { actorFrom } from '../audit/audit';
import { addMonths, fromDbTime, localDateTime, monthOf } from '../db/time';
import { latestRequest, requestAccess } from '../credits/access-requests';
import { requestSchema } from '../credits/forms';
import { isCreditWorkspace, readPool, type CreditWorkspace } from '../credits/pool';
import { memberNotifications } from '../notifications/notify';
import { myCredits, myMonthlyUsage } from './queries';
import { formatNumber } from '../http/format';
import { myLimitsView, REQUEST_ERRORS } from '../limits/me';

const NOTICES: Record<string, string> = {
  requested: 'Request sent. Your workspace admins have been notified.',
  pending: 'You already have a pending request; admins have been notified.',
};

export function meRouter(ctx: AppContext): Router {
  const { db } = ctx;
  const router = Router();

  async function show(req: Request, res: Response, extra: { errors?: Record<string, string>; values?: Record<string, unknown>; status?: number; error?: string } = {}) {
    const user = req.user!;
    const ws = (await db('workspaces').where({ id: user.workspace_id }).first()) as CreditWorkspace & { name: string };
    const me = await db('users').select('id', 'name', 'email', 'role', 'may_spend_credits').where({ id: user.id }).first();
    const now = new Date();
    const month = monthOf(now, ws.time_zone);
    const credits = isCreditWorkspace(ws);
    const pool = credits ? await readPool(db, ws, now) : null;
    const zone = ws.time_zone;
    const fmtWhen = (v: string | null) => {
      const d = fromDbTime(v);
      return d ? localDateTime(d, zone).slice(0, 16) : '';
    };
    renderPage(
      res,
      'pages/me/index',
      {
        title: 'My usage',
        ws,
        me: { ...me, may_spend_credits: !!me.may_spend_credits },
        month,
        previousMonth: addMonths(month, -1),
        usage: await myMonthlyUsage(db, user.workspace_id, user.id, month),
        myCredits: credits ? await myCredits(db, user.workspace_id, user.id, month) : null,
        pool,
        request: await latestRequest(db, user.workspace_id, user.id),
        outcomes: await memberNotifications(db, user.workspace_id, user.id),
        notice: typeof req.query.saved === 'string' ? NOTICES[req.query.saved] ?? null : null,
        errors: extra.errors ?? {},
        values: extra.values ?? {},
        pageError: extra.error ?? null,
        fmt: formatNumber,
        when: fmtWhen,
        // layered limits (src/limits/me.ts)
        limits: await myLimitsView(db, user.workspace_id, user.id, now),
        limitNotice: req.query.limit_request === 'sent' ? 'Request sent. Your workspace admins have been notified.' : req.query.limit_request === 'pending' ? 'You already have a pending request for that limit.' : null,
        limitError: typeof req.query.limit_error === 'string' ? REQUEST_ERRORS[req.query.limit_error] ?? null : null,
      },
      extra.status ?? 200,
    );
  }

  router.get('/me', requireUser, (req, res) => show(req, res));
  router.post('/me/credit-access-request', requireUser, async (req, res) => {
    // The state first: the form (and so any message next to it) only exists when a request is possible.
    const me = await db('users').select('may_spend_credits').where({ id: req.user!.id }).first();
    if (me?.may_spend_credits) return show(req, res, { status: 409, error: 'You can already spend credits; there is nothing to request.' });
    const ws = await db('workspaces').select('billing_mode').where({ id: req.user!.workspace_id }).first();
    if (!ws || !isCreditWorkspace(ws)) return show(req, res, { status: 409, error: 'Your workspace is billed per seat: nothing costs credits, so there is no access to request.' });
    const pending = await latestRequest(db, req.user!.workspace_id, req.user!.id);
    if (pending?.status === 'pending') return res.redirect(303, '/me?saved=pending');
    const p = parse(requestSchema, req.body);
    if (!p.ok) return show(req, res, { errors: p.errors, values: req.body, status: 422 });
    const created = await requestAccess(db, actorFrom(req), req.user!.workspace_id, req.user!.id, p.data.note);
    res.redirect(303, `/me?saved=${created ? 'requested' : 'pending'}`);
  });
  return router;
}
