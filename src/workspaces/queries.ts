// Every query on the `workspaces` table: the one loader (by id, by slug, under a shared lock),
// the list and count of workspaces, and the settings update. Nothing else reads the table.
import type { Knex } from 'knex';
import { forShare } from '../db/dialect';
import type { Workspace } from './workspace';

/** The workspace with this id, or undefined. */
export async function findWorkspace(db: Knex, id: number): Promise<Workspace | undefined> {
  return db('workspaces').where({ id }).first();
}

/** The workspace with this id; a missing one is a programming error (the caller holds its id). */
export async function loadWorkspace(db: Knex, id: number): Promise<Workspace> {
  const ws = await findWorkspace(db, id);
  if (!ws) throw new Error(`workspace ${id} not found`);
  return ws;
}

export async function findWorkspaceBySlug(db: Knex, slug: string): Promise<Workspace | undefined> {
  return db('workspaces').where({ slug }).first();
}

/**
 * The workspace re-read inside a transaction under a shared lock: settings committed meanwhile are
 * seen, and inserts elsewhere that check their foreign key to the workspace are not blocked.
 */
export async function loadWorkspaceShared(trx: Knex, id: number): Promise<Workspace> {
  const ws = await forShare(trx, trx('workspaces').where({ id })).first();
  if (!ws) throw new Error(`workspace ${id} not found`);
  return ws;
}

export async function workspaceIds(db: Knex): Promise<number[]> {
  return (await db('workspaces').select('id').orderBy('id')).map((w: { id: number }) => Number(w.id));
}

export async function countWorkspaces(db: Knex): Promise<number> {
  const row = await db('workspaces').count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function updateWorkspace(db: Knex, id: number, patch: Partial<Omit<Workspace, 'id' | 'slug' | 'created_at'>>): Promise<void> {
  await db('workspaces').where({ id }).update(patch);
}
