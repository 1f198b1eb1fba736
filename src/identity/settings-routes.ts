// Workspace settings -> Sign-in (/admin/settings/sign-in): the OpenID Connect connection, "Test
// connection", group -> role mapping, "Require single sign-on" with break-glass accounts, the
// two-factor requirement for admins, and an admin's reset of a member's second factor.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { renderPage } from '../http/render';
import { idParam, parse, type FieldErrors } from '../http/validate';
import { notFound } from '../http/errors';
import { actorFrom, recordAudit } from '../audit/audit';
import { settingsLocals } from '../settings/sections';
import { CALLBACK_PATH, SECRET_PURPOSE, testConnection } from './oidc';
import { encryptSecret, MissingKeyError } from './secrets';
import {
  addGroupRole,
  breakGlassAdmins,
  breakGlassEmails,
  findWorkspaceUser,
  workspaceUserIds,
  DomainTakenError,
  getSsoSettings,
  policyUsers,
  removeGroupRole,
  saveConnection,
  savePolicy,
  ssoConfigured,
  type SsoSettings,
} from './sso-settings';
import { clearTotp } from './totp';

export const SIGN_IN_PATH = '/admin/settings/sign-in';

const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const connectionSchema = z.object({
  issuer: z
    .string()
    .trim()
    .min(1, 'Enter the issuer URL of your identity provider.')
    .max(500)
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'Enter a full https:// URL, e.g. https://acme.okta.com.'),
  client_id: z.string().trim().min(1, 'Enter the client id the identity provider gave this application.').max(255),
  client_secret: z.string().max(2000).optional().default(''),
  domains: z
    .string()
    .max(5000)
    .transform((v) => [...new Set(v.toLowerCase().split(/[\s,;]+/).filter(Boolean))])
    .refine((d) => d.length > 0, 'Enter at least one e-mail domain, e.g. acme.com.')
    .refine((d) => d.every((x) => DOMAIN_RE.test(x)), 'Each domain looks like acme.com (no @, no spaces).'),
  groups_claim: z
    .string()
    .trim()
    .max(100)
    .regex(/^[A-Za-z0-9_:./-]*$/, 'Letters, digits and _ : . / - only.')
    .transform((v) => v || 'groups'),
  jit_create: z.string().max(5).optional(),
});

const groupRoleSchema = z.object({
  group_name: z.string().trim().min(1, 'Enter the group name exactly as the identity provider sends it.').max(255),
  role: z.enum(['admin', 'member'], { error: 'Choose admin or member.' }),
});

const idList = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().regex(/^\d{1,10}$/)).max(1000));

const policySchema = z.object({
  require_sso: z.string().max(5).optional(),
  require_totp_admins: z.string().max(5).optional(),
  break_glass: idList,
});

interface PageState {
  notice?: string | null;
  errors?: FieldErrors;
  values?: Record<string, string>;
  test?: Awaited<ReturnType<typeof testConnection>> | null;
  form?: 'connection' | 'groups' | 'policy' | null;
}

const NOTICES: Record<string, string> = {
  connection: 'Single sign-on settings saved.',
  groups: 'Group mapping saved.',
  policy: 'Sign-in policy saved.',
  reset: 'Two-factor sign-in reset: the person sets it up again at their next sign-in.',
};

function origin(req: Request): string {
  return `${req.protocol}://${req.get('host')}`;
}

async function showPage(ctx: AppContext, req: Request, res: Response, state: PageState = {}, status = 200) {
  const ws = res.locals.workspace;
  const s = await getSsoSettings(ctx.db, ws.id);
  const users = await policyUsers(ctx.db, ws.id);
  renderPage(
    res,
    'pages/identity/sign-in',
    {
      title: 'Sign-in',
      ...settingsLocals(ws, 'sign-in'),
      s,
      configured: ssoConfigured(s),
      users,
      redirectUri: `${origin(req)}${CALLBACK_PATH}`,
      scimBase: `${origin(req)}/scim/v2`,
      notice: state.notice ?? null,
      errors: state.errors ?? {},
      form: state.form ?? null,
      test: state.test ?? null,
      values: state.values ?? { issuer: s.issuer ?? '', client_id: s.clientId ?? '', domains: s.domains.join(', '), groups_claim: s.groupsClaim, jit_create: s.jitCreate ? '1' : '' },
    },
    status,
  );
}

