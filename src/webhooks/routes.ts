// /admin/settings/webhooks: endpoints (webhook or Slack) with their event types, the secret shown
// once, and each endpoint's deliveries with "Resend" and "Send test".
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { renderPage } from '../http/render';
import { idParam, parse, parseOrThrow, type FieldErrors } from '../http/validate';
import { notFound } from '../http/errors';
import { actorFrom, recordAudit } from '../audit/audit';
import { settingsLocals } from '../settings/sections';
import { EVENT_TYPES, EVENT_TYPE_NAMES } from './event-types';
import { checkUrl } from './outbound';
import { createEndpoint, deleteEndpoint, getEndpoint, listDeliveries, listEndpoints, resendDelivery, rotateSecret, sendTest, updateEndpoint, type EndpointRow } from './endpoints';
import { registerDeliveryJob } from './job';

const urlField = z
  .string({ error: 'Enter the URL to send events to.' })
  .trim()
  .min(1, 'Enter the URL to send events to.')
  .max(2000, 'Use at most 2000 characters.')
  .refine((v) => {
    try {
      checkUrl(v);
      return true;
    } catch {
      return false;
    }
  }, 'Enter an http:// or https:// URL.');

const typesField = z
  .union([z.enum(EVENT_TYPE_NAMES as [string, ...string[]]), z.array(z.enum(EVENT_TYPE_NAMES as [string, ...string[]]))], { error: 'Choose event types from the list.' })
  .optional()
  .transform((v) => (v === undefined ? [] : ([] as string[]).concat(v)))
  .refine((v) => v.length > 0, 'Tick at least one event type.');

const endpointSchema = z.object({
  kind: z.enum(['webhook', 'slack'], { error: 'Choose webhook or Slack.' }).default('webhook'),
  url: urlField,
  description: z.string().trim().max(200, 'Use at most 200 characters.').default(''),
  event_types: typesField,
});

const updateSchema = endpointSchema.omit({ kind: true }).extend({ enabled: z.enum(['1']).optional() });

// The endpoint page is the list page with ?endpoint=<id> (deliveries: ?before=<delivery id>).
const pageQuery = z.object({
  endpoint: z.string().max(12).optional(),
  before: z.string().regex(/^[1-9]\d{0,15}$/, 'before must be a delivery id').optional(),
  notice: z.enum(['saved', 'test', 'resent']).optional(),
});

export const endpointHref = (id: number, extra = '') => `/admin/settings/webhooks?endpoint=${id}${extra}`;

const NOTICES: Record<string, string> = {
  saved: 'Saved.',
  test: 'A test message was queued; it appears below within a few seconds.',
  resent: 'The event was queued again as a new delivery.',
};

