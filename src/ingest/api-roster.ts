// Roster, agent and group upserts for the ingestion API: builds on roster.ts, keeps status dates
// consistent, and audits real changes under the key's name ('api-key:<prefix>').
import type { Knex } from 'knex';
import type { z } from 'zod';
import { recordAudit, type Actor } from '../audit/audit';
import { HttpError } from '../http/errors';
import { upsertAgent, upsertGroup, upsertUser } from './roster';
import type { agentBodySchema, groupBodySchema, userBodySchema } from './schemas';
import { utcCell, type RosterRow } from '../csv/definitions';

const USER_FIELDS = ['email', 'name', 'role', 'department', 'status', 'invited_at', 'joined_at', 'revoked_at', 'max_inference_tokens', 'max_embedding_tokens', 'may_spend_credits'] as const;

/** A user as the API answers it: the roster row of the exports, without the internal id, plus allocations. */
export interface ApiUser extends Omit<RosterRow, 'id'> {
  max_inference_tokens: number;
  max_embedding_tokens: number;
  may_spend_credits: boolean;
}

/** ISO 8601 UTC, or null: the same formatting as the exports' datetime cells. */
function isoOrNull(v: unknown): string | null {
  return v == null || v === '' ? null : utcCell(v);
}

function publicUser(row: Record<string, unknown>): ApiUser {
  return {
    email: String(row.email),
    name: String(row.name),
    role: String(row.role),
    department: (row.department as string | null) ?? null,
    status: String(row.status),
    invited_at: isoOrNull(row.invited_at),
    joined_at: isoOrNull(row.joined_at),
    revoked_at: isoOrNull(row.revoked_at),
    max_inference_tokens: Number(row.max_inference_tokens),
    max_embedding_tokens: Number(row.max_embedding_tokens),
    may_spend_credits: !!row.may_spend_credits,
  };
}

async function loadUser(db: Knex, workspaceId: number, email: string) {
  return db('users').select(...USER_FIELDS).where({ workspace_id: workspaceId, email }).first();
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export async function putUser(db: Knex, workspaceId: number, actor: Actor, email: string, body: z.infer<typeof userBodySchema>) {
  const beforeRow = await loadUser(db, workspaceId, email);
  const before = beforeRow ? publicUser(beforeRow) : null;
  const now = new Date();
  const status = body.status;
  await upsertUser(db, workspaceId, {
    email,
    name: body.name ?? before?.name ?? email.split('@')[0],
    role: body.role,
    department: body.department,
    status,
    // Status dates follow the status: joining stamps joined_at once, revoking stamps revoked_at.
    joinedAt: status === 'active' && !before?.joined_at ? now : undefined,
    revokedAt: status === 'revoked' ? (before?.status === 'revoked' ? undefined : now) : status ? null : undefined,
    maxInferenceTokens: body.max_inference_tokens,
    maxEmbeddingTokens: body.max_embedding_tokens,
    maySpendCredits: body.may_spend_credits,
  });
  const after = publicUser((await loadUser(db, workspaceId, email))!);
  if (!same(before, after)) {
    await recordAudit(db, { workspaceId, actor, action: before ? 'api.user.update' : 'api.user.create', targetType: 'user', targetId: email, before: before ?? undefined, after });
  }
  return { created: !before, user: after };
}

function publicAgent(row: Record<string, unknown>) {
  return {
    id: String(row.external_id),
    name: String(row.name),
    kind: String(row.kind),
    type: String(row.type),
    visibility: String(row.visibility),
    creator: (row.creator_email as string | null) ?? null,
    status: String(row.status),
    created_at: isoOrNull(row.created_at),
  };
}

async function loadAgent(db: Knex, workspaceId: number, externalId: string) {
  return db('agents as a')
    .leftJoin('users as u', 'u.id', 'a.creator_user_id')
    .select('a.external_id', 'a.name', 'a.kind', 'a.type', 'a.visibility', 'a.status', 'a.created_at', 'u.email as creator_email')
    .where({ 'a.workspace_id': workspaceId, 'a.external_id': externalId })
    .first();
}

async function unknownEmails(db: Knex, workspaceId: number, emails: string[]): Promise<string[]> {
  const unique = [...new Set(emails)];
  const known = new Set<string>();
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db('users').select('email').where('workspace_id', workspaceId).whereIn('email', unique.slice(i, i + 500));
    for (const r of rows) known.add(String(r.email).toLowerCase());
  }
  return unique.filter((e) => !known.has(e));
}

export async function putAgent(db: Knex, workspaceId: number, actor: Actor, externalId: string, body: z.infer<typeof agentBodySchema>) {
  if (body.creator && (await unknownEmails(db, workspaceId, [body.creator])).length) {
    throw new HttpError(422, `creator: no user with email ${body.creator} in this workspace`, 'validation_failed', { creator: 'no such user in this workspace' });
  }
  const beforeRow = await loadAgent(db, workspaceId, externalId);
  const before = beforeRow ? publicAgent(beforeRow) : null;
  await upsertAgent(db, workspaceId, {
    externalId,
    name: body.name,
    kind: body.kind,
    type: body.type,
    visibility: body.visibility,
    creatorEmail: body.creator,
    status: body.status,
    createdAt: body.created_at,
  });
  const after = publicAgent((await loadAgent(db, workspaceId, externalId))!);
  if (!same(before, after)) {
    await recordAudit(db, { workspaceId, actor, action: before ? 'api.agent.update' : 'api.agent.create', targetType: 'agent', targetId: externalId, before: before ?? undefined, after });
  }
  return { created: !before, agent: after };
}

async function loadGroup(db: Knex, workspaceId: number, externalId: string) {
  const g = await db('groups').select('id', 'external_id', 'name', 'status', 'knowledge_applied', 'brand_voice_applied').where({ workspace_id: workspaceId, external_id: externalId }).first();
  if (!g) return null;
  const members = await db('group_members as m').join('users as u', 'u.id', 'm.user_id').where('m.group_id', g.id).orderBy('u.email').pluck('u.email');
  return {
    id: String(g.external_id),
    name: String(g.name),
    status: String(g.status),
    knowledge_applied: !!g.knowledge_applied,
    brand_voice_applied: !!g.brand_voice_applied,
    members: members.map(String),
  };
}

export async function putGroup(db: Knex, workspaceId: number, actor: Actor, externalId: string, body: z.infer<typeof groupBodySchema>) {
  if (body.members?.length) {
    const unknown = await unknownEmails(db, workspaceId, body.members);
    if (unknown.length) {
      const shown = unknown.slice(0, 20).join(', ') + (unknown.length > 20 ? ` and ${unknown.length - 20} more` : '');
      throw new HttpError(422, `members: no user in this workspace with email ${shown}; nothing was changed`, 'validation_failed', { unknown_members: unknown });
    }
  }
  const before = await loadGroup(db, workspaceId, externalId);
  await upsertGroup(db, workspaceId, {
    externalId,
    name: body.name,
    status: body.status,
    knowledgeApplied: body.knowledge_applied,
    brandVoiceApplied: body.brand_voice_applied,
    members: body.members,
  });
  const after = (await loadGroup(db, workspaceId, externalId))!;
  if (!same(before, after)) {
    await recordAudit(db, { workspaceId, actor, action: before ? 'api.group.update' : 'api.group.create', targetType: 'group', targetId: externalId, before: before ?? undefined, after });
  }
  return { created: !before, group: after };
}
