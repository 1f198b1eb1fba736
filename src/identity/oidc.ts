// OpenID Connect sign-in for a workspace: discovery (cached per workspace and settings version),
// the passport strategy of openid-client (authorization code + PKCE, plus state and nonce), and what
// happens on return: claims -> the user (matched by e-mail, created just in time), the role from
// the group mapping, audit with the IdP subject.
import type { Knex } from 'knex';
import * as client from 'openid-client';
import { Strategy } from 'openid-client/passport';
import type { Request } from 'express';
import type { AppContext, SessionUser } from '../http/context';
import type { Config } from '../config';
import { recordAudit } from '../audit/audit';
import { forUpdate } from '../db/dialect';
import { toDbTime } from '../db/time';
import { decryptSecret } from './secrets';
import { allowsPrivate, guardedFetch, OutboundRefused } from './outbound';
import { roleFromGroups, type SsoSettings } from './sso-settings';

export const SECRET_PURPOSE = 'sso-client-secret';
export const CALLBACK_PATH = '/login/sso/callback';

/** A sign-in the console refuses (shown to the person as is). */
export class SsoRefused extends Error {}

/** Discovery against the issuer: the configuration openid-client works with. */
export async function discover(config: Config, issuer: string, clientId: string, clientSecret: string): Promise<client.Configuration> {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new OutboundRefused('The issuer URL is not a valid URL.');
  }
  return client.discovery(url, clientId, undefined, client.ClientSecretPost(clientSecret), {
    [client.customFetch]: guardedFetch(config),
    execute: allowsPrivate(config) ? [client.allowInsecureRequests] : [],
    timeout: 10,
  });
}

/** What "Test connection" shows: the provider's endpoints and what it supports, or the exact error. */
export async function testConnection(config: Config, issuer: string): Promise<{ ok: true; found: Record<string, string> } | { ok: false; error: string }> {
  try {
    const c = await discover(config, issuer, 'connection-test', 'unused');
    const m = c.serverMetadata();
    return {
      ok: true,
      found: {
        Issuer: m.issuer,
        'Authorization endpoint': m.authorization_endpoint ?? '(none)',
        'Token endpoint': m.token_endpoint ?? '(none)',
        'Keys (JWKS)': m.jwks_uri ?? '(none)',
        'Userinfo endpoint': m.userinfo_endpoint ?? '(none)',
        'Scopes supported': (m.scopes_supported ?? []).join(' ') || '(not listed)',
        'Claims supported': (m.claims_supported ?? []).join(' ') || '(not listed)',
        PKCE: (m.code_challenge_methods_supported ?? []).includes('S256') ? 'S256 supported' : 'S256 not listed',
      },
    };
  } catch (err) {
    const e = err as Error & { cause?: unknown; code?: string };
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return { ok: false, error: `${e.message}${cause}${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ''}` };
  }
}

const cacheByDb = new WeakMap<Knex, Map<string, { at: number; config: client.Configuration }>>();
const CACHE_MS = 10 * 60_000;

/** The workspace's openid-client configuration (re-discovered when the settings change or after 10 minutes). */
export async function workspaceConfiguration(ctx: AppContext, s: SsoSettings): Promise<client.Configuration> {
  if (!s.issuer || !s.clientId || !s.clientSecretEnc) throw new SsoRefused('Single sign-on is not set up for this workspace.');
  let cache = cacheByDb.get(ctx.db);
  if (!cache) cacheByDb.set(ctx.db, (cache = new Map()));
  const key = `${s.workspaceId}|${s.updatedAt}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.config;
  const config = await discover(ctx.config, s.issuer, s.clientId, decryptSecret(ctx.config, s.clientSecretEnc, SECRET_PURPOSE));
  for (const k of cache.keys()) if (k.startsWith(`${s.workspaceId}|`)) cache.delete(k);
  cache.set(key, { at: Date.now(), config });
  return config;
}

/** openid-client's strategy sends state and nonce only when PKCE is unsupported; the console always sends both. */
class StateAndNonceStrategy extends Strategy {
  authorizationRequestParams<T extends Parameters<Strategy['authorizationRequestParams']>[1]>(req: Request, options: T) {
    const params = new URLSearchParams(super.authorizationRequestParams(req, options) as URLSearchParams);
    params.set('state', client.randomState());
    params.set('nonce', client.randomNonce());
    return params;
  }
}

export function callbackUrl(req: Request): string {
  return `${req.protocol}://${req.get('host')}${CALLBACK_PATH}`;
}

