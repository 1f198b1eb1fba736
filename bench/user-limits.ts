// Set-up for measuring User Management by limit status: limits in every period for the whole
// workspace, so the limit status filter and the limit use sort read the day, week and month (and
// credits) for every user, as an enterprise with layered limits would. A weekly embedding default
// for everyone, a daily inference limit per member of every group and a monthly credit limit per
// member of every third group, on top of the dataset's allocations; all removed again afterwards so
// the dataset is unchanged.
import type { Knex } from 'knex';
import { createDb } from '../src/db/knex';
import { insertPolicy } from '../src/limits/queries';

const NOTE = 'bench: user limits';

export async function addUserLimits(db: Knex, ws: number): Promise<number> {
  await removeUserLimits(db, ws);
  const base = { userId: null, groupId: null, appliesTo: 'member' as const, expiresAt: null, note: NOTE };
  await insertPolicy(db, ws, { ...base, scope: 'workspace', metric: 'embedding', period: 'week', amount: 200_000, mode: 'soft' }, null);
  const groups: number[] = (await db('groups').select('id').where({ workspace_id: ws }).orderBy('id')).map((r: { id: number }) => Number(r.id));
  for (const [i, g] of groups.entries()) {
    await insertPolicy(db, ws, { ...base, scope: 'group', groupId: g, metric: 'inference', period: 'day', amount: 20_000 + 1000 * (i % 10), mode: 'soft' }, null);
    if (i % 3 === 0) await insertPolicy(db, ws, { ...base, scope: 'group', groupId: g, metric: 'credits', period: 'month', amount: 500, mode: 'hard' }, null);
  }
  return 1 + groups.length + Math.ceil(groups.length / 3);
}

export async function removeUserLimits(db: Knex, ws: number): Promise<void> {
  await db('limit_policies').where({ workspace_id: ws, note: NOTE }).delete();
}

/** Adds the limits through its own connection; `cleanup` removes them. */
export async function prepareUserLimits(url: string, ws: number): Promise<{ policies: number; cleanup(): Promise<void> }> {
  const db = createDb(url, { poolMax: 1 });
  try {
    const policies = await addUserLimits(db, ws);
    return {
      policies,
      async cleanup() {
        const c = createDb(url, { poolMax: 1 });
        try {
          await removeUserLimits(c, ws);
        } finally {
          await c.destroy();
        }
      },
    };
  } finally {
    await db.destroy();
  }
}
