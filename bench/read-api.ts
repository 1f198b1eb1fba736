// Read API targets of the benchmark (issue 18): GET /api/v1/usage grouped by user per month over
// the 12-month range, and by model per day over the last 90 days, each with its own `read` key
// (the API's rate limit is per key, so the load of one target never throttles another). And the
// identity provider's reads of SCIM (issue 19): a user found by userName, and the roster's last
// page of 100 by startIndex, with a `scim` key each.
import { createDb } from '../src/db/knex';
import { addDays } from '../src/db/time';
import { createApiKey } from '../src/apikeys/keys';
import type { PageTarget } from './load';
import type { BenchContext } from './routes';

const KEY_NAME = 'bench-read';
const SCIM_KEY_NAME = 'bench-scim';

export const READ_API_QUERIES = [
  { id: 'api usage group_by=user&bucket=month (12 months)', query: (c: BenchContext) => `metric=tokens&group_by=user&bucket=month&from=${c.from}&to=${c.to}&limit=10000` },
  { id: 'api usage group_by=model&bucket=day (90 days)', query: (c: BenchContext) => `metric=tokens&group_by=model&bucket=day&from=${addDays(c.to, -89)}&to=${c.to}&limit=10000` },
];

export async function readApiTargets(url: string, workspaceId: number, ctx: BenchContext, base: string): Promise<PageTarget[]> {
  const db = createDb(url, { poolMax: 1 });
  try {
    await db('api_keys').where({ workspace_id: workspaceId }).whereIn('name', [KEY_NAME, SCIM_KEY_NAME]).delete();
    const users = Number((await db('users').where({ workspace_id: workspaceId }).count({ n: '*' }))[0].n);
    // a user from the middle of the roster, by the address the identity provider knows them by
    const middle = await db('users').select('email').where({ workspace_id: workspaceId }).orderBy('id').offset(Math.floor(users / 2)).first();
    const startIndex = Math.max(1, users - 99);
    const targets = [
      ...READ_API_QUERIES.map((q) => ({ id: q.id, path: `/api/v1/usage?${q.query(ctx)}`, scope: 'read' as const, accept: 'application/json' })),
      { id: 'scim Users?filter=userName eq', path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${middle.email}"`)}`, scope: 'scim' as const, accept: 'application/scim+json' },
      { id: `scim Users?startIndex=${startIndex}&count=100 (last page)`, path: `/scim/v2/Users?startIndex=${startIndex}&count=100`, scope: 'scim' as const, accept: 'application/scim+json' },
    ];
    const out: PageTarget[] = [];
    for (const t of targets) {
      const { key } = await createApiKey(db, workspaceId, t.scope === 'scim' ? SCIM_KEY_NAME : KEY_NAME, null, [t.scope]);
      out.push({ id: t.id, url: base + t.path, headers: { Authorization: `Bearer ${key}`, Accept: t.accept } });
    }
    return out;
  } finally {
    await db.destroy();
  }
}
