// A quick, in-process look at the authorize decision's cost on a real database, without the HTTP
// layer: `tsx bench/authorize-micro.ts [DATABASE_URL]` (default: a MariaDB database
// uc_authorize_micro). Builds 2,000 users in 33 groups with 35 days of per-user rollups, limits in
// every layer, then times authorize() warm (cache valid) and after every new event (cache stale).
import { createDb, ensureDatabase } from '../src/db/knex';
import { migrateLatest } from '../src/db/migrate';
import { toDbTime, dayOf, addDays } from '../src/db/time';
import { authorize } from '../src/limits/authorize';
import { clearLimitsCache } from '../src/limits/service';
import { insertPolicy } from '../src/limits/queries';
import { percentile } from './load';

async function main() {
  const url = process.argv[2] ?? 'mysql://root@127.0.0.1:3306/uc_authorize_micro';
  if (url.startsWith('mysql')) await ensureDatabase(url);
  const db = createDb(url, { poolMax: 4 });
  await migrateLatest(db);
  let ws = await db('workspaces').where({ slug: 'micro' }).first();
  const now = new Date();
  const today = dayOf(now, 'America/Chicago');
  if (!ws) {
    const [id] = await db('workspaces').insert({ slug: 'micro', name: 'Micro', created_at: toDbTime(now) });
    ws = { id };
    const users = Array.from({ length: 2000 }, (_, i) => ({ workspace_id: id, email: `u${i}@micro.test`, name: `U ${i}`, status: 'active', created_at: toDbTime(now), updated_at: toDbTime(now), max_inference_tokens: i % 3 === 0 ? 2_000_000 : 0 }));
    for (let i = 0; i < users.length; i += 500) await db('users').insert(users.slice(i, i + 500));
    const ids: number[] = (await db('users').select('id').where({ workspace_id: id }).orderBy('id')).map((r: any) => Number(r.id));
    for (let g = 0; g < 33; g++) {
      const [gid] = await db('groups').insert({ workspace_id: id, external_id: `g${g}`, name: `Group ${g}`, created_at: toDbTime(now), updated_at: toDbTime(now) });
      const members = ids.filter((_, i) => i % 33 === g).map((u) => ({ group_id: gid, user_id: u, workspace_id: id, added_at: toDbTime(now) }));
      await db('group_members').insert(members);
      await insertPolicy(db, id, { scope: 'group', groupId: gid, userId: null, appliesTo: 'shared', metric: 'inference', period: 'month', amount: 50_000_000, mode: 'hard', expiresAt: null, note: null }, null);
      await insertPolicy(db, id, { scope: 'group', groupId: gid, userId: null, appliesTo: 'member', metric: 'inference', period: 'month', amount: 1_000_000, mode: 'soft', expiresAt: null, note: null }, null);
    }
    await insertPolicy(db, id, { scope: 'workspace', groupId: null, userId: null, appliesTo: 'member', metric: 'embedding', period: 'week', amount: 100_000, mode: 'hard', expiresAt: null, note: null }, null);
    const rows: any[] = [];
    for (const u of ids) for (let d = 0; d < 35; d++) for (const k of ['inference', 'embedding']) rows.push({ workspace_id: id, day: addDays(today, -d), user_id: u, token_kind: k, interactions: 3, iq_interactions: 1, total_tokens: 1000 + (u % 97) });
    for (let i = 0; i < rows.length; i += 1000) await db('rollup_daily_user').insert(rows.slice(i, i + 1000));
    await db('interactions').insert({ workspace_id: id, user_id: ids[0], client_event_id: 'seed', occurred_at: toDbTime(now), day: today, surface: 'chat', model: 'm', token_kind: 'inference' });
  }
  const body = { user: 'u7@micro.test', tokens: { inference: 1200, embedding: 0 } };
  const time = async (n: number, before?: (i: number) => Promise<void>) => {
    const t: number[] = [];
    for (let i = 0; i < n; i++) {
      if (before) await before(i);
      const s = process.hrtime.bigint();
      await authorize(db, Number(ws.id), body);
      t.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    t.sort((a, b) => a - b);
    return `p50 ${percentile(t, 50).toFixed(2)} ms, p95 ${percentile(t, 95).toFixed(2)} ms`;
  };
  await time(50);
  console.log(`warm (cache valid):          ${await time(1000)}`);
  let seq = 0;
  const users = (await db('users').select('id').where({ workspace_id: ws.id }).limit(1)) as { id: number }[];
  const newEvent = async () => {
    await db('interactions').insert({ workspace_id: ws.id, user_id: users[0].id, client_event_id: `micro-${Date.now()}-${++seq}`, occurred_at: toDbTime(new Date()), day: today, surface: 'chat', model: 'm', token_kind: 'inference' });
  };
  console.log(`after a new event each time: ${await time(300, newEvent)}`);
  console.log(`cache cleared each time:     ${await time(300, async () => clearLimitsCache(db))}`);
  console.log(`10 concurrent, warm:         ${await (async () => {
    const t: number[] = [];
    await Promise.all(Array.from({ length: 10 }, async () => {
      for (let i = 0; i < 100; i++) {
        const s = process.hrtime.bigint();
        await authorize(db, Number(ws.id), body);
        t.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
    }));
    t.sort((a, b) => a - b);
    return `p50 ${percentile(t, 50).toFixed(2)} ms, p95 ${percentile(t, 95).toFixed(2)} ms`;
  })()}`);
  await db.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
