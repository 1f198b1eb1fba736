// SCIM Users: the console's users as SCIM resources. Mapping (body <-> state), PATCH application,
// and every query and write (one transaction each, audited under the API key's name).
import type { Knex } from 'knex';
import type { RosterRow } from '../csv/definitions';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/audit';
import { forUpdate } from '../db/dialect';
import { toDbTime, fromDbTime } from '../db/time';
import { ScimError, scimNotFound } from './errors';
import type { Comparison } from './filter';
import { ENTERPRISE_SCHEMA, USER_SCHEMA, toBool, toStr, type PatchOperation } from './patch';
import { endSessionsOf } from '../identity/sessions';

/** The SCIM-visible attributes of a user, as one flat record that PATCH ops edit. */
export interface UserState {
  userName: string;
  email: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  formatted: string | null;
  externalId: string | null;
  department: string | null;
  active: boolean;
}

interface UserRow extends Pick<RosterRow, 'id' | 'email' | 'name' | 'role' | 'department' | 'status'> {
  scim_user_name: string | null;
  scim_external_id: string | null;
  given_name: string | null;
  family_name: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = ['id', 'email', 'name', 'role', 'department', 'status', 'scim_user_name', 'scim_external_id', 'given_name', 'family_name', 'created_at', 'updated_at'];

const emailSchema = z.string().email();

/** The primary e-mail of a SCIM `emails` array (primary, else type work, else the first). */
function primaryEmail(v: unknown): string | null {
  if (v == null) return null;
  if (!Array.isArray(v)) throw new ScimError(400, '"emails" must be an array.', 'invalidValue');
  const items = v.map((e) => e as { value?: unknown; type?: unknown; primary?: unknown });
  const pick = items.find((e) => e?.primary !== undefined && toBool(e.primary, 'emails.primary')) ?? items.find((e) => String(e?.type ?? '').toLowerCase() === 'work') ?? items[0];
  return pick ? toStr(pick.value, 'emails.value') : null;
}

function nameParts(v: unknown, s: UserState, op: 'add' | 'replace') {
  if (v === null) {
    s.givenName = s.familyName = s.formatted = null;
    return;
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw new ScimError(400, '"name" must be an object.', 'invalidValue');
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) setAttr(s, `name.${k.toLowerCase()}`, val, op);
}

/** Sets one attribute (lowercased path); attributes the console does not keep are accepted and ignored. */
function setAttr(s: UserState, path: string, v: unknown, op: 'add' | 'replace') {
  switch (path) {
    case 'active':
      s.active = toBool(v, 'active');
      return;
    case 'username': {
      const u = toStr(v, 'userName');
      if (!u) throw new ScimError(400, '"userName" cannot be empty.', 'invalidValue');
      s.userName = u;
      return;
    }
    case 'displayname':
      s.displayName = toStr(v, 'displayName', 200);
      return;
    case 'externalid':
      s.externalId = toStr(v, 'externalId');
      return;
    case 'name':
      return nameParts(v, s, op);
    case 'name.givenname':
      s.givenName = toStr(v, 'name.givenName', 100);
      return;
    case 'name.familyname':
      s.familyName = toStr(v, 'name.familyName', 100);
      return;
    case 'name.formatted':
      s.formatted = toStr(v, 'name.formatted', 200);
      return;
    case 'emails': {
      const e = primaryEmail(Array.isArray(v) || v == null ? v : [v]);
      if (e) s.email = e;
      return;
    }
    case 'enterprise:':
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, val] of Object.entries(v as Record<string, unknown>)) setAttr(s, `enterprise:${k.toLowerCase()}`, val, op);
      }
      return;
    case 'enterprise:department':
      s.department = toStr(v, 'department', 100);
      return;
  }
  // emails[type eq "work"].value, emails[primary eq true].value: the one e-mail the console keeps.
  if (/^emails\[.*\]\.value$/.test(path)) {
    const e = toStr(v, 'emails.value');
    if (e) s.email = e;
    return;
  }
  if (path.startsWith(ENTERPRISE_SCHEMA.toLowerCase())) return;
  if (/[^a-z0-9_.:\[\]" -]/.test(path)) throw new ScimError(400, `The path "${path}" is not valid.`, 'invalidPath');
  // title, phoneNumbers, addresses, locale, ...: not kept by the console.
}

function removeAttr(s: UserState, path: string) {
  switch (path) {
    case 'displayname':
      s.displayName = null;
      return;
    case 'externalid':
      s.externalId = null;
      return;
    case 'name':
      s.givenName = s.familyName = s.formatted = null;
      return;
    case 'name.givenname':
      s.givenName = null;
      return;
    case 'name.familyname':
      s.familyName = null;
      return;
    case 'name.formatted':
      s.formatted = null;
      return;
    case 'enterprise:department':
    case 'enterprise:':
      s.department = null;
      return;
    case 'active':
    case 'username':
    case 'emails':
      throw new ScimError(400, `"${path}" is required and cannot be removed.`, 'mutability');
  }
}

export function applyUserPatch(s: UserState, ops: PatchOperation[]): UserState {
  const next = { ...s };
  for (const o of ops) {
    if (o.op === 'remove') removeAttr(next, o.path!);
    else if (o.path) setAttr(next, o.path, o.value, o.op);
    else {
      if (!o.value || typeof o.value !== 'object' || Array.isArray(o.value)) throw new ScimError(400, 'An operation without "path" needs an object "value".', 'invalidValue');
      for (const [k, v] of Object.entries(o.value as Record<string, unknown>)) {
        const key = k.toLowerCase() === ENTERPRISE_SCHEMA.toLowerCase() ? 'enterprise:' : k.toLowerCase().startsWith(ENTERPRISE_SCHEMA.toLowerCase() + ':') ? 'enterprise:' + k.slice(ENTERPRISE_SCHEMA.length + 1).toLowerCase() : k.toLowerCase();
        setAttr(next, key, v, o.op);
      }
    }
  }
  return next;
}

/** A full user from a POST or PUT body. */
export function userFromBody(body: unknown): UserState {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ScimError(400, 'The body must be a User object.', 'invalidSyntax');
  const b = body as Record<string, unknown>;
  if (typeof b.userName !== 'string' || !b.userName.trim()) throw new ScimError(400, '"userName" is required.', 'invalidValue');
  const s: UserState = { userName: '', email: null, displayName: null, givenName: null, familyName: null, formatted: null, externalId: null, department: null, active: true };
  for (const [k, v] of Object.entries(b)) {
    if (k === 'schemas' || k === 'id' || k === 'meta' || k === 'groups' || v === undefined) continue;
    const key = k === ENTERPRISE_SCHEMA ? 'enterprise:' : k.toLowerCase();
    if (key === 'active' && v === null) continue;
    setAttr(s, key, v, 'replace');
  }
  return s;
}

/** The console's e-mail for a state: the primary e-mail, else the userName when it is an address. */
function resolvedEmail(s: UserState): string {
  const candidate = s.email ?? s.userName;
  const ok = emailSchema.safeParse(candidate);
  if (!ok.success) throw new ScimError(400, 'The user needs an e-mail address: send "emails" with a primary value, or an e-mail as "userName".', 'invalidValue');
  return candidate.toLowerCase();
}

function displayNameOf(s: UserState, email: string): string {
  const parts = [s.givenName, s.familyName].filter(Boolean).join(' ');
  return (s.displayName ?? s.formatted ?? (parts || null) ?? email.split('@')[0]).slice(0, 200);
}

function stateOf(r: UserRow): UserState {
  return {
    userName: r.scim_user_name ?? r.email,
    email: r.email,
    displayName: r.name,
    givenName: r.given_name,
    familyName: r.family_name,
    formatted: null,
    externalId: r.scim_external_id,
    department: r.department,
    active: r.status !== 'revoked',
  };
}

export interface GroupRef {
  user_id: number;
  id: number;
  name: string;
}

const iso = (t: string) => (fromDbTime(t) ?? new Date(0)).toISOString();

/** The SCIM representation of a user row. */
export function userResource(r: UserRow, groups: GroupRef[], base: string): Record<string, unknown> {
  const location = `${base}/Users/${r.id}`;
  const formatted = [r.given_name, r.family_name].filter(Boolean).join(' ') || r.name;
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    id: String(r.id),
    ...(r.scim_external_id ? { externalId: r.scim_external_id } : {}),
    userName: r.scim_user_name ?? r.email,
    name: { formatted, ...(r.given_name ? { givenName: r.given_name } : {}), ...(r.family_name ? { familyName: r.family_name } : {}) },
    displayName: r.name,
    active: r.status !== 'revoked',
    emails: [{ value: r.email, type: 'work', primary: true }],
    groups: groups.map((g) => ({ value: String(g.id), display: g.name, $ref: `${base}/Groups/${g.id}` })),
    [ENTERPRISE_SCHEMA]: r.department ? { department: r.department } : {},
    meta: { resourceType: 'User', created: iso(r.created_at), lastModified: iso(r.updated_at), location },
  };
}

