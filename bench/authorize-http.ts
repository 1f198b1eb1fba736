// POST /api/v1/authorize over HTTP, without the rest of `npm run bench`:
// `npx tsx bench/authorize-http.ts [--database usage_console_bench] [--seconds 10] [--workers 1]
// [--connections 1,10] [--warmup 3] [--redis] [--cpu-prof DIR] [--only tokens|credits] [--app DIR]`
// (--app: run the app of another checkout, e.g. the commit before a change, against the same set-up).
// Uses an existing bench dataset as it is (no build, no migration of its own: the app migrates at
// start-up as in production), adds the limits and keys of bench/authorize.ts under its own note
// (removed afterwards), starts the app in production mode as a child process (WEB_CONCURRENCY =
// --workers, background jobs off) and drives it with the load generator of the full bench
// (bench/load.ts, a separate process). Besides p50/p95 it reports the CPU time the app and the
// database server spent per call (from /proc, over the whole run; the server's rate over 3 idle
// seconds just before is taken off, a rough correction when others use it too): on a machine shared
// with other work the latencies move with the load, the CPU per call much less.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import crypto from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import type { Knex } from 'knex';
import { createDb } from '../src/db/knex';
import { rawRows } from '../src/db/dialect';
import { benchDbUrl, BENCH_WS_SLUG } from './dataset';
import { prepareAuthorize } from './authorize';
import type { LatencyResult, PagesJob } from './load';

const ROOT = path.resolve(__dirname, '..');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? def : process.argv[i + 1];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);

/** utime + stime of `pid` and its descendants, in ms (0 for a process that is gone). */
function cpuMs(pid: number): number {
  let total = 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(f[11]) + Number(f[12])) * TICK_MS;
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      const kids = fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(' ') : []) total += cpuMs(Number(k));
    }
  } catch {
    /* exited */
  }
  return total;
}

/** The database server's process (its pid file), when it runs on this machine. */
async function databasePid(db: Knex): Promise<number | null> {
  try {
    const file = rawRows<{ f: string }>(await db.raw('SELECT @@pid_file AS f'))[0]?.f;
    return Number(fs.readFileSync(file, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/** The Redis server's process, asked over its own protocol (INFO), when it runs on this machine. */
async function redisPid(): Promise<number | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: 6379 });
    let text = '';
    s.setTimeout(1000, () => (s.destroy(), resolve(null)));
    s.on('error', () => resolve(null));
    s.on('connect', () => s.write('INFO server\r\n'));
    s.on('data', (b) => {
      text += b.toString();
      const m = /process_id:(\d+)/.exec(text);
      if (m) {
        s.destroy();
        resolve(Number(m[1]));
      }
    });
  });
}

