// Read API targets of the benchmark (issue 18): GET /api/v1/usage grouped by user per month over
// the 12-month range, and by model per day over the last 90 days, each with its own `read` key
// (the API's rate limit is per key, so the load of one target never throttles another).
import { createDb } from '../src/db/knex';
import { addDays } from '../src/db/time';
import { createApiKey } from '../src/apikeys/keys';
import type { PageTarget } from './load';
import type { BenchContext } from './routes';

const KEY_NAME = 'bench-read';

export const READ_API_QUERIES = [
  { id: 'api usage group_by=user&bucket=month (12 months)', query: (c: BenchContext) => `metric=tokens&group_by=user&bucket=month&from=${c.from}&to=${c.to}&limit=10000` },
  { id: 'api usage group_by=model&bucket=day (90 days)', query: (c: BenchContext) => `metric=tokens&group_by=model&bucket=day&from=${addDays(c.to, -89)}&to=${c.to}&limit=10000` },
];

export async function readApiTargets(url: string, workspaceId: number, ctx: BenchContext, base: string): Promise<PageTarget[]> {
  const db = createDb(url, { poolMax: 1 });
  try {
    await db('api_keys').where({ workspace_id: workspaceId, name: KEY_NAME }).delete();
    const out: PageTarget[] = [];
    for (const q of READ_API_QUERIES) {
      const { key } = await createApiKey(db, workspaceId, KEY_NAME, null, ['read']);
      out.push({ id: q.id, url: `${base}/api/v1/usage?${q.query(ctx)}`, headers: { Authorization: `Bearer ${key}` } });
    }
    return out;
  } finally {
    await db.destroy();
  }
}