/** A strategy for one workspace; a fresh object per request (passport writes its actions onto it). */
export function strategyFor(ctx: AppContext, s: SsoSettings, config: client.Configuration, req: Request): Strategy {
  const supported = config.serverMetadata().scopes_supported ?? [];
  const scope = ['openid', 'email', 'profile', ...(supported.includes(s.groupsClaim) ? [s.groupsClaim] : [])].join(' ');
  return new StateAndNonceStrategy(
    { config, scope, callbackURL: callbackUrl(req), sessionKey: `oidc:${s.workspaceId}`, name: `oidc-${s.workspaceId}`, passReqToCallback: true },
    (request, tokens, verified) => {
      signInFromTokens(ctx, s, config, tokens, request.ip ?? null).then(
        (user) => verified(null, user),
        (err) => (err instanceof SsoRefused ? verified(null, false, { message: err.message }) : verified(err)),
      );
    },
  );
}

function groupsOf(claims: Record<string, unknown>, claim: string): string[] {
  const v = claims[claim];
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string');
  if (typeof v === 'string') return v.split(/[,\s]+/).filter(Boolean);
  return [];
}

/** The ID token's claims (already validated: issuer, audience, expiry, nonce), topped up from userinfo when it lacks e-mail or groups. */
async function claimsOf(config: client.Configuration, s: SsoSettings, tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): Promise<Record<string, unknown>> {
  const idClaims = tokens.claims();
  if (!idClaims) throw new SsoRefused('The identity provider returned no ID token.');
  const claims: Record<string, unknown> = { ...idClaims };
  if ((claims.email === undefined || claims[s.groupsClaim] === undefined) && config.serverMetadata().userinfo_endpoint && tokens.access_token) {
    const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
    for (const [k, v] of Object.entries(info)) if (claims[k] === undefined) claims[k] = v;
  }
  return claims;
}

export async function signInFromTokens(
  ctx: AppContext,
  s: SsoSettings,
  config: client.Configuration,
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  ip: string | null,
): Promise<SessionUser> {
  const claims = await claimsOf(config, s, tokens);
  const subject = String(claims.sub);
  const issuer = config.serverMetadata().issuer;
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  if (!email) throw new SsoRefused('The identity provider did not send an e-mail address: add the "email" scope/claim for this application.');
  if (claims.email_verified === false) throw new SsoRefused(`The identity provider says ${email} is not verified.`);
  const domain = email.split('@')[1] ?? '';
  if (!s.domains.includes(domain)) throw new SsoRefused(`${email} is not in this workspace's sign-in domains.`);
  const groups = groupsOf(claims, s.groupsClaim);
  const mapped = roleFromGroups(s.groupRoles, groups);
  const db = ctx.db;
  const actorLabel = `sso:${new URL(issuer).host}`;
  return db.transaction(async (trx) => {
    const now = toDbTime(new Date());
    let u = await forUpdate(trx, trx('users').select('id', 'workspace_id', 'email', 'name', 'role', 'status', 'deprovisioned_at').where({ workspace_id: s.workspaceId, email })).first();
    // Revoked, or deleted by the provider over SCIM: no sign-in (and no new account under the same e-mail).
    if (u && (u.status === 'revoked' || u.deprovisioned_at)) throw new SsoRefused('This account has been revoked in this workspace. Ask an admin to restore it.');
    if (u) delete u.deprovisioned_at;
    if (!u) {
      if (!s.jitCreate) throw new SsoRefused(`${email} has no account in this workspace, and accounts are not created at sign-in. Ask an admin to invite you.`);
      const name = (typeof claims.name === 'string' && claims.name.trim()) || [claims.given_name, claims.family_name].filter((x) => typeof x === 'string').join(' ') || email.split('@')[0];
      const role = mapped ?? 'member';
      const [id] = await trx('users').insert({ workspace_id: s.workspaceId, email, name: name.slice(0, 200), role, status: 'active', invited_at: now, joined_at: now, sso_subject: subject, created_at: now, updated_at: now });
      await recordAudit(trx, { workspaceId: s.workspaceId, actor: { userId: null, label: actorLabel, ip }, action: 'sso.user.create', targetType: 'user', targetId: Number(id), before: null, after: { email, name, role, subject } });
      u = { id: Number(id), workspace_id: s.workspaceId, email, name, role, status: 'active' };
    } else {
      const update: Record<string, unknown> = { sso_subject: subject, updated_at: now };
      if (u.status === 'invited') Object.assign(update, { status: 'active', joined_at: now });
      if (mapped && mapped !== u.role) {
        update.role = mapped;
        await recordAudit(trx, { workspaceId: s.workspaceId, actor: { userId: null, label: actorLabel, ip }, action: 'user.role.update', targetType: 'user', targetId: u.id, before: { email, role: u.role }, after: { email, role: mapped, groups } });
        u.role = mapped;
      }
      await trx('users').where({ id: u.id }).update(update);
      u.status = 'active';
    }
    await recordAudit(trx, { workspaceId: s.workspaceId, actor: { userId: u.id, label: email, ip }, action: 'sso.login', targetType: 'user', targetId: u.id, after: { subject, issuer, groups, role: u.role } });
    return u as SessionUser;
  });
}
