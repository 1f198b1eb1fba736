// Per-workspace sign-in settings: the OpenID Connect connection, e-mail domains, group -> role
// mapping, "Require single sign-on" with break-glass accounts, and "Require two-factor for admins".
// All SQL for sso_settings, sso_domains, sso_group_roles and users.sso_break_glass lives here.
import type { Knex } from 'knex';
import { isDuplicateKeyError } from '../db/dialect';
import { toDbTime } from '../db/time';

export type Role = 'admin' | 'member';

export interface SsoSettings {
  workspaceId: number;
  issuer: string | null;
  clientId: string | null;
  clientSecretEnc: string | null;
  groupsClaim: string;
  jitCreate: boolean;
  requireSso: boolean;
  requireTotpAdmins: boolean;
  updatedAt: string | null;
  domains: string[];
  groupRoles: { id: number; groupName: string; role: Role }[];
}

const DEFAULTS = { issuer: null, clientId: null, clientSecretEnc: null, groupsClaim: 'groups', jitCreate: true, requireSso: false, requireTotpAdmins: false, updatedAt: null };

export async function getSsoSettings(db: Knex, workspaceId: number): Promise<SsoSettings> {
  const row = await db('sso_settings').where({ workspace_id: workspaceId }).first();
  const domains = (await db('sso_domains').select('domain').where({ workspace_id: workspaceId }).orderBy('domain')).map((d: { domain: string }) => d.domain);
  const groupRoles = (await db('sso_group_roles').select('id', 'group_name', 'role').where({ workspace_id: workspaceId }).orderBy('group_name')).map((g: { id: number; group_name: string; role: Role }) => ({
    id: g.id,
    groupName: g.group_name,
    role: g.role,
  }));
  if (!row) return { workspaceId, ...DEFAULTS, domains, groupRoles };
  return {
    workspaceId,
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecretEnc: row.client_secret_enc,
    groupsClaim: row.groups_claim,
    jitCreate: Boolean(row.jit_create),
    requireSso: Boolean(row.require_sso),
    requireTotpAdmins: Boolean(row.require_totp_admins),
    updatedAt: row.updated_at,
    domains,
    groupRoles,
  };
}

/** Single sign-on can run: issuer, client id and secret are set. */
export function ssoConfigured(s: SsoSettings): boolean {
  return Boolean(s.issuer && s.clientId && s.clientSecretEnc);
}

/** The workspace whose sign-in domains include this e-mail's domain. */
export async function workspaceForEmail(db: Knex, email: string): Promise<number | null> {
  const domain = email.trim().toLowerCase().split('@')[1];
  if (!domain) return null;
  const row = await db('sso_domains').select('workspace_id').where({ domain }).first();
  return row ? row.workspace_id : null;
}

export interface ConnectionInput {
  issuer: string;
  clientId: string;
  /** undefined = keep the stored secret */
  clientSecretEnc?: string;
  groupsClaim: string;
  jitCreate: boolean;
  domains: string[];
}

export class DomainTakenError extends Error {
  constructor(readonly domain: string) {
    super(`${domain} already signs in to another workspace.`);
  }
}

export async function saveConnection(trx: Knex.Transaction, workspaceId: number, c: ConnectionInput): Promise<void> {
  const now = toDbTime(new Date());
  const fields = { issuer: c.issuer, client_id: c.clientId, groups_claim: c.groupsClaim, jit_create: c.jitCreate, updated_at: now, ...(c.clientSecretEnc !== undefined ? { client_secret_enc: c.clientSecretEnc } : {}) };
  const exists = await trx('sso_settings').select('workspace_id').where({ workspace_id: workspaceId }).first();
  if (exists) await trx('sso_settings').where({ workspace_id: workspaceId }).update(fields);
  else await trx('sso_settings').insert({ workspace_id: workspaceId, ...fields });
  await trx('sso_domains').where({ workspace_id: workspaceId }).delete();
  for (const domain of c.domains) {
    const other = await trx('sso_domains').select('workspace_id').where({ domain }).first();
    if (other) throw new DomainTakenError(domain);
    try {
      await trx('sso_domains').insert({ domain, workspace_id: workspaceId });
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new DomainTakenError(domain);
      throw err;
    }
  }
}

export async function savePolicy(trx: Knex.Transaction, workspaceId: number, p: { requireSso: boolean; requireTotpAdmins: boolean; breakGlassIds: number[] }): Promise<void> {
  const now = toDbTime(new Date());
  const exists = await trx('sso_settings').select('workspace_id').where({ workspace_id: workspaceId }).first();
  const fields = { require_sso: p.requireSso, require_totp_admins: p.requireTotpAdmins, updated_at: now };
  if (exists) await trx('sso_settings').where({ workspace_id: workspaceId }).update(fields);
  else await trx('sso_settings').insert({ workspace_id: workspaceId, ...fields });
  await trx('users').where({ workspace_id: workspaceId }).update({ sso_break_glass: false });
  if (p.breakGlassIds.length) await trx('users').where({ workspace_id: workspaceId }).whereIn('id', p.breakGlassIds).update({ sso_break_glass: true });
}

