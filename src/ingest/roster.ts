// Upserts of the roster, agents and groups (with members): used by the API, the seeds and the admin UI.
import type { Knex } from 'knex';
import { toDbTime } from '../db/time';
import type { Role, UserStatus } from '../domain/model';

export interface UserUpsert {
  email: string;
  name: string;
  role?: Role;
  department?: string | null;
  status?: UserStatus;
  invitedAt?: Date | null;
  joinedAt?: Date | null;
  revokedAt?: Date | null;
  maxInferenceTokens?: number;
  maxEmbeddingTokens?: number;
  maySpendCredits?: boolean;
  passwordHash?: string | null;
}

const t = (d: Date | null | undefined) => (d === undefined ? undefined : d === null ? null : toDbTime(d));

function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Inserts or updates a user by (workspace, email); returns the id and whether it was created. */
export async function upsertUser(db: Knex, workspaceId: number, u: UserUpsert): Promise<{ id: number; created: boolean }> {
  const email = u.email.trim().toLowerCase();
  const now = toDbTime(new Date());
  const fields = dropUndefined({
    name: u.name,
    role: u.role,
    department: u.department,
    status: u.status,
    invited_at: t(u.invitedAt),
    joined_at: t(u.joinedAt),
    revoked_at: t(u.revokedAt),
    max_inference_tokens: u.maxInferenceTokens,
    max_embedding_tokens: u.maxEmbeddingTokens,
    may_spend_credits: u.maySpendCredits,
    password_hash: u.passwordHash,
  });
  const existing = await db('users').select('id').where({ workspace_id: workspaceId, email }).first();
  if (existing) {
    await db('users').where({ id: existing.id }).update({ ...fields, updated_at: now });
    return { id: existing.id, created: false };
  }
  const [id] = await db('users').insert({
    workspace_id: workspaceId,
    email,
    status: 'invited',
    role: 'member',
    invited_at: now,
    ...fields,
    created_at: now,
    updated_at: now,
  });
  return { id: Number(id), created: true };
}

export interface AgentUpsert {
  externalId: string;
  name: string;
  kind: 'public' | 'custom';
  type?: string;
  visibility?: string;
  creatorEmail?: string | null;
  status?: 'active' | 'archived';
  createdAt?: Date;
}

export async function upsertAgent(db: Knex, workspaceId: number, a: AgentUpsert): Promise<{ id: number; created: boolean }> {
  const now = toDbTime(new Date());
  let creatorId: number | null | undefined = undefined;
  if (a.creatorEmail !== undefined) {
    creatorId = a.creatorEmail
      ? ((await db('users').select('id').where({ workspace_id: workspaceId, email: a.creatorEmail.toLowerCase() }).first())?.id ?? null)
      : null;
  }
  const fields = dropUndefined({ name: a.name, kind: a.kind, type: a.type, visibility: a.visibility, status: a.status, creator_user_id: creatorId });
  const existing = await db('agents').select('id').where({ workspace_id: workspaceId, external_id: a.externalId }).first();
  if (existing) {
    await db('agents').where({ id: existing.id }).update({ ...fields, updated_at: now });
    return { id: existing.id, created: false };
  }
  const [id] = await db('agents').insert({
    workspace_id: workspaceId,
    external_id: a.externalId,
    ...fields,
    created_at: a.createdAt ? toDbTime(a.createdAt) : now,
    updated_at: now,
  });
  return { id: Number(id), created: true };
}

export interface GroupUpsert {
  externalId: string;
  name: string;
  status?: 'active' | 'archived';
  knowledgeApplied?: boolean;
  brandVoiceApplied?: boolean;
  /** member emails; replaces the membership when given */
  members?: string[];
}

export interface GroupUpsertResult {
  id: number;
  created: boolean;
  unknownMembers: string[];
}

export async function upsertGroup(db: Knex, workspaceId: number, g: GroupUpsert): Promise<GroupUpsertResult> {
  return db.transaction(async (trx) => {
    const now = toDbTime(new Date());
    const fields = dropUndefined({
      name: g.name,
      status: g.status,
      knowledge_applied: g.knowledgeApplied,
      brand_voice_applied: g.brandVoiceApplied,
    });
    const existing = await trx('groups').select('id').where({ workspace_id: workspaceId, external_id: g.externalId }).first();
    let id: number;
    if (existing) {
      id = existing.id;
      await trx('groups').where({ id }).update({ ...fields, updated_at: now });
    } else {
      const [newId] = await trx('groups').insert({ workspace_id: workspaceId, external_id: g.externalId, ...fields, created_at: now, updated_at: now });
      id = Number(newId);
    }
    const unknownMembers: string[] = [];
    if (g.members) {
      const emails = [...new Set(g.members.map((m) => m.trim().toLowerCase()))];
      const users = emails.length ? await trx('users').select('id', 'email').where('workspace_id', workspaceId).whereIn('email', emails) : [];
      const byEmail = new Map(users.map((u: { id: number; email: string }) => [u.email, u.id]));
      for (const e of emails) if (!byEmail.has(e)) unknownMembers.push(e);
      const current = await trx('group_members').select('user_id', 'added_at').where({ group_id: id });
      const keep = new Map(current.map((c: { user_id: number; added_at: string }) => [c.user_id, c.added_at]));
      await trx('group_members').where({ group_id: id }).delete();
      const rows = [...byEmail.values()].map((userId) => ({ group_id: id, user_id: userId, workspace_id: workspaceId, added_at: keep.get(userId) ?? now }));
      if (rows.length) await trx('group_members').insert(rows);
    }
    return { id, created: !existing, unknownMembers };
  });
}