export function webhooksRouter(ctx: AppContext): Router {
  const { db } = ctx;
  registerDeliveryJob();
  const router = Router();

  async function listPage(req: Request, res: Response, locals: { errors?: FieldErrors; values?: Record<string, unknown>; created?: { endpoint: EndpointRow; secret: string } | null } = {}, status = 200) {
    const ws = res.locals.workspace;
    renderPage(
      res,
      'pages/webhooks/index',
      {
        title: 'Webhooks',
        ...settingsLocals(ws, 'alerts'),
        alertsTab: 'webhooks',
        endpoints: await listEndpoints(db, req.user!.workspace_id),
        eventTypes: EVENT_TYPES,
        errors: locals.errors ?? {},
        values: locals.values ?? { kind: 'webhook', url: '', description: '', event_types: [] },
        created: locals.created ?? null,
      },
      status,
    );
  }

  async function endpointPage(req: Request, res: Response, id: number, locals: { errors?: FieldErrors; secret?: string | null; notice?: string | null; before?: number } = {}, status = 200) {
    const wsId = req.user!.workspace_id;
    const endpoint = await getEndpoint(db, wsId, id);
    if (!endpoint) throw notFound('No such webhook endpoint.');
    const deliveries = await listDeliveries(db, wsId, id, locals.before);
    renderPage(
      res,
      'pages/webhooks/endpoint',
      {
        title: `Webhook endpoint ${endpoint.description || endpoint.url}`,
        ...settingsLocals(res.locals.workspace, 'alerts'),
        alertsTab: 'webhooks',
        endpoint,
        deliveries,
        paged: !!locals.before,
        eventTypes: EVENT_TYPES,
        errors: locals.errors ?? {},
        secret: locals.secret ?? null,
        notice: locals.notice ?? null,
      },
      status,
    );
  }

  router.get('/admin/settings/webhooks', requireAdmin, async (req, res) => {
    const q = parseOrThrow(pageQuery, req.query);
    if (q.endpoint === undefined) return listPage(req, res);
    await endpointPage(req, res, idParam(q.endpoint), { before: q.before ? Number(q.before) : undefined, notice: q.notice ? NOTICES[q.notice] : null });
  });

  router.post('/admin/settings/webhooks', requireAdmin, async (req, res) => {
    const parsed = parse(endpointSchema, req.body ?? {});
    if (!parsed.ok) return listPage(req, res, { errors: parsed.errors, values: { ...req.body, event_types: ([] as string[]).concat(req.body?.event_types ?? []) } }, 422);
    const wsId = req.user!.workspace_id;
    const { row, secret } = await createEndpoint(db, ctx.config.encryptionKey, wsId, { kind: parsed.data.kind, url: parsed.data.url, description: parsed.data.description, eventTypes: parsed.data.event_types });
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'webhook.endpoint.create', targetType: 'webhook_endpoint', targetId: row.id, after: { kind: row.kind, url: row.url, event_types: row.event_types } });
    res.set('Cache-Control', 'no-store');
    await listPage(req, res, { created: { endpoint: row, secret } }, 201);
  });

  router.post('/admin/settings/webhooks/:id', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    const wsId = req.user!.workspace_id;
    const before = await getEndpoint(db, wsId, id);
    if (!before) throw notFound('No such webhook endpoint.');
    const parsed = parse(updateSchema, req.body ?? {});
    if (!parsed.ok) return endpointPage(req, res, id, { errors: parsed.errors }, 422);
    const enabled = parsed.data.enabled === '1';
    await updateEndpoint(db, wsId, id, { url: parsed.data.url, description: parsed.data.description, eventTypes: parsed.data.event_types, enabled });
    await recordAudit(db, {
      workspaceId: wsId,
      actor: actorFrom(req),
      action: 'webhook.endpoint.update',
      targetType: 'webhook_endpoint',
      targetId: id,
      before: { url: before.url, event_types: before.event_types, enabled: before.enabled },
      after: { url: parsed.data.url, event_types: parsed.data.event_types, enabled },
    });
    res.redirect(303, endpointHref(id, '&notice=saved'));
  });

  router.post('/admin/settings/webhooks/:id/rotate', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    const wsId = req.user!.workspace_id;
    if (!(await getEndpoint(db, wsId, id))) throw notFound('No such webhook endpoint.');
    const secret = await rotateSecret(db, ctx.config.encryptionKey, wsId, id);
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'webhook.endpoint.rotate_secret', targetType: 'webhook_endpoint', targetId: id });
    res.set('Cache-Control', 'no-store');
    await endpointPage(req, res, id, { secret, notice: 'A new signing secret was made; the old one no longer verifies.' });
  });

  router.post('/admin/settings/webhooks/:id/delete', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    const wsId = req.user!.workspace_id;
    const before = await getEndpoint(db, wsId, id);
    if (!before) throw notFound('No such webhook endpoint.');
    await deleteEndpoint(db, wsId, id);
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'webhook.endpoint.delete', targetType: 'webhook_endpoint', targetId: id, before: { url: before.url, event_types: before.event_types } });
    res.redirect(303, '/admin/settings/webhooks');
  });

  router.post('/admin/settings/webhooks/:id/test', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    const wsId = req.user!.workspace_id;
    const ep = await getEndpoint(db, wsId, id);
    if (!ep) throw notFound('No such webhook endpoint.');
    await sendTest(db, wsId, id);
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'webhook.endpoint.test', targetType: 'webhook_endpoint', targetId: id });
    res.redirect(303, endpointHref(id, '&notice=test'));
  });

  router.post('/admin/settings/webhooks/deliveries/:id/resend', requireAdmin, async (req, res) => {
    const deliveryId = idParam(req.params.id);
    const wsId = req.user!.workspace_id;
    const endpointId = await resendDelivery(db, wsId, deliveryId);
    if (endpointId == null) throw notFound('No such delivery.');
    await recordAudit(db, { workspaceId: wsId, actor: actorFrom(req), action: 'webhook.delivery.resend', targetType: 'webhook_delivery', targetId: deliveryId, after: { endpoint: endpointId } });
    res.redirect(303, endpointHref(endpointId, '&notice=resent'));
  });

  return router;
}