// ---- Queries ----

function visible(db: Knex | Knex.Transaction, workspaceId: number) {
  return db('users').select(COLUMNS).where({ workspace_id: workspaceId }).whereNull('deprovisioned_at');
}

function applyFilter(q: Knex.QueryBuilder, filter: Comparison[]) {
  for (const c of filter) {
    const v = c.value;
    const s = v == null ? '' : String(v);
    switch (c.path) {
      case 'username':
        q.where((w) => w.where('scim_user_name', s.toLowerCase()).orWhere((o) => o.whereNull('scim_user_name').where('email', s.toLowerCase())));
        break;
      case 'emails.value':
      case 'emails':
        q.where('email', s.toLowerCase());
        break;
      case 'externalid':
        q.where('scim_external_id', s);
        break;
      case 'id':
        if (/^\d{1,10}$/.test(s)) q.where('id', Number(s));
        else q.whereRaw('1 = 0');
        break;
      case 'displayname':
        q.where('name', s);
        break;
      case 'active':
        if (typeof v !== 'boolean') throw new ScimError(400, '"active" filters take true or false.', 'invalidFilter');
        if (v) q.whereNot('status', 'revoked');
        else q.where('status', 'revoked');
        break;
      default:
        throw new ScimError(400, `Filtering Users on "${c.path}" is not supported (userName, emails.value, externalId, id, displayName, active).`, 'invalidFilter');
    }
  }
}

