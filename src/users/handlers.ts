// User Management handlers: parse (zod), call queries/actions, render the page, the partial or redirect.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { actorFrom } from '../audit/audit';
import { HttpError, isHtmx } from '../http/errors';
import { renderPage, renderPageOrPartial } from '../http/render';
import { idParam, parse, parseOrThrow, type FieldErrors } from '../http/validate';
import { usageNow } from '../reports/clock';
import { fromDbTime } from '../db/time';
import { workspaceStamps } from '../reports/memo';
import type { Workspace } from '../workspaces/workspace';
import { setCreditAccess } from './credit-access';
import * as actions from './actions';
import { RuleError } from './actions';
import * as forms from './forms';
import { getUserRow, listUsers, monthContext, type UserListQuery, type UserRow } from './queries';
import { departments, userSummary } from './summary';
import * as vm from './view-model';
import { userRows } from './row-view';
import { NO_LIMITS, type UserLimitSource } from './limit-info';

const INVITE_DEFAULTS = { role: 'member', max_inference_tokens: '0', max_embedding_tokens: '0', may_spend_credits: '1' };

function zoneOf(res: Response): string {
  return (res.locals.workspace?.time_zone as string) || 'America/Chicago';
}

/** Helpers every users template uses (formatting, URLs). */
function viewHelpers(res: Response) {
  const zone = zoneOf(res);
  return {
    vm,
    userRows,
    zone,
    utcTime: (v: string | null) => {
      const d = fromDbTime(v);
      return d ? `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '';
    },
  };
}

/**
 * `limits` answers what the rows show and the list filters about limits (src/limits provides it
 * when the app is built; see ./limit-info.ts).
 */
export function userHandlers(ctx: AppContext, limits: UserLimitSource = NO_LIMITS) {
  const db = ctx.db;
  /** This month and "now" as the reports see them (limit periods count from the same instant). */
  const listMonth = (res: Response) => monthContext(zoneOf(res), usageNow());

  async function listLocals(req: Request, res: Response, f: UserListQuery & { notice?: string; error?: string }) {
    const ws = req.user!.workspace_id;
    const m = listMonth(res);
    // the roster, usage and login stamps once for the view: the summary, the list's order and the
    // departments are kept between views while the ones they depend on are unchanged
    const stamps = await workspaceStamps(db, ws);
    const [summary, page, depts] = await Promise.all([
      userSummary(db, ws, { stamps, workspace: res.locals.workspace as Workspace | null }),
      listUsers(db, ws, m, f, limits, stamps),
      departments(db, ws, stamps),
    ]);
    const filters = { ...f, page: page.page };
    return {
      title: 'User Management',
      ...viewHelpers(res),
      summary,
      page,
      f: filters,
      month: m,
      departments: depts,
      limitInfo: page.limits,
      returnUrl: vm.listUrl(filters),
      notice: f.notice ? vm.NOTICES[f.notice] : undefined,
      errorMessage: f.error ? vm.ERRORS[f.error] : undefined,
      bulk: { values: {} as Record<string, string>, errors: {} as FieldErrors },
      invite: { values: INVITE_DEFAULTS as Record<string, string>, errors: {} as FieldErrors, open: false, focusToggle: false },
    };
  }

  /** The list state an action came from (its `return` URL), for re-rendering the list after the action. */
  function returnFilters(returnUrl: string) {
    return forms.parseListQuery(Object.fromEntries(new URLSearchParams(returnUrl.split('?')[1] ?? '')));
  }

  async function rowLocals(req: Request, res: Response, userId: number, returnUrl: string, extra: Record<string, unknown> = {}) {
    const m = listMonth(res);
    const row = await getUserRow(db, req.user!.workspace_id, m, userId);
    if (!row) throw new HttpError(404, 'No such user in this workspace.');
    const limitInfo = await limits.of(db, req.user!.workspace_id, [row], m.now);
    return { ...viewHelpers(res), row, limitInfo, returnUrl, rowNotice: null, rowError: null, focusMenu: false, ...extra };
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

  /** A row action that a workspace rule (the last admin) may refuse: refused -> the row with the reason. */
  async function ruledRowAction(req: Request, res: Response, userId: number, notice: string, run: () => Promise<void>) {
    try {
      await run();
    } catch (err) {
      if (err instanceof RuleError) return ruleFailed(req, res, userId, err);
      throw err;
    }
    await afterRowAction(req, res, userId, notice);
  }

  async function manageLocals(req: Request, res: Response, userId: number, extra: Record<string, unknown> = {}) {
    const base = await rowLocals(req, res, userId, forms.safeReturn(req.query.return ?? req.body?.return));
    const row = base.row as UserRow;
    return {
      ...base,
      title: `Manage ${row.name}`,
      values: { max_inference_tokens: vm.fmt(row.max_inference_tokens), max_embedding_tokens: vm.fmt(row.max_embedding_tokens) },
      errors: {} as FieldErrors,
      ...extra,
    };
  }

  return {
    async listUsers(req: Request, res: Response) {
      parseOrThrow(forms.limitStatusSchema, { limit_status: req.query.limit_status });
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
      // Removing your own admin role takes a second, explicit confirmation: you lose the admin pages at once.
      if (id === req.user!.id && parsed.data.role === 'member' && !parsed.data.confirm_self) {
        const returnUrl = forms.safeReturn(req.body?.return);
        const locals = await rowLocals(req, res, id, returnUrl, { selfDemote: true });
        if ((locals.row as UserRow).role !== 'admin') return afterRowAction(req, res, id, 'role');
        if (isHtmx(req)) return res.status(409).render('partials/users/row', locals);
        return renderPage(res, 'pages/users/confirm-self-demotion', { ...locals, title: 'Remove your admin role?' });
      }
      await ruledRowAction(req, res, id, 'role', () => actions.setRole(db, actorFrom(req), req.user!.workspace_id, id, parsed.data.role));
    },

    async revokeAccess(req: Request, res: Response) {
      const id = idParam(req.params.id);
      await ruledRowAction(req, res, id, 'revoked', () => actions.revokeUser(db, actorFrom(req), req.user!.workspace_id, id));
    },

    async restoreAccess(req: Request, res: Response) {
      const id = idParam(req.params.id);
      await actions.restoreUser(db, actorFrom(req), req.user!.workspace_id, id);
      await afterRowAction(req, res, id, 'restored');
    },

    async showInvite(req: Request, res: Response) {
      const depts = await departments(db, req.user!.workspace_id);
      renderPage(res, 'pages/users/invite', { title: 'Invite a user', departments: depts, values: INVITE_DEFAULTS, errors: {} });
    },

    /** Without JavaScript: the invite page, then back to the list. htmx (panel on the list): errors in
     *  place; on success the closed panel plus the list and summary refreshed out of band. */
    async inviteUser(req: Request, res: Response) {
      const parsed = parse(forms.inviteSchema, req.body);
      const values = Object.fromEntries(
        ['email', 'name', 'role', 'department', 'max_inference_tokens', 'max_embedding_tokens', 'may_spend_credits'].map((k) => [k, typeof req.body?.[k] === 'string' ? req.body[k] : '']),
      );
      const again = async (errors: FieldErrors) => {
        const depts = await departments(db, req.user!.workspace_id);
        if (isHtmx(req)) return res.status(422).render('partials/users/invite-panel', { departments: depts, invite: { values, errors, open: true, focusToggle: false } });
        renderPage(res, 'pages/users/invite', { title: 'Invite a user', departments: depts, values, errors }, 422);
      };
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
      const showUrl = `/admin/users?q=${encodeURIComponent(d.email)}`;
      if (!isHtmx(req)) return res.redirect(303, `${showUrl}&notice=invited`);
      const locals = await listLocals(req, res, returnFilters(forms.safeReturn(req.body?.return)));
      res.render('partials/users/after-invite', {
        ...locals,
        invite: { ...locals.invite, focusToggle: true },
        listNotice: { text: `Invitation created for ${d.email}.`, link: { href: showUrl, label: 'Show this user' } },
      });
    },

    /** Without JavaScript: back to the list with a notice. htmx: the list re-rendered in place with the
     *  summary (and the bulk form: errors, or cleared) swapped out of band. */
    async bulkAllocation(req: Request, res: Response) {
      const returnUrl = forms.safeReturn(req.body?.return);
      const parsed = parse(forms.bulkAllocationSchema, req.body);
      if (!parsed.ok) {
        // Re-render the list the admin came from, with the errors next to the bulk fields.
        const locals = await listLocals(req, res, returnFilters(returnUrl));
        locals.bulk = {
          values: { max_inference_tokens: String(req.body?.max_inference_tokens ?? ''), max_embedding_tokens: String(req.body?.max_embedding_tokens ?? '') },
          errors: parsed.errors,
        };
        // Keep the admin's selection ticked while they fix the values.
        const picked = ([] as unknown[]).concat(req.body?.ids ?? []).map(Number).filter((n) => Number.isInteger(n) && n > 0);
        Object.assign(locals, { selectedIds: picked });
        if (isHtmx(req)) return res.status(422).render('partials/users/results', { ...locals, oobParts: { bulk: true, focusBulk: true } });
        return renderPage(res, 'pages/users/index', locals, 422);
      }
      const changed = await actions.setAllocationBulk(db, actorFrom(req), req.user!.workspace_id, parsed.data.ids, {
        maxInference: parsed.data.max_inference_tokens,
        maxEmbedding: parsed.data.max_embedding_tokens,
      });
      if (!isHtmx(req)) return res.redirect(303, vm.withParam(returnUrl, 'notice', 'bulk'));
      const locals = await listLocals(req, res, returnFilters(returnUrl));
      const n = parsed.data.ids.length;
      const text = `Allocations saved for ${n} selected ${n === 1 ? 'user' : 'users'}${changed < n ? ` (${n - changed} already had these values)` : ''}.`;
      res.render('partials/users/results', { ...locals, listNotice: { text }, oobParts: { bulk: true, focusBulk: true } });
    },
  };
}
