// SCIM Groups are the console's groups (groups, group_members): the Usage page's group charts
// reflect them. Mapping, PATCH of members as IdPs send it, and every query and write (audited).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/audit';
import { forUpdate } from '../db/dialect';
import { fromDbTime, toDbTime } from '../db/time';
import { ScimError, scimNotFound } from './errors';
import type { Comparison } from './filter';
import { GROUP_SCHEMA, toStr, type PatchOperation } from './patch';

/** Groups created over SCIM without an externalId get one of these (groups.external_id is required). */
const GENERATED_PREFIX = 'scim-';

interface GroupRow {
  id: number;
  external_id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

interface Member {
  group_id: number;
  user_id: number;
  name: string;
}

export interface GroupState {
  displayName: string;
  externalId: string | null;
  members: Set<number>;
}

const iso = (t: string) => (fromDbTime(t) ?? new Date(0)).toISOString();

export function groupResource(g: GroupRow, members: Member[] | null, base: string): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    id: String(g.id),
    displayName: g.name,
    ...(g.external_id.startsWith(GENERATED_PREFIX) ? {} : { externalId: g.external_id }),
    ...(members ? { members: members.map((m) => ({ value: String(m.user_id), display: m.name, $ref: `${base}/Users/${m.user_id}` })) } : {}),
    meta: { resourceType: 'Group', created: iso(g.created_at), lastModified: iso(g.updated_at), location: `${base}/Groups/${g.id}` },
  };
}

function memberIds(v: unknown, what: string): string[] {
  const list = Array.isArray(v) ? v : v == null ? [] : [v];
  return list.map((m) => {
    const value = typeof m === 'object' && m !== null ? (m as { value?: unknown }).value : m;
    const s = toStr(value, `${what}.value`);
    if (!s) throw new ScimError(400, `Every member needs a "value" (the user's id).`, 'invalidValue');
    return s;
  });
}

/** A full group from a POST or PUT body (member ids still unchecked). */
export function groupFromBody(body: unknown): { displayName: string; externalId: string | null; members: string[] } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ScimError(400, 'The body must be a Group object.', 'invalidSyntax');
  const b = body as Record<string, unknown>;
  const displayName = toStr(b.displayName, 'displayName', 200);
  if (!displayName) throw new ScimError(400, '"displayName" is required.', 'invalidValue');
  return { displayName, externalId: toStr(b.externalId ?? null, 'externalId', 128), members: memberIds(b.members, 'members') };
}

/** Applies PATCH ops; member ids are validated by `resolve` (ids of this workspace's users). */
export function applyGroupPatch(s: GroupState, ops: PatchOperation[], resolve: (ids: string[]) => number[]): GroupState {
  const next: GroupState = { ...s, members: new Set(s.members) };
  for (const o of ops) {
    const path = o.path;
    const filterMatch = path ? /^members\[value eq "([^"]*)"\]$/.exec(path) : null;
    if (o.op === 'remove') {
      if (filterMatch) next.members.delete(Number(filterMatch[1]));
      else if (path === 'members') {
        // Entra: remove with a value list; without a value every member goes.
        if (o.value === undefined) next.members.clear();
        else for (const id of memberIds(o.value, 'members')) next.members.delete(Number(id));
      } else if (path === 'externalid') next.externalId = null;
      else if (path === 'displayname') throw new ScimError(400, '"displayName" is required and cannot be removed.', 'mutability');
      else throw new ScimError(400, `Cannot remove "${path}" from a group.`, 'invalidPath');
      continue;
    }
    const set = (key: string, value: unknown) => {
      if (key === 'members') {
        const ids = resolve(memberIds(value, 'members'));
        if (o.op === 'replace') next.members = new Set(ids);
        else for (const id of ids) next.members.add(id);
      } else if (key === 'displayname') {
        const d = toStr(value, 'displayName', 200);
        if (!d) throw new ScimError(400, '"displayName" cannot be empty.', 'invalidValue');
        next.displayName = d;
      } else if (key === 'externalid') next.externalId = toStr(value, 'externalId', 128);
      else if (key === 'id' || key === 'schemas' || key === 'meta') {
        // Okta repeats the id in a path-less replace; it cannot change.
      } else throw new ScimError(400, `Groups have no attribute "${key}".`, 'invalidPath');
    };
    if (path) set(path, o.value);
    else {
      if (!o.value || typeof o.value !== 'object' || Array.isArray(o.value)) throw new ScimError(400, 'An operation without "path" needs an object "value".', 'invalidValue');
      for (const [k, v] of Object.entries(o.value as Record<string, unknown>)) set(k.toLowerCase(), v);
    }
  }
  return next;
}