async function groupsOf(db: Knex, workspaceId: number, userIds: number[]): Promise<GroupRef[]> {
  if (userIds.length === 0) return [];
  return db('group_members as gm').join('groups as g', 'g.id', 'gm.group_id').select('gm.user_id', 'g.id', 'g.name').where('gm.workspace_id', workspaceId).whereIn('gm.user_id', userIds).orderBy('g.id');
}

export async function listUsers(db: Knex, workspaceId: number, filter: Comparison[], startIndex: number, count: number, base: string) {
  const q = visible(db, workspaceId);
  applyFilter(q, filter);
  const [{ n }] = await q.clone().clearSelect().count({ n: '*' });
  // A bounded roster (thousands per workspace) paged by SCIM's startIndex: OFFSET is the protocol's own model.
  const rows: UserRow[] = count === 0 ? [] : await q.orderBy('id').offset(startIndex - 1).limit(count);
  const groups = await groupsOf(db, workspaceId, rows.map((r) => r.id));
  return { total: Number(n), resources: rows.map((r) => userResource(r, groups.filter((g) => g.user_id === r.id), base)) };
}

function idOf(id: string): number | null {
  return /^\d{1,10}$/.test(id) ? Number(id) : null;
}

export async function getUser(db: Knex, workspaceId: number, id: string, base: string) {
  const n = idOf(id);
  const row: UserRow | undefined = n === null ? undefined : await visible(db, workspaceId).where({ id: n }).first();
  if (!row) throw scimNotFound('User', id);
  return userResource(row, await groupsOf(db, workspaceId, [row.id]), base);
}

// ---- Writes ----

async function assertUnique(trx: Knex.Transaction, workspaceId: number, email: string, userName: string, exceptId: number | null) {
  const clash = await trx('users')
    .select('id', 'deprovisioned_at')
    .where({ workspace_id: workspaceId })
    .where((w) => w.where('email', email).orWhere('scim_user_name', userName).orWhere((o) => o.whereNull('scim_user_name').where('email', userName)))
    .modify((q) => (exceptId ? q.whereNot('id', exceptId) : q));
  if (clash.length) throw new ScimError(409, 'A user with this userName or e-mail already exists in this workspace.', 'uniqueness');
}

async function assertNotLastAdmin(trx: Knex.Transaction, workspaceId: number, r: UserRow) {
  if (r.role !== 'admin' || r.status !== 'active') return;
  const others = await forUpdate(trx, trx('users').select('id').where({ workspace_id: workspaceId, role: 'admin', status: 'active' }).whereNot('id', r.id));
  if (others.length === 0) throw new ScimError(400, 'This is the last active admin of the workspace: make another user an admin in the console first.', 'mutability');
}

function auditView(s: UserState, email: string) {
  return { userName: s.userName, email, displayName: s.displayName, givenName: s.givenName, familyName: s.familyName, externalId: s.externalId, department: s.department, active: s.active };
}

