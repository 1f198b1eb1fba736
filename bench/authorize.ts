// Set-up for measuring POST /api/v1/authorize: an ingest key for the main workspace and a few
// limits in every layer (workspace default, the heaviest user's groups' shared budgets and
// per-member limits, a user override), all removed again afterwards so the dataset is unchanged.
import type { Knex } from 'knex';
import { createDb } from '../src/db/knex';
import { createApiKey } from '../src/apikeys/keys';
import { insertPolicy } from '../src/limits/queries';
import type { DatasetInfo } from './dataset';

export interface AuthorizeSetup {
  /** request bodies: tokens only, and tokens with a priced credit action; each with its own key */
  bodies: { id: string; body: string; apiKey: string }[];
  /** another ingest key of the workspace (removed by cleanup): one per measurement, see below */
  newKey(): Promise<string>;
  cleanup(): Promise<void>;
}

const NOTE = 'bench: authorize';

async function removeBenchRows(db: Knex, ws: number, note: string) {
  await db('limit_policies').where({ workspace_id: ws, note }).delete();
  await db('api_keys').where({ workspace_id: ws, name: note }).delete();
}

/** Runs `fn` on a connection of its own (the set-up's own pool is closed when it returns). */
async function withDb<T>(url: string, fn: (db: Knex) => Promise<T>): Promise<T> {
  const db = createDb(url, { poolMax: 1 });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** `note` marks the rows it writes (and removes): a second measuring process names its own. */
export async function prepareAuthorize(url: string, dataset: Pick<DatasetInfo, 'workspaceId' | 'topUserId'>, note = NOTE): Promise<AuthorizeSetup> {
  const db = createDb(url, { poolMax: 2 });
  const ws = dataset.workspaceId;
  try {
    await removeBenchRows(db, ws, note);
    const user = await db('users').select('id', 'email').where({ workspace_id: ws, id: dataset.topUserId }).first();
    const groups: number[] = (await db('group_members').select('group_id').where({ workspace_id: ws, user_id: user.id })).map((r: { group_id: number }) => Number(r.group_id));
    const base = { userId: null, groupId: null, appliesTo: 'member' as const, expiresAt: null, note };
    await insertPolicy(db, ws, { ...base, scope: 'workspace', metric: 'inference', period: 'month', amount: 5_000_000, mode: 'soft' }, null);
    await insertPolicy(db, ws, { ...base, scope: 'workspace', metric: 'embedding', period: 'week', amount: 2_000_000, mode: 'hard' }, null);
    for (const g of groups) {
      await insertPolicy(db, ws, { ...base, scope: 'group', groupId: g, appliesTo: 'shared', metric: 'inference', period: 'month', amount: 500_000_000, mode: 'hard' }, null);
      await insertPolicy(db, ws, { ...base, scope: 'group', groupId: g, metric: 'credits', period: 'month', amount: 100_000, mode: 'soft' }, null);
    }
    await insertPolicy(db, ws, { ...base, scope: 'user', userId: user.id, metric: 'inference', period: 'day', amount: 1_000_000, mode: 'hard' }, null);
    // One key per body (and the runner takes a new one per measurement), as several platform
    // callers would have: the call's per-key counter then measures as in production, each key's
    // minute holding one measurement's calls.
    const key = () => withDb(url, async (c) => (await createApiKey(c, ws, note, null, ['ingest'])).key);
    return {
      bodies: [
        { id: `authorize tokens (${groups.length} group budgets)`, body: JSON.stringify({ user: user.email, tokens: { inference: 1200, embedding: 0 } }), apiKey: await key() },
        { id: 'authorize tokens + credits', body: JSON.stringify({ user: user.email, tokens: { inference: 1200 }, credits: { action: 'api', quantity: 1 } }), apiKey: await key() },
      ],
      newKey: key,
      cleanup: () => withDb(url, (c) => removeBenchRows(c, ws, note)),
    };
  } finally {
    await db.destroy();
  }
}