function connectionValues(body: Record<string, unknown>): Record<string, string> {
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).slice(0, 5000) : '');
  return { issuer: str('issuer'), client_id: str('client_id'), domains: str('domains'), groups_claim: str('groups_claim'), jit_create: str('jit_create') };
}

function auditable(s: SsoSettings) {
  return { issuer: s.issuer, clientId: s.clientId, domains: s.domains, groupsClaim: s.groupsClaim, jitCreate: s.jitCreate, secretStored: Boolean(s.clientSecretEnc) };
}

export function signInSettingsRouter(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.db;

  router.get(SIGN_IN_PATH, requireAdmin, async (req, res) => {
    const saved = typeof req.query.saved === 'string' ? NOTICES[req.query.saved] : undefined;
    await showPage(ctx, req, res, { notice: saved ?? null });
  });

  router.post(SIGN_IN_PATH, requireAdmin, async (req, res) => {
    const ws = res.locals.workspace;
    const values = connectionValues(req.body ?? {});
    const parsed = parse(connectionSchema, req.body ?? {});
    if (!parsed.ok) return showPage(ctx, req, res, { errors: parsed.errors, values, form: 'connection' }, 422);
    const before = await getSsoSettings(db, ws.id);
    const c = parsed.data;
    if (!c.client_secret && !before.clientSecretEnc) return showPage(ctx, req, res, { errors: { client_secret: 'Enter the client secret.' }, values, form: 'connection' }, 422);
    let secretEnc: string | undefined;
    try {
      secretEnc = c.client_secret ? encryptSecret(ctx.config, c.client_secret, SECRET_PURPOSE) : undefined;
    } catch (err) {
      if (err instanceof MissingKeyError) return showPage(ctx, req, res, { errors: { client_secret: err.message }, values, form: 'connection' }, 422);
      throw err;
    }
    try {
      await db.transaction(async (trx) => {
        await saveConnection(trx, ws.id, { issuer: c.issuer, clientId: c.client_id, clientSecretEnc: secretEnc, groupsClaim: c.groups_claim, jitCreate: c.jit_create === '1', domains: c.domains });
        const after = { issuer: c.issuer, clientId: c.client_id, domains: c.domains, groupsClaim: c.groups_claim, jitCreate: c.jit_create === '1', secretStored: true, secretChanged: Boolean(secretEnc) };
        await recordAudit(trx, { workspaceId: ws.id, actor: actorFrom(req), action: 'sso.settings.update', targetType: 'workspace', targetId: ws.id, before: auditable(before), after });
      });
    } catch (err) {
      if (err instanceof DomainTakenError) return showPage(ctx, req, res, { errors: { domains: err.message }, values, form: 'connection' }, 422);
      throw err;
    }
    res.redirect(303, `${SIGN_IN_PATH}?saved=connection#connection`);
  });

  router.post(`${SIGN_IN_PATH}/test`, requireAdmin, async (req, res) => {
    const values = connectionValues(req.body ?? {});
    const issuer = values.issuer.trim() || (await getSsoSettings(db, res.locals.workspace.id)).issuer || '';
    if (!issuer) return showPage(ctx, req, res, { errors: { issuer: 'Enter the issuer URL to test.' }, values, form: 'connection' }, 422);
    const test = await testConnection(ctx.config, issuer);
    await showPage(ctx, req, res, { values, test, form: 'connection' }, test.ok ? 200 : 422);
  });

  router.post(`${SIGN_IN_PATH}/group-roles`, requireAdmin, async (req, res) => {
    const ws = res.locals.workspace;
    const parsed = parse(groupRoleSchema, req.body ?? {});
    if (!parsed.ok) return showPage(ctx, req, res, { errors: parsed.errors, form: 'groups', values: { group_name: String(req.body?.group_name ?? '').slice(0, 255) } }, 422);
    const { group_name, role } = parsed.data;
    await db.transaction(async (trx) => {
      const outcome = await addGroupRole(trx, ws.id, group_name, role);
      await recordAudit(trx, { workspaceId: ws.id, actor: actorFrom(req), action: 'sso.group_role.set', targetType: 'sso_group', targetId: group_name, before: null, after: { group: group_name, role, outcome } });
    });
    res.redirect(303, `${SIGN_IN_PATH}?saved=groups#groups`);
  });

  router.post(`${SIGN_IN_PATH}/group-roles/:mappingId/delete`, requireAdmin, async (req, res) => {
    const ws = res.locals.workspace;
    const id = idParam(req.params.mappingId);
    await db.transaction(async (trx) => {
      const removed = await removeGroupRole(trx, ws.id, id);
      if (!removed) throw notFound('No such group mapping in this workspace.');
      await recordAudit(trx, { workspaceId: ws.id, actor: actorFrom(req), action: 'sso.group_role.delete', targetType: 'sso_group', targetId: removed.groupName, before: { group: removed.groupName, role: removed.role }, after: null });
    });
    res.redirect(303, `${SIGN_IN_PATH}?saved=groups#groups`);
  });

  router.post(`${SIGN_IN_PATH}/policy`, requireAdmin, async (req, res) => {
    const ws = res.locals.workspace;
    const parsed = parse(policySchema, req.body ?? {});
    if (!parsed.ok) return showPage(ctx, req, res, { errors: { _policy: parsed.message }, form: 'policy' }, 422);
    const p = parsed.data;
    const requireSso = p.require_sso === '1';
    const breakGlassIds = p.break_glass.map(Number);
    const before = await getSsoSettings(db, ws.id);
    if (requireSso && !ssoConfigured(before)) return showPage(ctx, req, res, { errors: { _policy: 'Set up and save the single sign-on connection before requiring it.' }, form: 'policy' }, 422);
    // The lock-out rule: with passwords off, at least one active admin with a password keeps one.
    const glass = await breakGlassAdmins(db, ws.id, breakGlassIds);
    if (requireSso && glass.length === 0) {
      return showPage(ctx, req, res, { errors: { _policy: 'Mark at least one active admin who has a password as a break-glass account: otherwise nobody could sign in if the identity provider fails.' }, form: 'policy' }, 422);
    }
    const valid = await workspaceUserIds(db, ws.id, breakGlassIds);
    if (valid.length !== new Set(breakGlassIds).size) throw notFound('No such user in this workspace.');
    const beforeGlass = await breakGlassEmails(db, ws.id);
    await db.transaction(async (trx) => {
      await savePolicy(trx, ws.id, { requireSso, requireTotpAdmins: p.require_totp_admins === '1', breakGlassIds: valid });
      const afterGlass = await breakGlassEmails(trx, ws.id);
      await recordAudit(trx, {
        workspaceId: ws.id,
        actor: actorFrom(req),
        action: 'sso.policy.update',
        targetType: 'workspace',
        targetId: ws.id,
        before: { requireSso: before.requireSso, requireTotpAdmins: before.requireTotpAdmins, breakGlass: beforeGlass },
        after: { requireSso, requireTotpAdmins: p.require_totp_admins === '1', breakGlass: afterGlass },
      });
    });
    res.redirect(303, `${SIGN_IN_PATH}?saved=policy#policy`);
  });

  router.post(`${SIGN_IN_PATH}/two-factor/:id/reset`, requireAdmin, async (req, res) => {
    const ws = res.locals.workspace;
    const userId = idParam(req.params.id);
    await db.transaction(async (trx) => {
      const u = await findWorkspaceUser(trx, ws.id, userId);
      if (!u) throw notFound('No such user in this workspace.');
      const had = await clearTotp(trx, u.id);
      await recordAudit(trx, { workspaceId: ws.id, actor: actorFrom(req), action: 'user.two_factor.reset', targetType: 'user', targetId: u.id, before: { email: u.email, twoFactor: had }, after: { email: u.email, twoFactor: false } });
    });
    res.redirect(303, `${SIGN_IN_PATH}?saved=reset#two-factor`);
  });

  return router;
}