function columnsOf(s: UserState, email: string) {
  return {
    email,
    name: displayNameOf(s, email),
    scim_user_name: s.userName.toLowerCase(),
    scim_external_id: s.externalId,
    given_name: s.givenName,
    family_name: s.familyName,
    department: s.department,
  };
}

/** POST /Users: a new user, or a user this workspace deprovisioned earlier (same e-mail) brought back. */
export async function createUser(db: Knex, workspaceId: number, actor: Actor, s: UserState): Promise<number> {
  const email = resolvedEmail(s);
  return db.transaction(async (trx) => {
    const now = toDbTime(new Date());
    const cols = columnsOf(s, email);
    const status = s.active ? 'active' : 'revoked';
    const gone = await forUpdate(trx, trx('users').select('id').where({ workspace_id: workspaceId, email }).whereNotNull('deprovisioned_at')).first();
    await assertUnique(trx, workspaceId, email, cols.scim_user_name, gone?.id ?? null);
    let id: number;
    if (gone) {
      id = gone.id;
      await trx('users').where({ id }).update({ ...cols, status, deprovisioned_at: null, revoked_at: s.active ? null : now, updated_at: now });
    } else {
      const [newId] = await trx('users').insert({ workspace_id: workspaceId, ...cols, role: 'member', status, invited_at: now, revoked_at: s.active ? null : now, created_at: now, updated_at: now });
      id = Number(newId);
    }
    await recordAudit(trx, { workspaceId, actor, action: 'scim.user.create', targetType: 'user', targetId: id, before: null, after: auditView(s, email) });
    return id;
  });
}

/** PUT or PATCH: `change` maps the current state to the new one; status changes follow `active`. */
export async function updateUser(db: Knex, workspaceId: number, actor: Actor, id: string, change: (s: UserState) => UserState): Promise<void> {
  const n = idOf(id);
  if (n === null) throw scimNotFound('User', id);
  const deactivated = await db.transaction(async (trx) => {
    const row: UserRow | undefined = await forUpdate(trx, visible(trx, workspaceId).where({ id: n })).first();
    if (!row) throw scimNotFound('User', id);
    const before = stateOf(row);
    const after = change(before);
    const email = resolvedEmail(after);
    const cols = columnsOf(after, email);
    if (email !== row.email || cols.scim_user_name !== (row.scim_user_name ?? row.email)) await assertUnique(trx, workspaceId, email, cols.scim_user_name, row.id);
    const now = toDbTime(new Date());
    const update: Record<string, unknown> = { ...cols };
    let action = 'scim.user.update';
    if (before.active && !after.active) {
      await assertNotLastAdmin(trx, workspaceId, row);
      Object.assign(update, { status: 'revoked', revoked_at: now });
      action = 'scim.user.deactivate';
    } else if (!before.active && after.active) {
      Object.assign(update, { status: 'active', revoked_at: null });
      action = 'scim.user.reactivate';
    }
    const changed = Object.entries(update).some(([k, v]) => (row as unknown as Record<string, unknown>)[k] !== v);
    if (!changed) return false;
    await trx('users').where({ id: row.id }).update({ ...update, updated_at: now });
    await recordAudit(trx, { workspaceId, actor, action, targetType: 'user', targetId: row.id, before: auditView(before, row.email), after: auditView(after, email) });
    return action === 'scim.user.deactivate';
  });
  if (deactivated) await endSessionsOf(db, n);
}

/** DELETE: revoked, out of every group, hidden from SCIM (404 from now on); usage history stays. */
export async function deleteUser(db: Knex, workspaceId: number, actor: Actor, id: string): Promise<void> {
  const n = idOf(id);
  if (n === null) throw scimNotFound('User', id);
  await db.transaction(async (trx) => {
    const row: UserRow | undefined = await forUpdate(trx, visible(trx, workspaceId).where({ id: n })).first();
    if (!row) throw scimNotFound('User', id);
    await assertNotLastAdmin(trx, workspaceId, row);
    const now = toDbTime(new Date());
    await trx('users').where({ id: row.id }).update({ status: 'revoked', ...(row.status === 'revoked' ? {} : { revoked_at: now }), deprovisioned_at: now, updated_at: now });
    await trx('group_members').where({ user_id: row.id, workspace_id: workspaceId }).delete();
    await recordAudit(trx, { workspaceId, actor, action: 'scim.user.delete', targetType: 'user', targetId: row.id, before: auditView(stateOf(row), row.email), after: null });
  });
  await endSessionsOf(db, n);
}
