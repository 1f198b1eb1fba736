// `npm run bench [-- --quick | --interactions N --users N --months N --reuse | --rebuild]`
// Builds (or reuses) a large dataset in its own MariaDB database, starts the real app in production
// mode as a child process and measures it from separate client processes: every page and htmx
// partial at 1 and 10 connections, the deep Activity Logs page, the full generation-log.csv export
// against the `mariadb --quick` floor of the same run, ingestion through the API and cold start.
// Writes bench/results/latest.json + latest.md and exits non-zero naming every missed target.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import mysql from 'mysql2/promise';
import { createDb } from '../src/db/knex';
import { addDays, dayOf, parseDay, formatDay } from '../src/db/time';
import { PROFILES, type BenchProfile } from './profiles';
import { BENCH_ADMIN, GENERATOR_VERSION, TIME_ZONE, benchDbUrl, ensureDataset, type DatasetInfo } from './dataset';
import { DEEP_PAGES, MAX_PARTIALS_PER_PAGE, PAGES, SKIP_PARTIAL, shapeOf, userListLastPages, type BenchContext } from './routes';
import { DEPARTMENTS } from '../src/domain/model';
import type { IngestJob, IngestResult, LatencyResult, PagesJob, PageTarget } from './load';
import { prepareIngest, type IngestSetup } from './ingest';
import { prepareAuthorize } from './authorize';
import { prepareUserLimits } from './user-limits';
import { generationLogFloorSql, GENERATION_LOG_PATH } from './export-floor';
import { renderMarkdown, checkTargets, spliceResults, type BenchResults, type ExportRunInfo } from './report';
import { decodeHtml, hxGets, isPlaceholder, olderLink } from './html';
import { readApiTargets } from './read-api';

const ROOT = path.resolve(__dirname, '..');
const RESULTS_DIR = path.join(__dirname, 'results');
const USERS_WITH_TOKENS_PATH = '/admin/exports/users-with-tokens.csv';

