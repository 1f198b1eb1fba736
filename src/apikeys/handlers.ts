// Handlers of /admin/api-keys: list, create (the secret is shown once), revoke, and the API reference page.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { renderPage, renderPageOrPartial } from '../http/render';
import { idParam, parse, parseOrThrow, type FieldErrors } from '../http/validate';
import { isHtmx, notFound } from '../http/errors';
import { actorFrom, recordAudit } from '../audit/audit';
import { createApiKey, listApiKeys, parseScopes, revokeApiKey, type ApiScope } from './keys';
import { apiDocsView } from './docs-view';
import { createSchema, listQuery, SCOPE_CHOICES, scopesOf } from './forms';

interface PanelLocals {
  created?: { key: string; name: string; prefix: string } | null;
  errors?: FieldErrors;
  values?: { name: string; scopes: ApiScope[] };
  notice?: string | null;
  before?: number;
}

/** `apiReference`: the API's OpenAPI document (handed in by the app; the API owns it). */
export function apiKeysHandlers(ctx: AppContext, apiReference: () => object) {
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
      },
      status,
    );
  }

  return {
    async listKeys(req: Request, res: Response) {
      const q = parseOrThrow(listQuery, req.query);
      await panel(req, res, { before: q.before ? Number(q.before) : undefined, notice: q.notice === 'revoked' ? 'The key was revoked. Requests using it are refused from now on.' : null });
    },

    async createKey(req: Request, res: Response) {
      const parsed = parse(createSchema, req.body ?? {});
      const name = String(req.body?.name ?? '');
      if (!parsed.ok) return panel(req, res, { errors: parsed.errors, values: { name, scopes: parseScopes([].concat(req.body?.scopes ?? []).join(',')) } }, 422);
      const wsId = req.user!.workspace_id;
      // The form marks itself so that unticking every box is an error rather than the default scope.
      if (req.body?.scopes_form && parsed.data.scopes === undefined) {
        return panel(req, res, { errors: { scopes: 'Tick at least one thing the key may do.' }, values: { name, scopes: [] } }, 422);
      }
      const { key, row } = await createApiKey(db, wsId, parsed.data.name, req.user!.id, scopesOf(parsed.data.scopes));
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
    },

    async revokeKey(req: Request, res: Response) {
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
    },

    showApiReference(req: Request, res: Response) {
      renderPage(res, 'pages/apikeys/docs', { title: 'API reference', ...apiDocsView(`${req.protocol}://${req.get('host')}`, apiReference()) });
    },
  };
}