// ---- Queries ----

function idOf(id: string): number | null {
  return /^\d{1,10}$/.test(id) ? Number(id) : null;
}

async function membersOf(db: Knex | Knex.Transaction, workspaceId: number, groupIds: number[]): Promise<Member[]> {
  if (groupIds.length === 0) return [];
  return db('group_members as gm').join('users as u', 'u.id', 'gm.user_id').select('gm.group_id', 'gm.user_id', 'u.name').where('gm.workspace_id', workspaceId).whereIn('gm.group_id', groupIds).orderBy('gm.user_id');
}

export async function listGroups(db: Knex, workspaceId: number, filter: Comparison[], startIndex: number, count: number, withMembers: boolean, base: string) {
  const q = db('groups').select('id', 'external_id', 'name', 'created_at', 'updated_at').where({ workspace_id: workspaceId });
  for (const c of filter) {
    const s = c.value == null ? '' : String(c.value);
    if (c.path === 'displayname') q.where('name', s);
    else if (c.path === 'externalid') q.where('external_id', s);
    else if (c.path === 'id') q.where('id', idOf(s) ?? -1);
    else if (c.path === 'members.value' || c.path === 'members') {
      q.whereExists((e) => e.select(db.raw('1')).from('group_members as gm').whereRaw('gm.group_id = groups.id').where('gm.user_id', idOf(s) ?? -1));
    } else throw new ScimError(400, `Filtering Groups on "${c.path}" is not supported (displayName, externalId, id, members.value).`, 'invalidFilter');
  }
  const [{ n }] = await q.clone().clearSelect().count({ n: '*' });
  const rows: GroupRow[] = count === 0 ? [] : await q.orderBy('id').offset(startIndex - 1).limit(count);
  const members = withMembers ? await membersOf(db, workspaceId, rows.map((r) => r.id)) : null;
  return { total: Number(n), resources: rows.map((r) => groupResource(r, members ? members.filter((m) => m.group_id === r.id) : null, base)) };
}

async function findGroup(db: Knex | Knex.Transaction, workspaceId: number, id: string, lock = false): Promise<GroupRow> {
  const n = idOf(id);
  const q = db('groups').select('id', 'external_id', 'name', 'created_at', 'updated_at').where({ workspace_id: workspaceId, id: n ?? -1 });
  const row: GroupRow | undefined = n === null ? undefined : await (lock ? forUpdate(db as Knex, q) : q).first();
  if (!row) throw scimNotFound('Group', id);
  return row;
}

export async function getGroup(db: Knex, workspaceId: number, id: string, withMembers: boolean, base: string) {
  const g = await findGroup(db, workspaceId, id);
  return groupResource(g, withMembers ? await membersOf(db, workspaceId, [g.id]) : null, base);
}

/** User ids of this workspace (still provisioned) among `ids`; any other id is a 400. */
async function checkedMembers(trx: Knex.Transaction, workspaceId: number, ids: string[]): Promise<number[]> {
  const nums = [...new Set(ids)].map((s) => idOf(s));
  if (nums.some((x) => x === null)) throw new ScimError(400, 'Member values must be user ids from this service provider.', 'invalidValue');
  const found: { id: number }[] = nums.length ? await trx('users').select('id').where({ workspace_id: workspaceId }).whereNull('deprovisioned_at').whereIn('id', nums as number[]) : [];
  if (found.length !== nums.length) {
    const have = new Set(found.map((f) => f.id));
    throw new ScimError(400, `No user with id ${nums.find((x) => !have.has(x!))} in this workspace.`, 'invalidValue');
  }
  return found.map((f) => f.id);
}

async function assertNameFree(trx: Knex.Transaction, workspaceId: number, name: string, externalId: string | null, exceptId: number | null) {
  const q = trx('groups').select('id').where({ workspace_id: workspaceId }).where((w) => (externalId ? w.where('name', name).orWhere('external_id', externalId) : w.where('name', name)));
  if (exceptId) q.whereNot('id', exceptId);
  if ((await q).length) throw new ScimError(409, 'A group with this displayName or externalId already exists in this workspace.', 'uniqueness');
}

