// User Management handlers: parse (zod), call queries/actions, render the page, the partial or redirect.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { actorFrom } from '../audit/audit';
import { HttpError, isHtmx } from '../http/errors';
import { renderPage, renderPageOrPartial } from '../http/render';
import { idParam, parse, type FieldErrors } from '../http/validate';
import { fromDbTime, localDateTime } from '../db/time';
import { setCreditAccess } from './credit-access';
import * as actions from './actions';
import { RuleError } from './actions';
import * as forms from './forms';
import { departments, getUserRow, listUsers, monthContext, userSummary, type UserListQuery, type UserRow } from './queries';
import * as vm from './view-model';

function zoneOf(res: Response): string {
  return (res.locals.workspace?.time_zone as string) || 'America/Chicago';
}

/** Helpers every users template uses (formatting, URLs). */
function viewHelpers(res: Response) {
  const zone = zoneOf(res);
  return {
    vm,
    zone,
    localTime: (v: string | null) => {
      const d = fromDbTime(v);
      return d ? localDateTime(d, zone).slice(0, 16) : null;
    },
    utcTime: (v: string | null) => {
      const d = fromDbTime(v);
      return d ? `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '';
    },
  };
}

export function userHandlers(ctx: AppContext) {
  const db = ctx.db;

  async function listLocals(req: Request, res: Response, f: UserListQuery & { notice?: string; error?: string }) {
    const ws = req.user!.workspace_id;
    const m = monthContext(zoneOf(res));
    const [summary, page, depts] = await Promise.all([userSummary(db, ws), listUsers(db, ws, m, f), departments(db, ws)]);
    const filters = { ...f, page: page.page };
    return {
      title: 'User Management',
      ...viewHelpers(res),
      summary,
      page,
      f: filters,
      month: m,
      departments: depts,
      returnUrl: vm.listUrl(filters),
      notice: f.notice ? vm.NOTICES[f.notice] : undefined,
      errorMessage: f.error ? vm.ERRORS[f.error] : undefined,
      bulk: { values: {} as Record<string, string>, errors: {} as FieldErrors },
    };
  }

  async function rowLocals(req: Request, res: Response, userId: number, returnUrl: string, extra: Record<string, unknown> = {}) {
    const row = await getUserRow(db, req.user!.workspace_id, monthContext(zoneOf(res)), userId);
    if (!row) throw new HttpError(404, 'No such user in this workspace.');
    return { ...viewHelpers(res), row, returnUrl, rowNotice: null, rowError: null, focusMenu: false, ...extra };
  }

  /** After a row action: htmx gets the re-rendered row (and a summary refresh); browsers go back with a notice. */
  async function afterRowAction(req: Request, res: Response, userId: number, notice: string) {
    const returnUrl = forms.safeReturn(req.body?.return);
    if (!isHtmx(req)) return res.redirect(303, vm.withParam(returnUrl, 'notice', notice));
    res.set('HX-Trigger', 'users-changed');
    res.render('partials/users/row', await rowLocals(req, res, userId, returnUrl, { rowNotice: vm.NOTICES[notice], focusMenu: true }));
  }

  async function ruleFailed(req: Request, res: Response, userId: number, err: RuleError) {
    const returnUrl = forms.safeReturn(req.body?.return);
    if (!isHtmx(req)) return res.redirect(303, vm.withParam(returnUrl, 'error', err.reason === 'last_admin' ? 'last_admin' : 'failed'));
    res.status(422).render('partials/users/row', await rowLocals(req, res, userId, returnUrl, { rowError: err.message, focusMenu: true }));
  }

  async function manageLocals(req: Request, res: Response, userId: number, extra: Record<string, unknown> = {}) {
    const base = await rowLocals(req, res, userId, forms.safeReturn(req.query.return ?? req.body?.return));
    const row = base.row as UserRow;
    return {
      ...base,
      title: `Manage ${row.name}`,
      values: { max_inference_tokens: String(row.max_inference_tokens), max_embedding_tokens: String(row.max_embedding_tokens) },
      errors: {} as FieldErrors,
      ...extra,
    };
  }

  return {
    async listUsers(req: Request, res: Response) {
      const f = forms.parseListQuery(req.query as Record<string, unknown>);
      const locals = await listLocals(req, res, f);
      // htmx: push the canonical URL (no empty fields, defaults left out) rather than the raw form query.
      if (isHtmx(req) && !req.get('HX-History-Restore-Request')) res.set('HX-Push-Url', locals.returnUrl);
      renderPageOrPartial(req, res, 'pages/users/index', 'partials/users/results', locals);
    },

    async showSummary(req: Request, res: Response) {
      if (!isHtmx(req)) return res.redirect(303, '/admin/users');
      res.render('partials/users/summary', { ...viewHelpers(res), summary: await userSummary(db, req.user!.workspace_id) });
    },

    async showRow(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const returnUrl = forms.safeReturn(req.query.return);
      const locals = await rowLocals(req, res, id, returnUrl, { focusMenu: true });
      if (!isHtmx(req)) return res.redirect(303, returnUrl);
      res.render('partials/users/row', locals);
    },

    /** htmx: the inline form row; without JS: the Manage user page (allocation form + every row action). */
    async editAllocation(req: Request, res: Response) {
      const id = idParam(req.params.id);
      renderPageOrPartial(req, res, 'pages/users/manage', 'partials/users/allocation-row', await manageLocals(req, res, id));
    },

    async updateAllocation(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const parsed = parse(forms.allocationSchema, req.body);
      if (!parsed.ok) {
        const values = { max_inference_tokens: String(req.body?.max_inference_tokens ?? ''), max_embedding_tokens: String(req.body?.max_embedding_tokens ?? '') };
        return renderPageOrPartial(req, res, 'pages/users/manage', 'partials/users/allocation-row', await manageLocals(req, res, id, { values, errors: parsed.errors }), 422);
      }
      await actions.setAllocation(db, actorFrom(req), req.user!.workspace_id, id, {
        maxInference: parsed.data.max_inference_tokens,
        maxEmbedding: parsed.data.max_embedding_tokens,
      });
      await afterRowAction(req, res, id, 'allocation');
    },

    async updateCreditAccess(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const parsed = parse(forms.creditSchema, req.body);
      if (!parsed.ok) throw new HttpError(422, parsed.message, 'validation_failed', parsed.errors);
      await setCreditAccess(db, actorFrom(req), req.user!.workspace_id, id, parsed.data.allowed);
      await afterRowAction(req, res, id, 'credit');
    },

    async updateRole(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const parsed = parse(forms.roleSchema, req.body);
      if (!parsed.ok) throw new HttpError(422, parsed.message, 'validation_failed', parsed.errors);
      try {
        await actions.setRole(db, actorFrom(req), req.user!.workspace_id, id, parsed.data.role);
      } catch (err) {
        if (err instanceof RuleError) return ruleFailed(req, res, id, err);
        throw err;
      }
      await afterRowAction(req, res, id, 'role');
    },

    async revokeAccess(req: Request, res: Response) {
      const id = idParam(req.params.id);
      try {
        await actions.revokeUser(db, actorFrom(req), req.user!.workspace_id, id);
      } catch (err) {
        if (err instanceof RuleError) return ruleFailed(req, res, id, err);
        throw err;
      }
      await afterRowAction(req, res, id, 'revoked');
    },

    async restoreAccess(req: Request, res: Response) {
      const id = idParam(req.params.id);
      await actions.restoreUser(db, actorFrom(req), req.user!.workspace_id, id);
      await afterRowAction(req, res, id, 'restored');
    },

    async showInvite(req: Request, res: Response) {
      const depts = await departments(db, req.user!.workspace_id);
      renderPage(res, 'pages/users/invite', { title: 'Invite a user', departments: depts, values: { role: 'member', max_inference_tokens: '0', max_embedding_tokens: '0', may_spend_credits: '1' }, errors: {} });
    },

    async inviteUser(req: Request, res: Response) {
      const parsed = parse(forms.inviteSchema, req.body);
      const values = Object.fromEntries(
        ['email', 'name', 'role', 'department', 'max_inference_tokens', 'max_embedding_tokens', 'may_spend_credits'].map((k) => [k, typeof req.body?.[k] === 'string' ? req.body[k] : '']),
      );
      const again = async (errors: FieldErrors) =>
        renderPage(res, 'pages/users/invite', { title: 'Invite a user', departments: await departments(db, req.user!.workspace_id), values, errors }, 422);
      if (!parsed.ok) return again(parsed.errors);
      const d = parsed.data;
      try {
        await actions.inviteUser(db, actorFrom(req), req.user!.workspace_id, {
          email: d.email,
          name: d.name,
          role: d.role,
          department: d.department,
          maxInference: d.max_inference_tokens,
          maxEmbedding: d.max_embedding_tokens,
          maySpendCredits: d.may_spend_credits,
        });
      } catch (err) {
        if (err instanceof RuleError) return again({ [err.field]: err.message });
        throw err;
      }
      res.redirect(303, `/admin/users?q=${encodeURIComponent(d.email)}&notice=invited`);
    },

    async bulkAllocation(req: Request, res: Response) {
      const returnUrl = forms.safeReturn(req.body?.return);
      const parsed = parse(forms.bulkAllocationSchema, req.body);
      if (!parsed.ok) {
        // Re-render the list the admin came from, with the errors next to the bulk fields.
        const f = forms.parseListQuery(Object.fromEntries(new URLSearchParams(returnUrl.split('?')[1] ?? '')));
        const locals = await listLocals(req, res, f);
        locals.bulk = {
          values: { max_inference_tokens: String(req.body?.max_inference_tokens ?? ''), max_embedding_tokens: String(req.body?.max_embedding_tokens ?? '') },
          errors: parsed.errors,
        };
        return renderPage(res, 'pages/users/index', locals, 422);
      }
      await actions.setAllocationBulk(db, actorFrom(req), req.user!.workspace_id, parsed.data.ids, {
        maxInference: parsed.data.max_inference_tokens,
        maxEmbedding: parsed.data.max_embedding_tokens,
      });
      res.redirect(303, vm.withParam(returnUrl, 'notice', 'bulk'));
    },
  };
}
