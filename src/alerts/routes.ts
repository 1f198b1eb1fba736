// /admin/settings/alerts: the workspace's alert rules (condition + channels), "Send test" per
// channel, and the history of firings with the values at that moment.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { renderPage } from '../http/render';
import { idParam, parse, parseOrThrow, type FieldErrors } from '../http/validate';
import { notFound } from '../http/errors';
import { actorFrom, recordAudit } from '../audit/audit';
import { settingsLocals } from '../settings/sections';
import { registerJob } from '../jobs/scheduler';
import { CONDITIONS, CONDITION_LABELS, SCOPES, createRule, deleteRule, ensureDefaultRules, getRule, listFirings, listRules, missingDefaultRules, paramsSchema, restoreDefaultRules, updateRule, type Channels, type Condition, type EmailTo, type RuleParams } from './rules';
import { deliverToChannels } from './fire';
import { evaluateAllRules } from './evaluate';

const checkbox = z.enum(['1']).optional().transform((v) => v === '1');
// `email`: admin user ids, or "all" (every active admin, also admins added later; wins over ids).
const emailChoice = z.string().regex(/^(\d{1,10}|all)$/);
const ids = z
  .union([emailChoice, z.array(emailChoice)], { error: 'Choose admins from the list.' })
  .optional()
  .transform((v): EmailTo => {
    const picked = v === undefined ? [] : ([] as string[]).concat(v);
    return picked.includes('all') ? 'all' : picked.map(Number);
  });

const ruleSchema = z.object({
  name: z.string({ error: 'Name the rule.' }).trim().min(1, 'Name the rule.').max(200, 'Use at most 200 characters.'),
  condition: z.enum(CONDITIONS, { error: 'Choose a condition.' }),
  enabled: checkbox,
  inapp: checkbox,
  webhook: checkbox,
  slack: checkbox,
  email: ids,
});

const CHANNELS = ['inapp', 'email', 'webhook', 'slack'] as const;
const testSchema = z.object({ channel: z.enum(CHANNELS, { error: 'Choose a channel.' }) });
const noticeQuery = z.object({ notice: z.enum(['created', 'saved', 'deleted', 'test', 'restored']).optional(), rule: z.string().regex(/^\d{1,10}$/).optional() });
const NOTICES = {
  created: 'Rule created.',
  saved: 'Rule saved. It is armed again for every subject (a credit rule starts from the balance as it is now).',
  deleted: 'Rule deleted. A deleted default rule stays deleted until you restore the default rules.',
  test: 'Test alert sent through that channel.',
  restored: 'Default rules restored.',
};

/** Parses the whole rule form: common fields plus the chosen condition's parameters. */
function parseRule(body: Record<string, unknown>, condition?: Condition): { ok: true; data: { name: string; condition: Condition; params: RuleParams; channels: Channels; enabled: boolean } } | { ok: false; errors: FieldErrors } {
  const base = parse(ruleSchema, { ...body, condition: condition ?? body.condition });
  if (!base.ok) return { ok: false, errors: base.errors };
  const p = parse(paramsSchema[base.data.condition] as z.ZodType, body);
  if (!p.ok) return { ok: false, errors: p.errors };
  const d = base.data;
  return { ok: true, data: { name: d.name, condition: d.condition, params: p.data as RuleParams, channels: { inapp: d.inapp, email: d.email, webhook: d.webhook, slack: d.slack }, enabled: d.enabled } };
}

