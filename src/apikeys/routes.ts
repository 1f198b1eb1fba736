// /admin/api-keys: list, create (secret shown once), revoke; /admin/api-keys/docs: the API reference.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { renderPage, renderPageOrPartial } from '../http/render';
import { idParam, parse, parseOrThrow, type FieldErrors } from '../http/validate';
import { isHtmx, notFound } from '../http/errors';
import { actorFrom, recordAudit } from '../audit/audit';
import { API_SCOPES, createApiKey, listApiKeys, parseScopes, revokeApiKey, type ApiScope } from './keys';
import { apiDocsView } from './docs-view';

const createSchema = z.object({
  name: z
    .string({ error: 'Enter a name for the key.' })
    .trim()
    .min(1, 'Enter a name for the key.')
    .max(100, 'Use at most 100 characters.')
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'Use printable characters only.'),
  // Checkboxes: absent = the default ingest scope (the form before scopes existed sent none).
  scopes: z
    .union([z.enum(API_SCOPES), z.array(z.enum(API_SCOPES, { error: 'Choose scopes from the list.' }))], { error: 'Choose scopes from the list.' })
    .optional(),
});

function scopesOf(v: ApiScope | ApiScope[] | undefined): ApiScope[] {
  return v === undefined ? ['ingest'] : parseScopes(([] as string[]).concat(v).join(','));
}

const listQuery = z.object({
  before: z.string().regex(/^[1-9]\d{0,9}$/, 'before must be a key id').optional(),
  notice: z.enum(['revoked']).optional(),
});

/** The scope checkboxes of the create form, with what each allows in an admin's words. */
const SCOPE_CHOICES: { value: ApiScope; label: string; help: string }[] = [
  { value: 'ingest', label: 'Send usage', help: 'Record interactions and logins, keep users, agents and groups in sync, ask for quotes and authorization.' },
  { value: 'read', label: 'Read usage', help: 'Read usage totals, users and activity logs (for BI tools and finance).' },
  { value: 'scim', label: 'Provision users (SCIM)', help: 'Let your identity provider create, update and deactivate users and groups.' },
];

interface PanelLocals {
  created?: { key: string; name: string; prefix: string } | null;
  errors?: FieldErrors;
  values?: { name: string; scopes: ApiScope[] };
  notice?: string | null;
  before?: number;
}

export function apiKeysRouter(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.db;

  async function panel(req: Request, res: Response, locals: PanelLocals, status = 200) {
    const wsId = req.user!.workspace_id;
    const { rows, nextBefore } = await listApiKeys(db, wsId, locals.before);
    const origin = `${req.protocol}://${req.get('host')}`;
    renderPageOrPartial(
      req,
      res,
      'pages/apikeys/index',
      'partials/apikeys/panel',
      {
        title: 'API keys',
        keys: rows,
        nextBefore,
        paged: !!locals.before,
        created: locals.created ?? null,
        errors: locals.errors ?? {},
        values: locals.values ?? { name: '', scopes: ['ingest'] },
        scopeChoices: SCOPE_CHOICES,
        notice: locals.notice ?? null,
        origin,
        zone: res.locals.workspace?.time_zone ?? 'UTC',
      },
      status,
    );
  }

  router.get('/admin/api-keys', requireAdmin, async (req, res) => {
    const q = parseOrThrow(listQuery, req.query);
    await panel(req, res, { before: q.before ? Number(q.before) : undefined, notice: q.notice === 'revoked' ? 'The key was revoked. Requests using it are refused from now on.' : null });
  });

  router.post('/admin/api-keys', requireAdmin, async (req, res) => {
    const parsed = parse(createSchema, req.body ?? {});
    const name = String(req.body?.name ?? '');
    if (!parsed.ok) return panel(req, res, { errors: parsed.errors, values: { name, scopes: parseScopes([].concat(req.body?.scopes ?? []).join(',')) } }, 422);
    const wsId = req.user!.workspace_id;
    const scopes = scopesOf(parsed.data.scopes);
    // The form marks itself so that unticking every box is an error rather than the default scope.
    if (req.body?.scopes_form && parsed.data.scopes === undefined) {
      return panel(req, res, { errors: { scopes: 'Tick at least one thing the key may do.' }, values: { name, scopes: [] } }, 422);
    }
    const { key, row } = await createApiKey(db, wsId, parsed.data.name, req.user!.id, scopes);
    await recordAudit(db, {
      workspaceId: wsId,
      actor: actorFrom(req),
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: row.id,
      after: { name: row.name, prefix: row.prefix, scopes: row.scopes },
    });
    // The secret is in this response only: never cache it.
    res.set('Cache-Control', 'no-store');
    await panel(req, res, { created: { key, name: row.name, prefix: row.prefix } }, 201);
  });

  router.post('/admin/api-keys/:id/revoke', requireAdmin, async (req, res) => {
    const id = idParam(req.params.id);
    const wsId = req.user!.workspace_id;
    const result = await revokeApiKey(db, wsId, id);
    if (!result) throw notFound('No such API key.');
    if (result.changed) {
      await recordAudit(db, {
        workspaceId: wsId,
        actor: actorFrom(req),
        action: 'api_key.revoke',
        targetType: 'api_key',
        targetId: id,
        before: { name: result.before.name, prefix: result.before.prefix, revoked_at: null },
        after: { name: result.before.name, prefix: result.before.prefix, revoked: true },
      });
    }
    if (!isHtmx(req)) return res.redirect(303, '/admin/api-keys?notice=revoked');
    await panel(req, res, { notice: `Key “${result.before.name}” (uc_${result.before.prefix}_…) is revoked. Requests using it are refused from now on.` });
  });

  router.get('/admin/api-keys/docs', requireAdmin, (req, res) => {
    renderPage(res, 'pages/apikeys/docs', { title: 'API reference', ...apiDocsView(`${req.protocol}://${req.get('host')}`) });
  });

  return router;
}