// ---------------------------------------------------------------- options
interface Options {
  /** 'default' (issue 8: 5M interactions, 2,000 users) or 'enterprise' (issue 19: 20M, 20,000 users) */
  profile: BenchProfile;
  interactions: number;
  users: number;
  months: number;
  quick: boolean;
  rebuild: boolean;
  reuse: boolean;
  durationSec: number;
  database: string;
  bufferPoolBytes: number;
  skip: Set<string>;
  buildOnly: boolean;
  /** write a V8 CPU profile of the app (node --cpu-prof) into this folder */
  profileDir: string | null;
  /** measure only the URLs whose id contains one of these (comma-separated) */
  only: string[];
  /** copy the results table into docs/bench.md (full runs only) */
  updateDocs: boolean;
  /** also measure the pages at 10 clients with the app on these WEB_CONCURRENCY values (besides 1) */
  workers: number[];
  /** WEB_CONCURRENCY of the main run (1; 2 for the enterprise profile) */
  appWorkers: number;
  /** roster sizes fixed by the profile (undefined: derived from the user count) */
  agents?: number;
  groups?: number;
  /** --scale F: the profile's interactions and users multiplied by F (a scaled-down check of a profile) */
  scale: number;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const num = (flag: string, def: number) => {
    const i = argv.indexOf(flag);
    if (i < 0) return def;
    const v = Number(String(argv[i + 1]).replace(/[_,]/g, ''));
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag} needs a positive number`);
    return Math.floor(v);
  };
  const str = (flag: string, def: string) => {
    const i = argv.indexOf(flag);
    if (i < 0) return def;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) {
      // only --profile-app has a default folder; any other flag without its value is a mistake
      if (flag === '--profile-app') return def;
      throw new Error(`${flag} needs a value`);
    }
    return v;
  };
  const profileName = str('--profile', 'default');
  if (!(profileName in PROFILES)) throw new Error(`--profile: one of ${Object.keys(PROFILES).join(', ')}`);
  const profile = PROFILES[profileName as keyof typeof PROFILES];
  const scaleArg = argv.indexOf('--scale');
  const scale = scaleArg < 0 ? 1 : Number(argv[scaleArg + 1]);
  if (!(scale > 0 && scale <= 1)) throw new Error('--scale: a fraction in (0, 1], e.g. 0.015');
  const scaled = (n: number) => Math.max(1, Math.round(n * scale));
  const interactions = num('--interactions', quick ? 200_000 : scaled(profile.interactions));
  const users = num('--users', scale < 1 ? Math.max(50, scaled(profile.users)) : profile.users);
  const custom = scale < 1 || argv.includes('--interactions') || argv.includes('--users');
  const defaultDb = quick ? `${profile.database}_quick` : custom && profile.name !== 'default' ? `${profile.database}_scaled` : profile.database;
  const opts: Options = {
    profile,
    interactions,
    users,
    months: num('--months', 13),
    quick,
    rebuild: argv.includes('--rebuild'),
    reuse: argv.includes('--reuse'),
    durationSec: num('--duration', quick ? 1 : 5),
    database: str('--database', defaultDb),
    bufferPoolBytes: num('--buffer-pool-mb', interactions >= 10_000_000 ? 8192 : interactions >= 1_000_000 ? 4096 : 1024) * 1024 * 1024,
    skip: new Set(str('--skip', '').split(',').filter(Boolean)),
    buildOnly: argv.includes('--build-only'),
    updateDocs: argv.includes('--update-docs'),
    only: str('--only', '').split(',').filter(Boolean),
    profileDir: argv.includes('--profile-app') ? path.resolve(str('--profile-app', 'bench/results/profile')) : null,
    workers: str('--workers', profile.workers.join(','))
      .split(',')
      .filter(Boolean)
      .map((w) => {
        if (!/^[1-9]\d?$/.test(w)) throw new Error('--workers: a comma-separated list of worker counts, e.g. 1,2');
        return Number(w);
      }),
    appWorkers: num('--app-workers', profile.appWorkers),
    agents: profile.agents,
    groups: profile.groups,
    scale,
  };
  if (opts.rebuild && opts.reuse) throw new Error('--rebuild and --reuse are exclusive');
  if (!/^[A-Za-z0-9_]+$/.test(opts.database)) throw new Error('--database: letters, digits and _ only');
  return opts;
}

const started = Date.now();
function log(msg: string) {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s}s] ${msg}\n`);
}

// ---------------------------------------------------------------- small HTTP helpers
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