export function alertsRouter(ctx: AppContext): Router {
  const { db } = ctx;
  registerJob({ name: 'alert-rules', everyMs: 5 * 60_000, leaseMs: 4 * 60_000, run: async (c) => void (await evaluateAllRules(c.db)) });
  const router = Router();

  async function page(req: Request, res: Response, locals: { errors?: FieldErrors; values?: Record<string, unknown>; editing?: number | null; notice?: string | null } = {}, status = 200) {
    const ws = res.locals.workspace;
    const wsId = req.user!.workspace_id;
    const credits = ws.billing_mode === 'credits';
    await ensureDefaultRules(db, wsId, credits);
    const [rules, firings, admins, missingDefaults] = await Promise.all([
      listRules(db, wsId),
      listFirings(db, wsId),
      db('users').select('id', 'name', 'email').where({ workspace_id: wsId, role: 'admin', status: 'active' }).orderBy('name'),
      missingDefaultRules(db, wsId, credits),
    ]);
    renderPage(
      res,
      'pages/alerts/index',
      {
        title: 'Alerts',
        ...settingsLocals(ws, 'alerts'),
        alertsTab: 'rules',
        rules,
        firings,
        admins,
        missingDefaults: missingDefaults.map((d) => d.input.name),
        conditions: CONDITIONS,
        conditionLabels: CONDITION_LABELS,
        scopes: SCOPES,
        errors: locals.errors ?? {},
        values: locals.values ?? { condition: 'pool_below', inapp: '1', enabled: '1' },
        editing: locals.editing ?? null,
        notice: locals.notice ?? null,
        zone: ws?.time_zone ?? 'UTC',
      },
      status,
    );
  }

  router.get('/admin/settings/alerts', requireAdmin, async (req, res) => {
    const q = parseOrThrow(noticeQuery, req.query);
    await page(req, res, { notice: q.notice ? NOTICES[q.notice] : null });
  });

  router.post('/admin/settings/alerts', requireAdmin, async (req, res) => {
    const parsed = parseRule(req.body ?? {});
    if (!parsed.ok) return page(req, res, { errors: parsed.errors, values: req.body ?? {} }, 422);
    const wsId = req.user!.workspace_id;
    const id = await createRule(db, wsId, parsed.data);
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'alert_rule.create', targetType: 'alert_rule', targetId: id, after: parsed.data });
    res.redirect(303, '/admin/settings/alerts?notice=created');
  });

  // Before /:id, which would take "restore-defaults" for an id.
  router.post('/admin/settings/alerts/restore-defaults', requireAdmin, async (req, res) => {
    const wsId = req.user!.workspace_id;
    const restored = await restoreDefaultRules(db, wsId, res.locals.workspace?.billing_mode === 'credits');
    if (restored.length) await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'alert_rule.restore_defaults', targetType: 'workspace', targetId: wsId, after: { restored } });
    res.redirect(303, '/admin/settings/alerts?notice=restored');
  });

  router.post('/admin/settings/alerts/:id', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    const wsId = req.user!.workspace_id;
    const before = await getRule(db, wsId, id);
    if (!before) throw notFound('No such alert rule.');
    const parsed = parseRule(req.body ?? {}, before.condition);
    if (!parsed.ok) return page(req, res, { errors: parsed.errors, values: req.body ?? {}, editing: id }, 422);
    await updateRule(db, wsId, id, parsed.data);
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'alert_rule.update', targetType: 'alert_rule', targetId: id, before, after: parsed.data });
    res.redirect(303, '/admin/settings/alerts?notice=saved');
  });

  router.post('/admin/settings/alerts/:id/delete', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    const wsId = req.user!.workspace_id;
    const before = await getRule(db, wsId, id);
    if (!before) throw notFound('No such alert rule.');
    await deleteRule(db, wsId, id);
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'alert_rule.delete', targetType: 'alert_rule', targetId: id, before });
    res.redirect(303, '/admin/settings/alerts?notice=deleted');
  });

  router.post('/admin/settings/alerts/:id/test', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    const wsId = req.user!.workspace_id;
    const rule = await getRule(db, wsId, id);
    if (!rule) throw notFound('No such alert rule.');
    const { channel } = parseOrThrow(testSchema, req.body ?? {}, 422);
    // The test goes through the channel even when the rule has it off, so it can be tried first.
    const email = rule.channels.email;
    const testRule = { ...rule, name: `[Test] ${rule.name}`, channels: { inapp: channel === 'inapp', email: channel === 'email' ? (email === 'all' || email.length ? email : [req.user!.id]) : [], webhook: channel === 'webhook', slack: channel === 'slack' } };
    await db.transaction((trx) => deliverToChannels(trx, testRule, { type: 'workspace', id: null, name: null }, 'this is a test alert; nothing crossed a threshold', { test: true }, new Date(), channel));
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'alert_rule.test', targetType: 'alert_rule', targetId: id, after: { channel } });
    res.redirect(303, '/admin/settings/alerts?notice=test');
  });

  return router;
}
