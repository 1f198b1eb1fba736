// Quick local measurement of ingestion throughput (not a test): the app on an ephemeral port
// against MariaDB, 4 senders posting batches of 1000 events through the real API.
// npx tsx test/ingest/throughput.ts [--url mysql://root@127.0.0.1:3306/uc_ingest_tp] [--batches 40] [--senders 4] [--billable 0]
//   [--profile] [--writers 2] [--group 4000]
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createDb, ensureDatabase } from '../../src/db/knex';
import { migrateLatest } from '../../src/db/migrate';
import { loadConfig } from '../../src/config';
import { createApp } from '../../src/app';
import { createApiKey } from '../../src/apikeys/keys';
import { toDbTime } from '../../src/db/time';
import { upsertAgent } from '../../src/ingest/roster';
import { configureWriteQueue } from '../../src/ingest/write-queue';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : process.argv[i + 1];
};
const url = arg('url', 'mysql://root@127.0.0.1:3306/uc_ingest_tp');
const batches = Number(arg('batches', '40'));
const senders = Number(arg('senders', '4'));
const withBillable = arg('billable', '1') !== '0';
const profile = process.argv.includes('--profile');
// --writers N --group N: the write queue's writers per workspace and events per transaction.
if (process.argv.includes('--writers') || process.argv.includes('--group')) {
  configureWriteQueue({ writers: Number(arg('writers', '2')), maxGroupEvents: Number(arg('group', '4000')) });
}
const USERS = 2000;
const SURFACES = ['chat', 'chat', 'chat', 'agent', 'ask', 'command', 'extension', 'api', 'toolbar', 'grid', 'other'];

async function main() {
  await ensureDatabase(url);
  const db = createDb(url, { poolMax: 10 });
  await migrateLatest(db);
  const now = toDbTime(new Date());
  for (const t of ['interactions', 'logins', 'credit_ledger', 'rollup_daily', 'rollup_daily_model', 'rollup_daily_agent', 'rollup_daily_user', 'rollup_monthly_user', 'rollup_monthly_user_surface', 'rollup_monthly_user_agent', 'rollup_daily_credits', 'user_activity', 'login_days']) {
    await db(t).delete().catch(() => undefined);
  }
  let ws = await db('workspaces').where({ slug: 'tp' }).first();
  if (!ws) {
    const [id] = await db('workspaces').insert({ slug: 'tp', name: 'Throughput', billing_mode: 'credits', created_at: now });
    const users = Array.from({ length: USERS }, (_, i) => ({ workspace_id: Number(id), email: `u${i}@tp.test`, name: `User ${i}`, role: 'member', status: 'active', created_at: now, updated_at: now }));
    for (let i = 0; i < users.length; i += 500) await db('users').insert(users.slice(i, i + 500));
    for (let i = 0; i < 12; i++) await upsertAgent(db, Number(id), { externalId: `agent-${i}`, name: `Agent ${i}`, kind: 'custom' });
    ws = await db('workspaces').where({ id: Number(id) }).first();
  }
  await db('credit_ledger').insert({ workspace_id: ws.id, occurred_at: now, day: now.slice(0, 10), entry_type: 'purchase', amount: 50_000_000, price_cents: 0, note: 'tp' });
  const { key } = await createApiKey(db, ws.id, 'tp', null);

  const tag = Date.now().toString(36);
  const base = Date.now() - 3_600_000;
  const bodies: string[] = [];
  let n = 0;
  for (let b = 0; b < batches; b++) {
    const events = [];
    for (let i = 0; i < 1000; i++, n++) {
      const surface = SURFACES[n % SURFACES.length];
      const billable = !withBillable ? null : surface === 'grid' ? { category: 'grid', units: 1 + (n % 7) } : surface === 'api' ? { category: 'api', units: 1 } : surface === 'agent' ? { category: 'agents', units: 1 } : null;
      events.push({
        id: `tp-${tag}-${n}`,
        user: `u${(n * 31) % USERS}@tp.test`,
        occurred_at: new Date(base - ((n * 613) % (20 * 86_400_000))).toISOString(),
        kind: n % 23 === 0 ? 'embedding' : 'inference',
        surface,
        agent: surface === 'agent' ? `agent-${n % 12}` : null,
        iq_layers: n % 3 === 0 ? ['brand_voice', 'knowledge'] : [],
        model: 'gpt-4o',
        prompt_tokens: 50 + (n % 1500),
        completion_tokens: 20 + (n % 900),
        ip: `10.1.${(n >> 8) & 255}.${n & 255}`,
        prompt: 'Write a short product update for the customer newsletter, friendly tone, three paragraphs.',
        billable,
      });
    }
    bodies.push(JSON.stringify({ events }));
  }

  // --profile: total time per statement shape (tables + verb), to see where a batch's time goes.
  const stmts = new Map<string, { n: number; ms: number }>();
  const started = new Map<string, number>();
  const shape = (sql: string) => sql.replace(/\(\?(, ?\?)*\)(, ?\(\?(, ?\?)*\))*/g, '(..)').replace(/in \(\.\.\)/gi, 'in (..)').slice(0, 110);
  if (profile) {
    db.on('query', (q: { __knexQueryUid: string }) => started.set(q.__knexQueryUid, performance.now()));
    const done = (q: { __knexQueryUid: string; sql?: string }) => {
      const t = started.get(q.__knexQueryUid);
      if (t == null || !q.sql) return;
      started.delete(q.__knexQueryUid);
      const k = shape(q.sql);
      const s = stmts.get(k) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += performance.now() - t;
      stmts.set(k, s);
    };
    db.on('query-response', (_r: unknown, q: { __knexQueryUid: string; sql?: string }) => done(q));
    db.on('query-error', (_e: unknown, q: { __knexQueryUid: string; sql?: string }) => done(q));
  }
  const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'throughput-secret-0123456789', ENCRYPTION_KEY: 'throughput-encryption-key-0123456789', LOG_LEVEL: 'silent', DATABASE_URL: url, API_RATE_LIMIT_PER_MINUTE: '100000' });
  const app = createApp({ db, config, logger: pino({ level: process.env.TP_LOG ?? 'silent' }) });
  const server = await new Promise<http.Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: senders });
  const send = (body: string) =>
    new Promise<{ status: number; ms: number; text: string }>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request({ host: '127.0.0.1', port, path: '/api/v1/events', method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  let next = 0;
  const lat: number[] = [];
  let accepted = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const r = await send(body);
        if (r.status !== 200) throw new Error(`status ${r.status}: ${r.text.slice(0, 300)}`);
        accepted += JSON.parse(r.text).accepted;
        lat.push(r.ms);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  console.log(
    JSON.stringify({ events: accepted, seconds: +secs.toFixed(2), eventsPerSecond: Math.round(accepted / secs), billable: withBillable, batchMsP50: Math.round(lat[Math.floor(lat.length / 2)]), batchMsP95: Math.round(lat[Math.floor(lat.length * 0.95)]), senders }),
  );
  if (profile) {
    for (const [k, v] of [...stmts.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) console.log(`${Math.round(v.ms).toString().padStart(7)} ms ${String(v.n).padStart(5)}x  ${k}`);
  }
  server.close();
  agent.destroy();
  await db.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
