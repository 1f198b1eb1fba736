// A quick, in-process look at User Management's last pages on a large roster, without the load
// processes of `npm run bench`: `npx tsx bench/user-list-micro.ts [--users 20000] [--interactions
// 5000000] [--months 3] [--database uc_user_list_micro] [--runs 20] [--only limit,sort=name] [--htmx]
// [--cold-all] [--phases plain,limits] [--build-only]`.
// Builds (or reuses) a bench dataset (bench/dataset.ts) in its own MariaDB database, starts the app
// in production mode in this process and times every URL of the enterprise profile's "last page"
// list (bench/routes.ts) at 1 client: first with the dataset's allocations only, then with limits in
// every period (bench/user-limits.ts). For the limit status URLs (`--cold-all`: every URL) it also
// times the first request right after new usage arrives (what is kept while the workspace's usage
// is unchanged is then read again).
// Besides the latencies it reports the CPU time each request costs, in this process (the app, plus
// supertest's small share) and in the database server when its process is on this machine (read
// from /proc): on a shared machine CPU time is steadier than latency, and p95 under concurrency
// follows it (about CPU per request x clients / cores). `--htmx` requests the htmx fragment
// instead of the full page.
// It does not touch the server's settings (the full bench sizes the buffer pool); compare figures
// measured in one run.
import fs from 'node:fs';
import request from 'supertest';
import pino from 'pino';
import { createDb } from '../src/db/knex';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { dayOf, toDbTime } from '../src/db/time';
import { DEPARTMENTS } from '../src/domain/model';
import { BENCH_ADMIN, GENERATOR_VERSION, TIME_ZONE, benchDbUrl, ensureDataset } from './dataset';
import { userListLastPages } from './routes';
import { addUserLimits, removeUserLimits } from './user-limits';
import { percentile } from './load';

/**
 * The database server's CPU time so far in ms, when it runs on this machine (else null): the
 * mariadbd/mysqld process serving `port` (its --port, 3306 when it names none).
 */
function dbCpuMs(port: number): number | null {
  try {
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm !== 'mariadbd' && comm !== 'mysqld') continue;
      const serves = Number(/--port=(\d+)/.exec(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 3306);
      if (serves !== port) continue;
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
    }
  } catch {
    /* not on Linux, or not readable */
  }
  return null;
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? def : process.argv[i + 1];
}

async function main() {
  const users = Number(arg('--users', '20000'));
  const interactions = Number(arg('--interactions', '5000000'));
  const months = Number(arg('--months', '3'));
  const runs = Number(arg('--runs', '20'));
  const only = arg('--only', '');
  const phases = arg('--phases', 'plain,limits').split(',');
  const htmx = process.argv.includes('--htmx');
  // the first request after new usage for every URL, not only the limit status ones
  const everyColdPath = process.argv.includes('--cold-all');
  const url = benchDbUrl(process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/x', arg('--database', 'uc_user_list_micro'));
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const dataset = await ensureDataset(url, { interactions, users, months, seed: 20261125, version: GENERATOR_VERSION, agents: 500, groups: 300 }, { rebuild: false, log });
  if (process.argv.includes('--build-only')) return;
  const db = createDb(url, { poolMax: 10 });
  const dbPort = Number(new URL(url).port || 3306);
  const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'micro-secret-micro-secret-0123456789', ENCRYPTION_KEY: 'micro-encryption-key-micro-encryption-key', LOG_LEVEL: 'silent' });
  const app = createApp({ db, config, logger: pino({ level: 'silent' }) });
  const server = app.listen(0, '127.0.0.1');
  const agent = request.agent(server);
  const login = await agent.get('/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)![1];
  const signed = await agent.post('/login').type('form').send({ email: BENCH_ADMIN.email, password: BENCH_ADMIN.password, _csrf: csrf });
  if (signed.status !== 303) throw new Error(`sign-in failed: ${signed.status}`);
  const ctx = { from: '', to: '', topUserId: dataset.topUserId, search: 'user0012' };
  const specs = userListLastPages(DEPARTMENTS[0]).filter((s) => !only || only.split(',').some((o) => s.id.includes(o)));
  const PROBE = 'user-list-micro-probe';
  let probes = 0;
  const time = async (path: string) => {
    const t0 = process.hrtime.bigint();
    const r = htmx ? await agent.get(path).set('HX-Request', 'true') : await agent.get(path);
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const measure = async (label: string) => {
    const out: Record<string, string> = {};
    for (const s of specs) {
      const path = s.path(ctx);
      for (let i = 0; i < 3; i++) await time(path);
      const t: number[] = [];
      const cpu0 = process.cpuUsage();
      const db0 = dbCpuMs(dbPort);
      for (let i = 0; i < runs; i++) t.push(await time(path));
      const cpu = process.cpuUsage(cpu0);
      const db1 = dbCpuMs(dbPort);
      const appCpu = (cpu.user + cpu.system) / 1000 / runs;
      const dbCpu = db0 == null || db1 == null ? NaN : (db1 - db0) / runs;
      t.sort((a, b) => a - b);
      let cold = '';
      if (everyColdPath || path.includes('limit_')) {
        // right after new usage of the workspace: a raw row is enough to move its usage version
        // (removed again below; the rollups are not touched)
        const c: number[] = [];
        for (let i = 0; i < 5; i++) {
          await db('interactions').insert({ workspace_id: dataset.workspaceId, user_id: dataset.topUserId, client_event_id: `${PROBE}-${++probes}`, occurred_at: toDbTime(new Date()), day: dayOf(new Date(), TIME_ZONE), surface: 'chat', model: 'probe', token_kind: 'inference' });
          c.push(await time(path));
        }
        c.sort((a, b) => a - b);
        cold = ` | ${percentile(c, 50).toFixed(0)}`;
      } else cold = ' |';
      out[s.id] = `${percentile(t, 50).toFixed(0)} / ${percentile(t, 95).toFixed(0)}${cold} | ${appCpu.toFixed(1)} + ${Number.isNaN(dbCpu) ? '?' : dbCpu.toFixed(1)}`;
      log(`${label}: ${s.id}: ${out[s.id]}`);
    }
    return out;
  };
  const users0 = await db('users').where({ workspace_id: dataset.workspaceId }).count({ n: '*' }).first();
  log(`${Number(users0?.n)} users, ${dataset.counts.interactions} interactions, ${runs} runs per URL`);
  await removeUserLimits(db, dataset.workspaceId);
  const skipped = Object.fromEntries(specs.map((s) => [s.id, '| | ']));
  const plain = phases.includes('plain') ? await measure('allocations only') : skipped;
  const n = phases.includes('limits') ? await addUserLimits(db, dataset.workspaceId) : 0;
  let layered: Record<string, string> = skipped;
  try {
    if (phases.includes('limits')) layered = await measure(`+${n} limits`);
  } finally {
    await removeUserLimits(db, dataset.workspaceId);
    await db('interactions').where({ workspace_id: dataset.workspaceId, model: 'probe' }).where('client_event_id', 'like', `${PROBE}-%`).delete();
  }
  console.log(`| URL (last page${htmx ? ', htmx' : ''}) | allocations only: p50 / p95 ms | after new usage: p50 | CPU ms per request: app + database | + ${n} limits (day, week, month, credits): p50 / p95 ms | after new usage: p50 | CPU ms: app + database |`);
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of specs) console.log(`| \`${s.id}\` | ${plain[s.id]} | ${layered[s.id]} |`);
  server.close();
  await db.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
