// Demo data (placeholder: workspaces and demo logins only; the realistic organisation comes next).
import type { Knex } from 'knex';
import { hashPassword } from '../src/auth/password';
import { upsertUser } from '../src/ingest/roster';
import { toDbTime } from '../src/db/time';

export interface DemoOptions {
  users?: number;
  months?: number;
  seed?: number;
  reset?: boolean;
}

export async function seedDemo(db: Knex, _opts: DemoOptions) {
  const now = toDbTime(new Date());
  const [acme] = await db('workspaces').insert({ slug: 'acme', name: 'Acme Corp', billing_mode: 'credits', purchased_inference_tokens: 500_000_000, purchased_embedding_tokens: 100_000_000, created_at: now });
  const [globex] = await db('workspaces').insert({ slug: 'globex', name: 'Globex', billing_mode: 'seat', created_at: now });
  const joined = new Date();
  await upsertUser(db, Number(acme), { email: 'admin@acme.test', name: 'Ada Admin', role: 'admin', status: 'active', joinedAt: joined, passwordHash: await hashPassword('demo-admin-1') });
  await upsertUser(db, Number(acme), { email: 'member@acme.test', name: 'Max Member', role: 'member', status: 'active', joinedAt: joined, passwordHash: await hashPassword('demo-member-1') });
  await upsertUser(db, Number(globex), { email: 'admin@globex.test', name: 'Gina Globex', role: 'admin', status: 'active', joinedAt: joined, passwordHash: await hashPassword('demo-admin-2') });
  return { workspaces: 2, users: 3 };
}
