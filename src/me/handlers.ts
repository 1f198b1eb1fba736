// Handlers of a user's own page (/me): their usage, their credits, the credit meter and the credit
// access request form.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { renderPage } from '../http/render';
import { workspaceOf } from '../http/locals';
import { parse } from '../http/validate';
import { actorFrom } from '../audit/audit';
import { latestRequest, requestAccess } from '../credits/access-requests';
import { requestSchema } from '../credits/forms';
import { isCreditWorkspace } from '../credits/pool';
import { myPage } from './view-model';
import { mayISpendCredits } from './queries';
import { myLimitsView, REQUEST_ERRORS } from '../limits/me';

const NOTICES: Record<string, string> = {
  requested: 'Request sent. Your workspace admins have been notified.',
  pending: 'You already have a pending request; admins have been notified.',
};

type Extra = { errors?: Record<string, string>; values?: Record<string, unknown>; status?: number; error?: string };

export function meHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function show(req: Request, res: Response, extra: Extra = {}) {
    const page = await myPage(db, workspaceOf(res), req.user!);
    renderPage(
      res,
      'pages/me/index',
      {
        ...page,
        notice: typeof req.query.saved === 'string' ? NOTICES[req.query.saved] ?? null : null,
        errors: extra.errors ?? {},
        values: extra.values ?? {},
        pageError: extra.error ?? null,
        // layered limits (src/limits/me.ts)
        limits: await myLimitsView(db, req.user!.workspace_id, req.user!.id, new Date()),
        limitNotice: req.query.limit_request === 'sent' ? 'Request sent. Your workspace admins have been notified.' : req.query.limit_request === 'pending' ? 'You already have a pending request for that limit.' : null,
        limitError: typeof req.query.limit_error === 'string' ? REQUEST_ERRORS[req.query.limit_error] ?? null : null,
      },
      extra.status ?? 200,
    );
  }

  return {
    showMe: (req: Request, res: Response) => show(req, res),

    async requestCreditAccess(req: Request, res: Response) {
      // The state first: the form (and so any message next to it) only exists when a request is possible.
      if (await mayISpendCredits(db, req.user!.id)) return show(req, res, { status: 409, error: 'You can already spend credits; there is nothing to request.' });
      if (!isCreditWorkspace(workspaceOf(res))) return show(req, res, { status: 409, error: 'Your workspace is billed per seat: nothing costs credits, so there is no access to request.' });
      const pending = await latestRequest(db, req.user!.workspace_id, req.user!.id);
      if (pending?.status === 'pending') return res.redirect(303, '/me?saved=pending');
      const p = parse(requestSchema, req.body);
      if (!p.ok) return show(req, res, { errors: p.errors, values: req.body, status: 422 });
      const created = await requestAccess(db, actorFrom(req), req.user!.workspace_id, req.user!.id, p.data.note);
      res.redirect(303, `/me?saved=${created ? 'requested' : 'pending'}`);
    },
  };
}