async function emailsOf(trx: Knex.Transaction, ids: number[]): Promise<string[]> {
  if (ids.length === 0) return [];
  return (await trx('users').select('email').whereIn('id', ids).orderBy('email')).map((r: { email: string }) => r.email);
}

export async function createGroup(db: Knex, workspaceId: number, actor: Actor, g: { displayName: string; externalId: string | null; members: string[] }): Promise<number> {
  return db.transaction(async (trx) => {
    await assertNameFree(trx, workspaceId, g.displayName, g.externalId, null);
    const members = await checkedMembers(trx, workspaceId, g.members);
    const now = toDbTime(new Date());
    const [id] = await trx('groups').insert({ workspace_id: workspaceId, external_id: g.externalId ?? GENERATED_PREFIX + crypto.randomUUID(), name: g.displayName, status: 'active', created_at: now, updated_at: now });
    const gid = Number(id);
    if (members.length) await trx('group_members').insert(members.map((u) => ({ group_id: gid, user_id: u, workspace_id: workspaceId, added_at: now })));
    await recordAudit(trx, { workspaceId, actor, action: 'scim.group.create', targetType: 'group', targetId: gid, before: null, after: { displayName: g.displayName, externalId: g.externalId, members: await emailsOf(trx, members) } });
    return gid;
  });
}

/** PUT or PATCH a group: `change` gets the current state and a member-id checker. */
export async function updateGroup(
  db: Knex,
  workspaceId: number,
  actor: Actor,
  id: string,
  change: (s: GroupState, resolve: (ids: string[]) => number[]) => GroupState,
): Promise<void> {
  await db.transaction(async (trx) => {
    const g = await findGroup(trx, workspaceId, id, true);
    const current = await trx('group_members').select('user_id').where({ group_id: g.id });
    const before: GroupState = { displayName: g.name, externalId: g.external_id.startsWith(GENERATED_PREFIX) ? null : g.external_id, members: new Set(current.map((c: { user_id: number }) => c.user_id)) };
    // Member ids named in the ops are checked in one query before the ops run.
    const named: string[] = [];
    change(before, (ids) => {
      named.push(...ids);
      return ids.map(Number).filter(Number.isFinite);
    });
    const valid = new Set(await checkedMembers(trx, workspaceId, named));
    const after = change(before, (ids) => ids.map(Number).filter((x) => valid.has(x)));
    if (after.displayName !== before.displayName || after.externalId !== before.externalId) await assertNameFree(trx, workspaceId, after.displayName, after.externalId !== before.externalId ? after.externalId : null, g.id);
    const added = [...after.members].filter((u) => !before.members.has(u));
    const removed = [...before.members].filter((u) => !after.members.has(u));
    const renamed = after.displayName !== before.displayName || after.externalId !== before.externalId;
    if (!added.length && !removed.length && !renamed) return;
    const now = toDbTime(new Date());
    if (renamed) await trx('groups').where({ id: g.id }).update({ name: after.displayName, external_id: after.externalId ?? (before.externalId ? GENERATED_PREFIX + crypto.randomUUID() : g.external_id), updated_at: now });
    else await trx('groups').where({ id: g.id }).update({ updated_at: now });
    if (removed.length) await trx('group_members').where({ group_id: g.id }).whereIn('user_id', removed).delete();
    if (added.length) await trx('group_members').insert(added.map((u) => ({ group_id: g.id, user_id: u, workspace_id: workspaceId, added_at: now })));
    await recordAudit(trx, {
      workspaceId,
      actor,
      action: 'scim.group.update',
      targetType: 'group',
      targetId: g.id,
      before: { displayName: before.displayName, externalId: before.externalId },
      after: { displayName: after.displayName, externalId: after.externalId, membersAdded: await emailsOf(trx, added), membersRemoved: await emailsOf(trx, removed) },
    });
  });
}

export async function deleteGroup(db: Knex, workspaceId: number, actor: Actor, id: string): Promise<void> {
  await db.transaction(async (trx) => {
    const g = await findGroup(trx, workspaceId, id, true);
    const members = (await trx('group_members').select('user_id').where({ group_id: g.id })).map((m: { user_id: number }) => m.user_id);
    await trx('group_members').where({ group_id: g.id }).delete();
    await trx('groups').where({ id: g.id }).delete();
    await recordAudit(trx, { workspaceId, actor, action: 'scim.group.delete', targetType: 'group', targetId: g.id, before: { displayName: g.name, externalId: g.external_id, members: await emailsOf(trx, members) }, after: null });
  });
}
