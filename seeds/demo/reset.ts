// Removes the demo workspaces and everything of theirs (npm run seed -- --reset).
import type { Knex } from 'knex';
import { listTables } from '../../src/db/dialect';

export const DEMO_SLUGS = ['acme', 'globex'] as const;

export async function deleteDemoWorkspaces(db: Knex): Promise<void> {
  const wss = await db('workspaces').select('id').whereIn('slug', [...DEMO_SLUGS]);
  const ids = wss.map((w: { id: number }) => w.id);
  if (!ids.length) return;
  const tables = (await listTables(db)).filter((t) => t !== 'workspaces' && !t.startsWith('knex_'));
  // Children first: tables with a foreign key to users/groups before those tables.
  const order = (t: string) => (t === 'users' ? 3 : t === 'groups' || t === 'agents' ? 2 : 1);
  tables.sort((a, b) => order(a) - order(b));
  for (const t of tables) {
    if (await db.schema.hasColumn(t, 'workspace_id')) await db(t).whereIn('workspace_id', ids).delete();
  }
  await db('workspaces').whereIn('id', ids).delete();
}