/** Active admins of the workspace who can still sign in with a password (break-glass, with a password). */
export async function breakGlassAdmins(db: Knex, workspaceId: number, ids: number[]): Promise<{ id: number; email: string }[]> {
  if (ids.length === 0) return [];
  return db('users').select('id', 'email').where({ workspace_id: workspaceId, role: 'admin', status: 'active' }).whereIn('id', ids).whereNotNull('password_hash');
}

export interface PolicyUser {
  id: number;
  email: string;
  name: string;
  role: Role;
  status: string;
  sso_break_glass: boolean | number;
  has_password: boolean | number;
  totp_enabled_at: string | null;
}

/** Users shown in the break-glass and two-factor lists (admins first; a bounded roster). */
export async function policyUsers(db: Knex, workspaceId: number): Promise<PolicyUser[]> {
  return db('users')
    .select('id', 'email', 'name', 'role', 'status', 'sso_break_glass', 'totp_enabled_at', db.raw('CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END as has_password'))
    .where({ workspace_id: workspaceId })
    .whereNot('status', 'revoked')
    .whereNull('deprovisioned_at')
    .orderByRaw("CASE WHEN role = 'admin' THEN 0 ELSE 1 END")
    .orderBy('email')
    .limit(500);
}

export async function addGroupRole(db: Knex, workspaceId: number, groupName: string, role: Role): Promise<'added' | 'updated'> {
  const existing = await db('sso_group_roles').select('id').where({ workspace_id: workspaceId, group_name: groupName }).first();
  if (existing) {
    await db('sso_group_roles').where({ id: existing.id }).update({ role });
    return 'updated';
  }
  await db('sso_group_roles').insert({ workspace_id: workspaceId, group_name: groupName, role });
  return 'added';
}

export async function removeGroupRole(db: Knex, workspaceId: number, id: number): Promise<{ groupName: string; role: Role } | null> {
  const row = await db('sso_group_roles').select('group_name', 'role').where({ workspace_id: workspaceId, id }).first();
  if (!row) return null;
  await db('sso_group_roles').where({ workspace_id: workspaceId, id }).delete();
  return { groupName: row.group_name, role: row.role };
}

/** The role the IdP groups give: admin when any mapped group says admin, member when groups are mapped but none says admin; null = no mapping, keep the console's role. */
export function roleFromGroups(mapping: SsoSettings['groupRoles'], groups: string[]): Role | null {
  if (mapping.length === 0) return null;
  const have = new Set(groups);
  return mapping.some((m) => m.role === 'admin' && have.has(m.groupName)) ? 'admin' : 'member';
}

/** The ids among `ids` that are users of this workspace. */
export async function workspaceUserIds(db: Knex, workspaceId: number, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  return (await db('users').select('id').where({ workspace_id: workspaceId }).whereIn('id', ids)).map((r: { id: number }) => r.id);
}

/** E-mails of the break-glass accounts (for the audit's before/after). */
export async function breakGlassEmails(db: Knex, workspaceId: number): Promise<string[]> {
  return (await db('users').select('email').where({ workspace_id: workspaceId, sso_break_glass: true }).orderBy('email')).map((r: { email: string }) => r.email);
}

export async function findWorkspaceUser(db: Knex, workspaceId: number, userId: number): Promise<{ id: number; email: string } | undefined> {
  return db('users').select('id', 'email').where({ id: userId, workspace_id: workspaceId }).first();
}

/** What the password sign-in needs to know about a user's workspace policy. */
export async function signInPolicyFor(db: Knex, userId: number): Promise<{ ssoRequired: boolean; breakGlass: boolean; totpEnabled: boolean }> {
  const row = await db('users as u')
    .leftJoin('sso_settings as s', 's.workspace_id', 'u.workspace_id')
    .select('u.sso_break_glass', 'u.totp_enabled_at', 's.require_sso', 's.issuer', 's.client_id', 's.client_secret_enc')
    .where('u.id', userId)
    .first();
  const ssoReady = Boolean(row?.issuer && row?.client_id && row?.client_secret_enc);
  return { ssoRequired: Boolean(row?.require_sso) && ssoReady, breakGlass: Boolean(row?.sso_break_glass), totpEnabled: Boolean(row?.totp_enabled_at) };
}

/** The workspace requires a second factor for admins. */
export async function totpRequiredForAdmins(db: Knex, workspaceId: number): Promise<boolean> {
  const row = await db('sso_settings').select('require_totp_admins').where({ workspace_id: workspaceId }).first();
  return Boolean(row?.require_totp_admins);
}

/** An admin who signs in with a password, in a workspace that requires a second factor, without one. */
export async function adminMissingTotp(db: Knex, userId: number): Promise<boolean> {
  const row = await db('users as u')
    .join('sso_settings as s', 's.workspace_id', 'u.workspace_id')
    .select('s.require_totp_admins', 'u.totp_enabled_at', 'u.password_hash')
    .where('u.id', userId)
    .where('u.role', 'admin')
    .first();
  return Boolean(row?.require_totp_admins && !row.totp_enabled_at && row.password_hash);
}

export async function sessionUserById(db: Knex, userId: number): Promise<{ id: number; workspace_id: number; email: string; name: string; role: Role; status: string } | undefined> {
  return db('users').select('id', 'workspace_id', 'email', 'name', 'role', 'status').where({ id: userId }).first();
}
