// Workspace settings > Limits (/admin/settings/limits): the layers with add, edit and remove, and
// members' temporary increase requests. The authorize API lives in src/limits/api.ts.
import { registerJob } from '../jobs/scheduler';
import { checkAllCrossings } from './crossings';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { renderPage } from '../http/render';
import { idParam, parse, type FieldErrors } from '../http/validate';
import { notFound } from '../http/errors';
import { actorFrom } from '../audit/audit';
import { settingsLocals } from '../settings/sections';
import { decideRequestSchema, LAYERS, LAYER_LABELS, localToUtc, policyFormSchema } from './forms';
import { addPolicy, editPolicy, removePolicy, toPolicyInput } from './admin';
import { findPolicy, listPolicies } from './queries';
import { formValues, policyRows } from './view-model';
import { decideIncrease, pendingLimitRequests } from './requests';
import { METRICS, METRIC_LABELS, MODES, PERIODS } from './model';
import { formatNumber } from '../http/format';
import { utcToLocalInput } from './forms';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { parseOrThrow } from '../http/validate';
import { recordAudit } from '../audit/audit';
import { csvFilename, streamCsv } from '../csv/stream';
import { dayOf } from '../db/time';
import { describeLimit } from './model';
import { groupShowback, limitStatuses, type UserLimitStatus } from './reports';
import { LIMIT_STATES, STATE_LABELS, STATE_RANK } from '../domain/limits';
import { limitStatusUrl } from '../users/limit-info';
import { GROUP_SHOWBACK_EXPORT } from './export-defs';

const statusQuery = z.object({
  state: z.enum(['all', ...LIMIT_STATES], { error: 'state must be all, over, near, on_track_to_exceed or within' }).default('all'),
  sort: z.enum(['state', 'share', 'projected', 'name'], { error: 'sort must be state, share, projected or name' }).default('state'),
});