class Session {
  cookies = new Map<string, string>();
  constructor(readonly base: string) {}
  header() {
    return [...this.cookies.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  absorb(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      this.cookies.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
    }
  }
  async get(p: string, headers: Record<string, string> = {}) {
    const res = await fetch(this.base + p, { headers: { cookie: this.header(), ...headers }, redirect: 'manual' });
    this.absorb(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }
  async postForm(p: string, form: Record<string, string>) {
    const res = await fetch(this.base + p, {
      method: 'POST',
      headers: { cookie: this.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    this.absorb(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }
}

/** Signs the bench admin in through the real login form. */
async function signIn(base: string): Promise<Session> {
  const session = new Session(base);
  const loginPage = await session.get('/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(loginPage.text)?.[1];
  if (!csrf) throw new Error('no _csrf field on /login');
  const login = await session.postForm('/login', { email: BENCH_ADMIN.email, password: BENCH_ADMIN.password, _csrf: decodeHtml(csrf) });
  if (login.status !== 303 || login.location?.startsWith('/login')) throw new Error(`login failed: HTTP ${login.status}`);
  return session;
}

// ---------------------------------------------------------------- the app under test
interface AppProcess {
  child: ChildProcess;
  base: string;
  coldStartMs: number;
  stderrTail: string[];
}

async function startApp(url: string, profileDir: string | null, workers = 1): Promise<AppProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      SESSION_SECRET: crypto.randomBytes(24).toString('hex'),
      DATABASE_URL: url,
      PORT: String(port),
      SEED_DEMO: '0',
      LOG_LEVEL: 'warn',
      WEB_CONCURRENCY: String(workers),
      // The per-key API rate limits count as in production, with their ceilings out of the way:
      // at 10 clients one key makes more calls in a measurement than a minute's default allowance
      // (SCIM and the read API share API_RATE_LIMIT_PER_MINUTE, 6,000), and a 429's quick answer
      // would be timed as a page. Ingestion (about 10 batches a second) is far below either.
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      API_AUTHORIZE_RATE_LIMIT_PER_MINUTE: '10000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderrTail: string[] = [];
  const keep = (b: Buffer) => {
    stderrTail.push(...b.toString().split('\n').filter(Boolean));
    if (stderrTail.length > 40) stderrTail.splice(0, stderrTail.length - 40);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) throw new Error(`the app exited during start-up:\n${stderrTail.join('\n')}`);
    if (Date.now() > deadline) throw new Error('the app did not answer /healthz within 120 s');
    try {
      const r = await fetch(`${base}/healthz`);
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return { child, base, coldStartMs: Math.round(performance.now() - t0), stderrTail };
}

async function stopApp(app: AppProcess) {
  if (app.child.exitCode !== null) return;
  const done = new Promise((r) => app.child.once('exit', r));
  app.child.kill('SIGTERM');
  const t = setTimeout(() => app.child.kill('SIGKILL'), 8000);
  await done;
  clearTimeout(t);
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs bench/load.ts in its own process and returns its JSON result. */
function runLoad<T>(job: PagesJob | IngestJob): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uc-bench-'));
  const jobFile = path.join(dir, 'job.json');
  const outFile = path.join(dir, 'out.json');
  fs.writeFileSync(jobFile, JSON.stringify(job));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'load.ts'), jobFile, outFile], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`load generator exited with ${code}`);
        resolve(JSON.parse(fs.readFileSync(outFile, 'utf8')) as T);
      } catch (err) {
        reject(err);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

// ---------------------------------------------------------------- export measurement

function downloadCsv(base: string, p: string, cookie: string, pid: number): Promise<ExportRunInfo> {
  return new Promise((resolve, reject) => {
    const rssBefore = rssKb(pid);
    let peak = rssBefore;
    const poll = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 20);
    const t0 = performance.now();
    let ttfb = 0;
    let bytes = 0;
    let lines = 0;
    const req = http.get(base + p, { headers: { cookie }, agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => {
        if (!ttfb) ttfb = performance.now() - t0;
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => {
        clearInterval(poll);
        peak = Math.max(peak, rssKb(pid));
        const seconds = (performance.now() - t0) / 1000;
        const rows = Math.max(0, lines - 1);
        resolve({
          url: p,
          status: res.statusCode ?? 0,
          rows,
          bytes,
          seconds: Math.round(seconds * 100) / 100,
          rowsPerSec: Math.round(rows / seconds),
          ttfbMs: Math.round(ttfb),
          rssBeforeMb: Math.round(rssBefore / 1024),
          rssPeakMb: Math.round(peak / 1024),
          rssGrowthMb: Math.round((peak - rssBefore) / 1024),
        });
      });
      res.on('error', reject);
    });
    req.on('error', (e) => {
      clearInterval(poll);
      reject(e);
    });
  });
}

export interface FloorRun {
  sql: string;
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSec: number;
}

function mariadbFloor(url: string, sql: string, outFile: string): Promise<FloorRun> {
  const u = new URL(url);
  const args = ['--quick', '-B', '-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root'), u.pathname.slice(1), '-e', sql];
  const env = { ...process.env, ...(u.password ? { MYSQL_PWD: decodeURIComponent(u.password) } : {}) };
  return new Promise((resolve, reject) => {
    const out = fs.openSync(outFile, 'w');
    const t0 = performance.now();
    const child = spawn('mariadb', args, { stdio: ['ignore', out, 'pipe'], env });
    let err = '';
    child.stderr!.on('data', (b) => (err += b));
    child.on('error', reject);
    child.on('exit', async (code) => {
      const seconds = (performance.now() - t0) / 1000;
      fs.closeSync(out);
      if (code !== 0) return reject(new Error(`mariadb --quick failed: ${err}`));
      let lines = 0;
      let bytes = 0;
      for await (const chunk of fs.createReadStream(outFile)) {
        const b = chunk as Buffer;
        bytes += b.length;
        for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
      }
      fs.rmSync(outFile, { force: true });
      resolve({ sql, rows: Math.max(0, lines - 1), bytes, seconds: Math.round(seconds * 100) / 100, rowsPerSec: Math.round((lines - 1) / seconds) });
    });
  });
}

// ---------------------------------------------------------------- main
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const baseUrl = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/usage_console_bench';
  const url = benchDbUrl(baseUrl, opts.database);
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}`,
    database: '',
    params: { profile: opts.profile.name, scale: opts.scale, appWorkers: opts.appWorkers, interactions: opts.interactions, users: opts.users, months: opts.months, quick: opts.quick, durationSec: opts.durationSec },
    targets: opts.profile.targets,
    dataset: null,
    coldStartMs: null,
    pages: [],
    placeholders: [],
    deep: null,
    exports: null,
    ingest: null,
    workerPages: null,
    notes: [],
    missed: [],
    elapsedSec: 0,
    loadAverage: null,
  };

  // Buffer pool: sized for the run, restored afterwards so the bench does not keep the memory.
  const admin = await mysql.createConnection({ uri: benchDbUrl(baseUrl, 'mysql') });
  const [[verRow]] = (await admin.query('SELECT VERSION() AS v, @@innodb_buffer_pool_size AS pool')) as unknown as [[{ v: string; pool: number }]];
  const originalPool = Number(verRow.pool);
  results.database = `MariaDB ${verRow.v}, innodb_buffer_pool_size ${Math.round(Math.max(originalPool, opts.bufferPoolBytes) / 2 ** 20)} MB during the run`;
  if (originalPool < opts.bufferPoolBytes) {
    log(`SET GLOBAL innodb_buffer_pool_size = ${opts.bufferPoolBytes / 2 ** 20} MB (was ${originalPool / 2 ** 20} MB; restored at the end)`);
    await admin.query('SET GLOBAL innodb_buffer_pool_size = ?', [opts.bufferPoolBytes]);
  }

  // The machine's load while measuring: other work on these 2 cores inflates latencies.
  const loads: number[] = [];
  const loadTimer = setInterval(() => loads.push(os.loadavg()[0]), 2000);
  loadTimer.unref();
  let app: AppProcess | null = null;
  let userLimits: { cleanup(): Promise<void> } | null = null;
  try {
    // ------------------------------------------------------------ dataset
    const dataset: DatasetInfo = await ensureDataset(
      url,
      { interactions: opts.interactions, users: opts.users, months: opts.months, seed: 20261125, version: GENERATOR_VERSION, agents: opts.agents, groups: opts.groups },
      { rebuild: opts.rebuild, reuse: opts.reuse, log },
    );
    results.dataset = dataset;
    if (opts.buildOnly) {
      log('--build-only: dataset ready, nothing measured');
      return;
    }

    // Warm the buffer pool the way a running production server would be (not part of any timing).
    {
      const t = Date.now();
      const db = createDb(url, { poolMax: 2 });
      await db.raw('SELECT COUNT(*) AS n FROM interactions FORCE INDEX (PRIMARY) WHERE prompt_tokens >= 0');
      await db.destroy();
      log(`buffer pool warmed (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    }

    // ------------------------------------------------------------ the app
    app = await startApp(url, opts.profileDir, opts.appWorkers);
    results.coldStartMs = app.coldStartMs;
    log(`app up (WEB_CONCURRENCY=${opts.appWorkers}): cold start ${app.coldStartMs} ms (process start -> first 200 on /healthz), pid ${app.child.pid}`);
    const session = await signIn(app.base);
    const cookie = session.header();
    log('signed in through the login form');

    const to = addDays(dayOf(new Date(), TIME_ZONE), -1);
    const fromD = parseDay(to);
    fromD.setUTCMonth(fromD.getUTCMonth() - 12);
    const ctx: BenchContext = { from: addDays(formatDay(fromD), 1), to, topUserId: dataset.topUserId, search: 'user0012' };

    // ------------------------------------------------------------ discover pages and partials
    const targets: PageTarget[] = [];
    const seen = new Set<string>();
    const full = { cookie };
    const partial = { cookie, 'HX-Request': 'true' };
    if (opts.profile.userListLastPages) {
      // limits in every period, so the limit status filters and sort read them all (removed at the end)
      const added = await prepareUserLimits(url, dataset.workspaceId);
      userLimits = added;
      log(`user limits: ${added.policies} limits added for the User Management measurements`);
    }
    const specs = opts.profile.userListLastPages ? [...PAGES, ...userListLastPages(DEPARTMENTS[0])] : PAGES;
    for (const spec of specs) {
      const p = spec.path(ctx);
      const page = await session.get(p);
      if (page.status !== 200) {
        results.notes.push(`${spec.id}: ${p} answered HTTP ${page.status}`);
        log(`  ${spec.id}: HTTP ${page.status}`);
      }
      if (isPlaceholder(page.text)) results.placeholders.push(`${spec.feature}: ${p}`);
      if (!seen.has(p)) {
        seen.add(p);
        targets.push({ id: spec.id, url: app.base + p, headers: full });
      }
      if (spec.asPartial) targets.push({ id: `${spec.id} (htmx)`, url: app.base + p, headers: partial });
      if (spec.discover) {
        let n = 0;
        for (const h of hxGets(page.text)) {
          if (!h.startsWith('/') || SKIP_PARTIAL.test(h)) continue;
          const shape = shapeOf(h);
          if (seen.has(shape) || n >= MAX_PARTIALS_PER_PAGE) continue;
          seen.add(shape);
          n++;
          targets.push({ id: `${spec.id} ~ ${h.length > 60 ? h.slice(0, 57) + '...' : h} (htmx)`, url: app.base + h, headers: partial });
        }
      }
    }

    // ------------------------------------------------------------ read API (GET /api/v1/usage)
    if (!opts.skip.has('api')) {
      const api = await readApiTargets(url, dataset.workspaceId, ctx, app.base);
      for (const a of api) {
        const r = await fetch(a.url, { headers: a.headers as Record<string, string> });
        const body = await r.text();
        log(`  ${a.id}: HTTP ${r.status}, ${body.length.toLocaleString('en-US')} bytes`);
        if (r.status !== 200) results.notes.push(`${a.id}: HTTP ${r.status}: ${body.slice(0, 200)}`);
      }
      targets.push(...api);
    }

    // ------------------------------------------------------------ deep Activity Logs page
    if (!opts.skip.has('deep')) {
      const first = `/admin/users/${ctx.topUserId}/logs`;
      let cur = first;
      let depth = 0;
      const t = Date.now();
      const budgetMs = opts.quick ? 20_000 : 240_000;
      for (; depth < DEEP_PAGES - 1 && Date.now() - t < budgetMs; depth++) {
        const r = await session.get(cur);
        const next = r.status === 200 ? olderLink(r.text) : null;
        if (!next) break;
        cur = next.startsWith('/') ? next : new URL(next, app.base + cur).pathname + new URL(next, app.base + cur).search;
      }
      const pageNo = depth + 1;
      log(`deep Activity Logs: reached page ${pageNo} by following "Older" links (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      results.deep = { firstUrl: first, deepUrl: cur, page: pageNo, wanted: DEEP_PAGES };
      if (cur !== first) {
        targets.push({ id: `activity deep (page ${pageNo})`, url: app.base + cur, headers: full });
        const deepPartial = targets.find((x) => x.id.startsWith('activity ~'));
        if (deepPartial) targets.push({ id: `activity deep (page ${pageNo}) (htmx)`, url: app.base + cur, headers: partial });
      }
    }

    // ------------------------------------------------------------ pages and partials under load
    if (opts.only.length) {
      const keep = targets.filter((t) => opts.only.some((o) => t.id.includes(o)));
      targets.splice(0, targets.length, ...keep);
    }
    if (!opts.skip.has('pages')) {
      log(`measuring ${targets.length} URLs x [1, 10] connections x ${opts.durationSec} s (autocannon in a separate process)`);
      results.pages = await runLoad<LatencyResult[]>({ mode: 'pages', targets, connections: [1, 10], durationSec: opts.durationSec, warmupRequests: 3 });
      const failing = results.pages.filter((p) => Object.keys(p.statusCounts).some((c) => c.startsWith('5')));
      if (failing.length) {
        const tail = app.stderrTail.slice(-6).map((l) => l.slice(0, 300));
        results.notes.push(`HTTP 5xx from ${[...new Set(failing.map((p) => p.id))].join(', ')}; last app log lines: ${tail.join(' | ')}`);
      }
    }

    // ------------------------------------------------------------ POST /api/v1/authorize (issue 16)
    if (!opts.skip.has('authorize') && (!opts.only.length || opts.only.some((o) => 'authorize'.includes(o) || o.includes('authorize')))) {
      const setup = await prepareAuthorize(url, dataset);
      try {
        log(`measuring POST /api/v1/authorize (${setup.bodies.length} bodies) x [1, 10] connections x ${opts.durationSec} s`);
        // each body at each client count with a key of its own (as several callers would; the
        // call's per-key counter runs, its ceiling out of the way: see startApp). Each body is
        // first run for 2 s at 10 clients, not measured: the body measured first had been timed
        // while its code path was still being compiled (p95 at 1 client 4-7 ms first, 3-4 ms
        // second, in either order, after 300 warm-up calls).
        for (const b of setup.bodies) {
          const warm = { id: `${b.id} (warm-up)`, url: app!.base + '/api/v1/authorize', method: 'POST' as const, body: b.body, headers: { authorization: `Bearer ${await setup.newKey()}`, 'content-type': 'application/json' } };
          await runLoad<LatencyResult[]>({ mode: 'pages', targets: [warm], connections: [10], durationSec: 2, warmupRequests: 1 });
          for (const connections of [1, 10]) {
            const target: PageTarget = {
              id: b.id,
              url: app!.base + '/api/v1/authorize',
              method: 'POST',
              body: b.body,
              headers: { authorization: `Bearer ${await setup.newKey()}`, 'content-type': 'application/json' },
            };
            const r = await runLoad<LatencyResult[]>({ mode: 'pages', targets: [target], connections: [connections], durationSec: opts.durationSec, warmupRequests: 100 });
            results.pages.push(...r);
            for (const x of r) log(`  ${x.id} at ${x.connections}: p50 ${x.p50} ms, p95 ${x.p95} ms, ${x.rps} req/s`);
          }
        }
      } finally {
        await setup.cleanup();
      }
    }

    // ------------------------------------------------------------ export vs the mariadb --quick floor
    if (!opts.skip.has('export')) {
      const probe = await fetch(`${app.base}${GENERATION_LOG_PATH}?from=${ctx.to}&to=${ctx.to}`, { headers: { cookie } }).catch(() => null);
      const probeText = probe ? await probe.text() : '';
      if (!probe || probe.status !== 200 || !probe.headers.get('content-type')?.startsWith('text/csv')) {
        results.notes.push(`export: ${GENERATION_LOG_PATH} answered HTTP ${probe?.status ?? 'no response'} (${probeText.length} bytes, not CSV): not available yet`);
        log(`export: not available (HTTP ${probe?.status})`);
      } else {
        // A smaller range first (about 1M rows, or a fifth of the data on small runs), then the
        // whole window (no range = the export's default, the rolling 12 months): RSS must stay flat.
        const smallRows = opts.interactions >= 2_000_000 ? 1_000_000 : Math.round(dataset.counts.interactions / 5);
        const smallFrom = await dayForTailRows(url, dataset, smallRows);
        log(`export: ${GENERATION_LOG_PATH} from ${smallFrom} (~${smallRows.toLocaleString('en-US')} rows)`);
        const small = await downloadCsv(app.base, `${GENERATION_LOG_PATH}?from=${smallFrom}&to=${dataset.lastDay}`, cookie, app.child.pid!);
        log(`  ${small.rows.toLocaleString('en-US')} rows, ${small.rowsPerSec.toLocaleString('en-US')} rows/s, first byte ${small.ttfbMs} ms, RSS +${small.rssGrowthMb} MB`);
        log('export: full window (no range given)');
        const fullRun = await downloadCsv(app.base, GENERATION_LOG_PATH, cookie, app.child.pid!);
        log(`  ${fullRun.rows.toLocaleString('en-US')} rows, ${fullRun.rowsPerSec.toLocaleString('en-US')} rows/s, first byte ${fullRun.ttfbMs} ms, RSS +${fullRun.rssGrowthMb} MB (peak ${fullRun.rssPeakMb} MB)`);
        // The range the app resolved is in its audit record of the download.
        const range = await auditedRange(url, dataset.workspaceId);
        log(`export: command-line floor (mariadb --quick -B -e, same rows, raw columns, ${range.from} .. ${range.to})`);
        const floor = await mariadbFloor(url, generationLogFloorSql(dataset.workspaceId, range.from, range.to), path.join(os.tmpdir(), `uc-bench-floor-${process.pid}.tsv`));
        log(`  ${floor.rows.toLocaleString('en-US')} rows, ${floor.rowsPerSec.toLocaleString('en-US')} rows/s`);
        results.exports = { small, full: fullRun, floor, ratio: Math.round((fullRun.rowsPerSec / floor.rowsPerSec) * 100) / 100, range };
        if (opts.profile.name === 'enterprise') {
          // One row per user: the roster export's first byte and memory at 20,000 users.
          log(`export: ${USERS_WITH_TOKENS_PATH}`);
          const roster = await downloadCsv(app.base, USERS_WITH_TOKENS_PATH, cookie, app.child.pid!);
          log(`  ${roster.rows.toLocaleString('en-US')} rows, first byte ${roster.ttfbMs} ms, RSS +${roster.rssGrowthMb} MB`);
          results.usersExport = roster;
        }
      }
    }

    // ------------------------------------------------------------ ingestion
    if (!opts.skip.has('ingest')) {
      const setup: IngestSetup | { unavailable: string } = await prepareIngest(url, app.base, dataset, { batches: opts.quick ? 32 : 168, log });
      if ('unavailable' in setup) {
        results.notes.push(`ingestion: ${setup.unavailable}`);
        log(`ingestion: not available (${setup.unavailable})`);
      } else {
        log(`ingestion: ${setup.batches} batches of 1000 events, 4 concurrent senders`);
        const r = await runLoad<IngestResult>({ mode: 'ingest', url: app.base + '/api/v1/events', apiKey: setup.apiKey, senders: 4, warmupBatches: 8, bodiesFile: setup.bodiesFile, maxSeconds: opts.quick ? 30 : 90 });
        fs.rmSync(setup.bodiesFile, { force: true });
        results.ingest = r;
        log(`  ${r.accepted.toLocaleString('en-US')} accepted in ${r.seconds} s = ${r.eventsPerSec.toLocaleString('en-US')} events/s (batch p50 ${r.batchP50} ms, p95 ${r.batchP95} ms)${r.firstError ? ` first error: ${r.firstError}` : ''}`);
        await setup.cleanup();
      }
    }

    // ------------------------------------------------------------ the same pages with several workers
    // The main run's figures (WEB_CONCURRENCY=appWorkers) are the run above; each other count gets a
    // fresh app (WEB_CONCURRENCY=N) and the same URLs at 10 clients, reported side by side.
    const others = [...new Set(opts.workers)].filter((w) => w !== opts.appWorkers);
    if (others.length && !opts.skip.has('pages') && results.pages.length) {
      const oldBase = app.base;
      results.workerPages = [{ workers: opts.appWorkers, pages: results.pages.filter((p) => p.connections === 10) }];
      for (const w of others) {
        await stopApp(app);
        app = await startApp(url, null, w);
        log(`app restarted with WEB_CONCURRENCY=${w}: cold start ${app.coldStartMs} ms`);
        const wCookie = (await signIn(app.base)).header();
        const wTargets = targets.map((t) => ({ ...t, url: app!.base + t.url.slice(oldBase.length), headers: { ...t.headers, cookie: wCookie } }));
        log(`measuring ${wTargets.length} URLs x 10 connections x ${opts.durationSec} s with ${w} workers`);
        const pages = await runLoad<LatencyResult[]>({ mode: 'pages', targets: wTargets, connections: [10], durationSec: opts.durationSec, warmupRequests: 3 });
        results.workerPages.push({ workers: w, pages });
      }
    }
  } finally {
    clearInterval(loadTimer);
    await userLimits?.cleanup().catch((e) => log(`user limits: cleanup failed: ${e}`));
    if (app) {
      await stopApp(app);
      log('app stopped');
    }
    if (originalPool < opts.bufferPoolBytes) {
      await admin.query('SET GLOBAL innodb_buffer_pool_size = ?', [originalPool]).catch(() => undefined);
      log(`innodb_buffer_pool_size restored to ${originalPool / 2 ** 20} MB`);
    }
    await admin.end();
  }

  clearInterval(loadTimer);
  results.elapsedSec = Math.round((Date.now() - started) / 1000);
  if (loads.length) {
    results.loadAverage = { mean: Math.round((loads.reduce((a, b) => a + b, 0) / loads.length) * 10) / 10, max: Math.round(Math.max(...loads) * 10) / 10 };
  }
  results.missed = checkTargets(results);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const md = renderMarkdown(results);
  // partial runs (--skip, --profile-app) never replace the full results
  const prof = opts.profile.name === 'default' ? '' : `-${opts.profile.name}${opts.scale < 1 || opts.database !== opts.profile.database ? '-scaled' : ''}`;
  const suffix = opts.skip.size || opts.profileDir || opts.only.length ? `${prof}-partial` : opts.quick ? `${prof}-quick` : prof;
  fs.writeFileSync(path.join(RESULTS_DIR, `latest${suffix}.json`), JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(path.join(RESULTS_DIR, `latest${suffix}.md`), md);
  process.stdout.write('\n' + md + '\n');
  if (opts.updateDocs && !suffix && opts.profile.name === 'default') {
    const docs = path.join(ROOT, 'docs', 'bench.md');
    const updated = spliceResults(fs.readFileSync(docs, 'utf8'), md);
    if (!updated) log('docs/bench.md has no results markers: not updated');
    else {
      fs.writeFileSync(docs, updated);
      log('docs/bench.md results updated');
    }
  }
  log(`results: bench/results/latest${suffix}.json, latest${suffix}.md (total ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (results.missed.length) {
    process.stderr.write(`\nMISSED TARGETS (${results.missed.length}):\n${results.missed.map((m) => `  - ${m}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

/** The first day such that the days from it to the last day hold about `rows` interactions (rollup sums). */
async function auditedRange(url: string, workspaceId: number): Promise<{ from: string; to: string }> {
  const db = createDb(url, { poolMax: 1 });
  try {
    const row = await db('audit_log').where({ workspace_id: workspaceId, action: 'export.download', target_id: 'generation-log' }).orderBy('id', 'desc').first();
    const after = JSON.parse(row?.after_json ?? '{}') as { from?: string; to?: string };
    if (!after.from || !after.to) throw new Error('the generation-log download left no audited range');
    return { from: after.from, to: after.to };
  } finally {
    await db.destroy();
  }
}

async function dayForTailRows(url: string, dataset: DatasetInfo, rows: number): Promise<string> {
  const db = createDb(url, { poolMax: 1 });
  try {
    const days = (await db('rollup_daily')
      .select('day')
      .sum({ n: 'interactions' })
      .where('workspace_id', dataset.workspaceId)
      .groupBy('day')
      .orderBy('day', 'desc')) as { day: string; n: number }[];
    let acc = 0;
    for (const d of days) {
      acc += Number(d.n);
      if (acc >= rows) return String(d.day);
    }
    return dataset.firstDay;
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error('bench failed:', err?.stack ?? err);
  process.exit(2);
});