async function startApp(url: string, workers: number, profileDir: string | null, redis: boolean, root: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    SESSION_SECRET: crypto.randomBytes(24).toString('hex'),
    DATABASE_URL: url,
    PORT: String(port),
    SEED_DEMO: '0',
    LOG_LEVEL: 'warn',
    WEB_CONCURRENCY: String(workers),
    JOBS: '0',
    // the counter runs as in production; only its ceiling is out of the way of back-to-back runs
    API_RATE_LIMIT_PER_MINUTE: '1000000',
  };
  if (redis) env.REDIS_URL = 'redis://127.0.0.1:6379';
  else delete env.REDIS_URL;
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/server.ts'], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the app exited during start-up');
    if (Date.now() > deadline) throw new Error('the app did not answer /healthz within 120 s');
    try {
      const r = await fetch(`${base}/healthz`);
      await r.arrayBuffer();
      if (r.status === 200) return { child, base };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function runLoad(job: PagesJob): Promise<LatencyResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uc-authz-'));
  const jobFile = path.join(dir, 'job.json');
  const outFile = path.join(dir, 'out.json');
  fs.writeFileSync(jobFile, JSON.stringify(job));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'load.ts'), jobFile, outFile], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`load generator exited with ${code}: ${stderr}`);
        resolve(JSON.parse(fs.readFileSync(outFile, 'utf8')) as LatencyResult[]);
      } catch (err) {
        reject(err);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

async function main() {
  const url = benchDbUrl(process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/x', arg('--database', 'usage_console_bench'));
  const seconds = Number(arg('--seconds', '10'));
  const workers = Number(arg('--workers', '1'));
  const connections = arg('--connections', '1,10').split(',').map(Number);
  const profileDir = arg('--cpu-prof', '') || null;
  const only = arg('--only', '');
  const db = createDb(url, { poolMax: 1 });
  let dataset: { workspaceId: number; topUserId: number };
  let dbPid: number | null;
  try {
    dbPid = await databasePid(db);
    const ws = await db('workspaces').select('id').where({ slug: BENCH_WS_SLUG }).first();
    if (!ws) throw new Error(`no workspace "${BENCH_WS_SLUG}" in ${url}: build a dataset with npm run bench first`);
    // the user with the most interactions (the dataset's top user), from the per-user totals
    const top = await db('user_totals').select('user_id').where({ workspace_id: ws.id }).orderBy('interactions', 'desc').first();
    dataset = { workspaceId: Number(ws.id), topUserId: Number(top.user_id) };
  } finally {
    await db.destroy();
  }
  const setup = await prepareAuthorize(url, dataset, `bench: authorize-http ${process.pid}`);
  const redis = process.argv.includes('--redis');
  const app = await startApp(url, workers, profileDir, redis, path.resolve(arg('--app', ROOT)));
  const rPid = redis ? await redisPid() : null;
  try {
    const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
    process.stdout.write(`app: WEB_CONCURRENCY=${workers}${process.argv.includes('--redis') ? ', REDIS_URL' : ''}; load average before: ${load}\n`);
    const targetOf = (b: (typeof setup.bodies)[number]) => ({ id: b.id, url: `${app.base}/api/v1/authorize`, method: 'POST' as const, body: b.body, headers: { authorization: `Bearer ${b.apiKey}`, 'content-type': 'application/json' } });
    // JIT and the per-process caches warm up on every body first (not measured)
    const warmupSec = Number(arg('--warmup', '3'));
    if (warmupSec > 0) for (const b of setup.bodies) await runLoad({ mode: 'pages', targets: [targetOf(b)], connections: [10], durationSec: warmupSec, warmupRequests: 1 });
    for (const b of setup.bodies.filter((x) => !only || x.id.includes(only))) {
      for (const c of connections) {
        const target = targetOf(b);
        // the database server's CPU while this app is idle: other work on a shared server, taken off below
        const idleStart = dbPid ? cpuMs(dbPid) : 0;
        const idleT0 = performance.now();
        await new Promise((r) => setTimeout(r, 3000));
        const idleRate = dbPid ? (cpuMs(dbPid) - idleStart) / (performance.now() - idleT0) : 0;
        const appBefore = cpuMs(app.child.pid!);
        const dbBefore = dbPid ? cpuMs(dbPid) : 0;
        const redisBefore = rPid ? cpuMs(rPid) : 0;
        const t0 = performance.now();
        const [r] = await runLoad({ mode: 'pages', targets: [target], connections: [c], durationSec: seconds, warmupRequests: 20 });
        const n = r.requests + 20;
        const appPer = (cpuMs(app.child.pid!) - appBefore) / n;
        const dbPer = dbPid ? Math.max(0, cpuMs(dbPid) - dbBefore - idleRate * (performance.now() - t0)) / n : NaN;
        const redisPer = rPid ? `, redis ${((cpuMs(rPid) - redisBefore) / n).toFixed(2)} ms` : '';
        const bad = r.non2xx + r.errors ? `  NON-2XX/ERRORS ${r.non2xx + r.errors} ${JSON.stringify(r.statusCounts)}` : '';
        process.stdout.write(
          `${b.id.padEnd(36)} c=${String(c).padStart(2)}  p50 ${r.p50.toFixed(1).padStart(5)} ms  p95 ${r.p95.toFixed(1).padStart(5)} ms  ${String(r.rps).padStart(6)} req/s  CPU/call: app ${appPer.toFixed(2)} ms, db ${dbPer.toFixed(2)} ms${redisPer}${bad}\n`,
        );
      }
    }
  } finally {
    const done = new Promise((r) => app.child.once('exit', r));
    app.child.kill('SIGTERM');
    await done;
    await setup.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
