// Small, explicit fixtures: workspaces and users with known passwords, written through the app's
// own write path so rollups are upkept exactly as in production.
import type { Knex } from 'knex';
import { hashPassword } from '../../src/auth/password';
import { upsertUser, type UserUpsert } from '../../src/ingest/roster';
import { toDbTime } from '../../src/db/time';

export const PASSWORD = 'correct-horse-battery';
let hashed: Promise<string> | null = null;
const passwordHash = () => (hashed ??= hashPassword(PASSWORD));

export interface WorkspaceFixture {
  id: number;
  slug: string;
}

export async function createWorkspace(db: Knex, fields: Record<string, unknown> = {}): Promise<WorkspaceFixture> {
  const slug = (fields.slug as string) ?? `ws${Math.random().toString(36).slice(2, 8)}`;
  const [id] = await db('workspaces').insert({ slug, name: slug.toUpperCase(), created_at: toDbTime(new Date()), ...fields, });
  return { id: Number(id), slug };
}

export async function createUser(db: Knex, workspaceId: number, u: Partial<UserUpsert> & { email: string }): Promise<number> {
  const { id } = await upsertUser(db, workspaceId, {
    name: u.email.split('@')[0],
    role: 'member',
    status: 'active',
    joinedAt: new Date('2025-01-01T00:00:00Z'),
    passwordHash: await passwordHash(),
    ...u,
  });
  return id;
}

/**
 * The standard two-workspace world for route/role tests: workspace A with an admin and a member,
 * workspace B with its own admin.
 */
export async function twoWorkspaces(db: Knex) {
  const a = await createWorkspace(db, { slug: 'alpha', name: 'Alpha Inc', billing_mode: 'credits' });
  const b = await createWorkspace(db, { slug: 'beta', name: 'Beta LLC', billing_mode: 'seat' });
  const adminA = await createUser(db, a.id, { email: 'admin@alpha.test', name: 'Alice Admin', role: 'admin' });
  const memberA = await createUser(db, a.id, { email: 'member@alpha.test', name: 'Mark Member', role: 'member' });
  const adminB = await createUser(db, b.id, { email: 'admin@beta.test', name: 'Bea Admin', role: 'admin' });
  return { a, b, adminA, memberA, adminB };
}