function sortStatuses(rows: UserLimitStatus[], sort: string): UserLimitStatus[] {
  const byName = (a: UserLimitStatus, b: UserLimitStatus) => a.name.localeCompare(b.name) || a.id - b.id;
  // shares may be Infinity (a limit of 0 with some use): compare, never subtract
  const desc = (x: number, y: number) => (x === y ? 0 : x > y ? -1 : 1);
  const cmp: Record<string, (a: UserLimitStatus, b: UserLimitStatus) => number> = {
    state: (a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || desc(a.share, b.share) || byName(a, b),
    share: (a, b) => desc(a.share, b.share) || byName(a, b),
    projected: (a, b) => b.projected / Math.max(1, b.limit.amount) - a.projected / Math.max(1, a.limit.amount) || byName(a, b),
    name: byName,
  };
  return [...rows].sort(cmp[sort]);
}

const NOTICES: Record<string, string> = {
  added: 'Limit added. It applies to the next authorize call.',
  saved: 'Limit saved.',
  removed: 'Limit removed.',
  approved: 'Request approved: a temporary user override was added.',
  denied: 'Request denied. The member has been told.',
};

const pageQuery = z.object({ edit: z.string().optional(), notice: z.string().max(20).optional() });

const EMPTY = { layer: 'workspace', group_id: '', user_email: '', metric: 'inference', period: 'month', amount: '', mode: 'soft', expires_at: '', note: '' };

export function limitsRouter(ctx: AppContext): Router {
  const { db } = ctx;
  const router = Router();
  // the safety net of the passes scheduled after each events batch (src/limits/crossings.ts)
  registerJob({ name: 'limit-crossings', everyMs: 60_000, leaseMs: 5 * 60_000, run: async (c) => void (await checkAllCrossings(c.db)) });
  const zoneOf = (res: Response) => String(res.locals.workspace?.time_zone ?? 'America/Chicago');

  async function choices(ws: number) {
    const groups = await db('groups').select('id', 'name').where({ workspace_id: ws, status: 'active' }).orderBy('name');
    return {
      groups,
      layers: LAYERS.map((value) => ({ value, label: LAYER_LABELS[value] })),
      metrics: METRICS.map((value) => ({ value, label: METRIC_LABELS[value] })),
      periods: PERIODS.map((value) => ({ value, label: `per ${value}` })),
      modes: MODES.map((value) => ({ value, label: value === 'hard' ? 'Hard — deny past it' : 'Soft — alert, allow' })),
    };
  }

  /**
   * The Layers page. With `?edit=<id>` (or after a failed edit) the limit's form takes the place of
   * the add form, so editing stays on the page (an id of another workspace is a 404).
   */
  async function page(req: Request, res: Response, extra: { errors?: FieldErrors; values?: Record<string, string>; status?: number; editId?: number } = {}) {
    const ws = req.user!.workspace_id;
    const zone = zoneOf(res);
    const now = new Date();
    const q = parseOrThrow(pageQuery, req.query);
    const editId = extra.editId ?? (q.edit ? idParam(q.edit) : undefined);
    let values = extra.values ?? EMPTY;
    if (editId !== undefined) {
      const p = await findPolicy(db, ws, editId);
      if (!p) throw notFound('No such limit.');
      if (!extra.values) values = formValues(p, zone);
    }
    const rows = policyRows(await listPolicies(db, ws), now);
    const requests = (await pendingLimitRequests(db, ws)).map((r) => ({
      ...r,
      metricLabel: METRIC_LABELS[r.metric],
      amountLabel: formatNumber(r.amount),
      until: r.expires_at ?? null,
      untilInput: utcToLocalInput(r.expires_at, zone),
    }));
    renderPage(
      res,
      'pages/limits/index',
      {
        title: 'Limits',
        ...settingsLocals(res.locals.workspace, 'limits'),
        sections: LAYERS.map((layer) => ({ layer, label: LAYER_LABELS[layer], rows: rows.filter((r) => r.layer === layer) })),
        requests,
        zone,
        editId: editId ?? null,
        errors: extra.errors ?? {},
        values,
        notice: q.notice ? NOTICES[q.notice] ?? null : null,
        ...(await choices(ws)),
      },
      extra.status ?? 200,
    );
  }

  const rawValues = (body: Record<string, unknown>) => Object.fromEntries(Object.keys(EMPTY).map((k) => [k, typeof body?.[k] === 'string' ? (body[k] as string) : '']));

  router.get('/admin/settings/limits', requireAdmin, (req, res) => page(req, res));

  router.post('/admin/settings/limits', requireAdmin, async (req, res) => {
    const ws = req.user!.workspace_id;
    const parsed = parse(policyFormSchema, req.body ?? {});
    if (!parsed.ok) return page(req, res, { errors: parsed.errors, values: rawValues(req.body), status: 422 });
    const checked = await toPolicyInput(db, ws, zoneOf(res), parsed.data);
    if (!checked.ok) return page(req, res, { errors: checked.errors, values: rawValues(req.body), status: 422 });
    await addPolicy(db, actorFrom(req), ws, checked.input);
    res.redirect(303, '/admin/settings/limits?notice=added');
  });

  router.post('/admin/settings/limits/:id', requireAdmin, async (req, res) => {
    const ws = req.user!.workspace_id;
    const id = idParam(req.params.id);
    if (!(await findPolicy(db, ws, id))) throw notFound('No such limit.');
    const parsed = parse(policyFormSchema, req.body ?? {});
    if (!parsed.ok) return page(req, res, { editId: id, errors: parsed.errors, values: rawValues(req.body), status: 422 });
    const checked = await toPolicyInput(db, ws, zoneOf(res), parsed.data);
    if (!checked.ok) return page(req, res, { editId: id, errors: checked.errors, values: rawValues(req.body), status: 422 });
    await editPolicy(db, actorFrom(req), ws, id, checked.input);
    res.redirect(303, '/admin/settings/limits?notice=saved');
  });

  router.post('/admin/settings/limits/:id/delete', requireAdmin, async (req, res) => {
    await removePolicy(db, actorFrom(req), req.user!.workspace_id, idParam(req.params.id));
    res.redirect(303, '/admin/settings/limits?notice=removed');
  });

  router.post('/admin/settings/limits/requests/:id', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    const parsed = parse(decideRequestSchema, req.body ?? {});
    if (!parsed.ok) return page(req, res, { errors: Object.fromEntries(Object.entries(parsed.errors).map(([k, v]) => [`request_${id}_${k}`, v])), status: 422 });
    let expiresAt: Date | null = null;
    if (parsed.data.expires_at) {
      expiresAt = localToUtc(parsed.data.expires_at, zoneOf(res));
      if (!expiresAt) return page(req, res, { errors: { [`request_${id}_expires_at`]: 'Enter a real date and time.' }, status: 422 });
    }
    await decideIncrease(db, actorFrom(req), req.user!.workspace_id, id, { decision: parsed.data.decision, amount: parsed.data.amount, expiresAt });
    res.redirect(303, `/admin/settings/limits?notice=${parsed.data.decision === 'approve' ? 'approved' : 'denied'}`);
  });

  router.get('/admin/settings/limits/status', requireAdmin, async (req, res) => {
    const q = parseOrThrow(statusQuery, req.query);
    const all = await limitStatuses(db, req.user!.workspace_id);
    const counts = Object.fromEntries(LIMIT_STATES.map((s) => [s, all.filter((r) => r.state === s).length]));
    const rows = sortStatuses(q.state === 'all' ? all : all.filter((r) => r.state === q.state), q.sort).map((r) => ({
      ...r,
      stateLabel: STATE_LABELS[r.state],
      source: describeLimit(r.limit),
      usedLabel: formatNumber(r.used),
      limitLabel: formatNumber(r.limit.amount),
      projectedLabel: formatNumber(r.projected),
      pct: Number.isFinite(r.share) ? Math.round(r.share * 100) : 100,
    }));
    renderPage(res, 'pages/limits/status', {
      title: 'Limit status',
      ...settingsLocals(res.locals.workspace, 'limits'),
      rows,
      counts,
      total: all.length,
      state: q.state,
      sort: q.sort,
      states: LIMIT_STATES.map((value) => ({ value, label: STATE_LABELS[value], usersUrl: limitStatusUrl(value) })),
      anyLimitUrl: limitStatusUrl(null),
    });
  });

  router.get('/admin/settings/limits/showback', requireAdmin, async (req, res) => {
    const rows = await groupShowback(db, req.user!.workspace_id);
    const pct = (used: number, budget: number | null) => (budget ? `${Math.round((used / budget) * 100)} %` : '');
    renderPage(res, 'pages/limits/showback', {
      title: 'Group showback',
      ...settingsLocals(res.locals.workspace, 'limits'),
      rows: rows.map((r) => ({
        ...r,
        cells: [
          { value: formatNumber(r.inference_tokens), budget: r.inference_budget == null ? '' : formatNumber(r.inference_budget), pct: pct(r.inference_tokens, r.inference_budget), over: r.inference_budget != null && r.inference_tokens > r.inference_budget },
          { value: formatNumber(r.embedding_tokens), budget: r.embedding_budget == null ? '' : formatNumber(r.embedding_budget), pct: pct(r.embedding_tokens, r.embedding_budget), over: r.embedding_budget != null && r.embedding_tokens > r.embedding_budget },
          { value: formatNumber(r.credits), budget: r.credits_budget == null ? '' : formatNumber(r.credits_budget), pct: pct(r.credits, r.credits_budget), over: r.credits_budget != null && r.credits > r.credits_budget },
        ],
      })),
    });
  });

  router.get('/admin/settings/limits/showback.csv', requireAdmin, async (req, res) => {
    const ws = res.locals.workspace;
    const rows = await groupShowback(db, ws.id);
    await recordAudit(db, { workspaceId: ws.id, actor: actorFrom(req), action: 'export.download', targetType: 'export', targetId: GROUP_SHOWBACK_EXPORT.id, after: { export: GROUP_SHOWBACK_EXPORT.id, rows: rows.length } });
    await streamCsv(req, res, GROUP_SHOWBACK_EXPORT, csvFilename(ws.slug, GROUP_SHOWBACK_EXPORT.id, dayOf(new Date(), ws.time_zone)), Readable.from(rows));
  });

  return router;
}
