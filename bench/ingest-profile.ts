// Where ingestion time goes: calls the write path (recordInteractions) directly with the bench's
// batches from N concurrent loops against the bench database, timing every SQL statement by kind
// (knex query / query-response events). Run after `npm run bench` has built the dataset:
//   tsx bench/ingest-profile.ts [--database usage_console_bench] [--batches 40] [--senders 4] [--crossings]
//   [--writers 4 --group-events 1000]
// --crossings also runs a limit-crossing pass after each batch (the app runs one per workspace at
// most every second, off the request path: this is its worst case).
import type { Knex } from 'knex';
import { createDb } from '../src/db/knex';
import { recordInteractions } from '../src/ingest/write-path';
import { configureWriteQueue } from '../src/ingest/write-queue';
import type { InteractionInput } from '../src/domain/model';
import { INGEST_WS_SLUG } from './ingest';
import { benchDbUrl } from './dataset';
import { checkWorkspaceCrossings } from '../src/limits/crossings';

function kindOf(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  const m =
    /^(insert into|update|delete from|select .*? from) [`"]?(\w+)/i.exec(s) ?? /^(select)/i.exec(s) ?? /^(\w+)/.exec(s);
  if (!m) return s.slice(0, 40);
  const verb = m[1].toLowerCase().startsWith('select') ? 'select' : m[1].toLowerCase();
  const lock = /for update/i.test(s) ? ' (for update)' : /lock in share mode|for share/i.test(s) ? ' (for share)' : '';
  const upsert = /on duplicate key/i.test(s) ? ' (upsert)' : '';
  return `${verb} ${m[2] ?? ''}${lock}${upsert}`.trim();
}

async function main() {
  const argv = process.argv.slice(2);
  const arg = (f: string, d: string) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : d);
  const db: Knex = createDb(benchDbUrl(process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306', arg('--database', 'usage_console_bench')), { poolMax: 10 });
  const batches = Number(arg('--batches', '40'));
  const senders = Number(arg('--senders', '4'));
  const crossings = argv.includes('--crossings');
  // --writers N --group-events M: the write queue's settings (src/ingest/write-queue.ts)
  if (argv.includes('--writers') || argv.includes('--group-events')) configureWriteQueue({ writers: Number(arg('--writers', '4')), maxGroupEvents: Number(arg('--group-events', '1000')) });
  const stats = new Map<string, { n: number; ms: number }>();
  const started = new Map<string, { t: number; kind: string }>();
  db.on('query', (q: { __knexQueryUid: string; sql: string }) => started.set(q.__knexQueryUid, { t: performance.now(), kind: kindOf(q.sql) }));
  const done = (q: { __knexQueryUid: string }) => {
    const s = started.get(q.__knexQueryUid);
    if (!s) return;
    started.delete(q.__knexQueryUid);
    const e = stats.get(s.kind) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += performance.now() - s.t;
    stats.set(s.kind, e);
  };
  db.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => done(q));
  db.on('query-error', (_e: unknown, q: { __knexQueryUid: string }) => done(q));
  try {
    const ws = await db('workspaces').where({ slug: INGEST_WS_SLUG }).first();
    if (!ws) throw new Error('no bench-ingest workspace: run npm run bench first');
    const emails: string[] = (await db('users').select('email').where({ workspace_id: ws.id, status: 'active' })).map((u: { email: string }) => u.email);
    const tag = Date.now().toString(36);
    let n = 0;
    const make = (): InteractionInput[] =>
      Array.from({ length: 1000 }, () => {
        n++;
        const surface = ['chat', 'chat', 'agent', 'ask', 'api', 'grid', 'other'][n % 7];
        return {
          id: `prof-${tag}-${n}`,
          user: emails[(n * 31) % emails.length],
          occurredAt: new Date(Date.now() - 3_600_000 - ((n * 613) % (20 * 86_400_000))),
          kind: 'inference' as const,
          surface,
          model: 'gpt-4o',
          promptTokens: 100 + (n % 900),
          completionTokens: 50 + (n % 400),
          iqLayers: n % 3 ? [] : ['knowledge'],
          agent: surface === 'agent' ? `agent-${n % 12}` : null,
          prompt: 'Write a short product update for the newsletter.',
          billable: surface === 'grid' ? { category: 'grid' as const, units: 2 } : surface === 'api' ? { category: 'api' as const, units: 1 } : null,
        };
      });
    const all = Array.from({ length: batches }, make);
    let next = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: senders }, async () => {
        while (next < all.length) {
          const batch = all[next++];
          await recordInteractions(db, ws.id, batch);
          if (crossings) await checkWorkspaceCrossings(db, ws.id);
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const total = [...stats.values()].reduce((a, s) => a + s.ms, 0);
    console.log(`${(batches * 1000).toLocaleString('en-US')} events in ${secs.toFixed(2)} s = ${Math.round((batches * 1000) / secs).toLocaleString('en-US')} events/s (${senders} senders)`);
    console.log(`CPU of this process (the write path, knex, the driver) during the run: ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);
    console.log(`SQL time (summed over connections): ${(total / 1000).toFixed(1)} s`);
    for (const [k, s] of [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
      console.log(`${(s.ms / 1000).toFixed(2).padStart(7)} s ${((100 * s.ms) / total).toFixed(1).padStart(5)}%  ${String(s.n).padStart(6)} x  ${(s.ms / s.n).toFixed(1).padStart(7)} ms  ${k}`);
    }
    // leave the workspace as the bench expects it: nothing ingested
    for (const t of ['interactions', 'credit_ledger']) await db(t).where('workspace_id', ws.id).where(t === 'interactions' ? 'client_event_id' : 'interaction_client_id', 'like', `prof-${tag}-%`).delete();
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
