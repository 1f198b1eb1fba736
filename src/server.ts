// Starts the HTTP server: `npm start`. WEB_CONCURRENCY=1 (default): one process. WEB_CONCURRENCY=N or
// `auto` (one per CPU core): a primary process migrates and seeds once, then runs N workers on the
// one port (node:cluster), restarts a worker that dies, and stops them all on SIGTERM/SIGINT.
// The "running at" banner is printed once the port is really listening (all workers), never before
// an error such as a port already in use (then: a clear message and exit status 1).
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import { bootstrap } from './bootstrap';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { describeDatabase } from './db/knex';
import { startScheduler } from './jobs/scheduler';
import { installLastResortHandlers } from './process-guards';
import { closeRateLimitRedis } from './http/rate-limit-store';
import type { AppContext } from './http/context';
import { DEMO_LOGINS } from '../seeds/demo';

type WorkerMessage = { type: 'listening'; port: number } | { type: 'startup-failed'; message: string };

function portInUseMessage(config: Config, err: NodeJS.ErrnoException): string {
  return err.code === 'EADDRINUSE' ? `PORT: ${config.PORT} is already in use; set PORT to a free port.` : `Start-up failed: ${err.message}`;
}

/** The start-up banner, written in one piece (a reader that sees its first line sees all of it). */
function printBanner(config: Config, port: number, demo: boolean, workers: number) {
  const lines = [`\nUsage Console is running at http://localhost:${port}/`, `  database: ${describeDatabase(config.DATABASE_URL)}`];
  if (workers > 1) lines.push(`  workers: ${workers} (WEB_CONCURRENCY)`);
  if (demo) {
    lines.push(`  demo admin:  ${DEMO_LOGINS[0].email} / ${DEMO_LOGINS[0].password}   (demo data only)`);
    lines.push(`  demo member: ${DEMO_LOGINS[1].email} / ${DEMO_LOGINS[1].password}`);
  }
  console.log(lines.join('\n') + '\n');
}

/** Only mention the demo logins when this database really holds the demo organisation. */
async function holdsDemo(ctx: AppContext): Promise<boolean> {
  return !!(await ctx.db('users').where({ email: DEMO_LOGINS[0].email }).whereNotNull('password_hash').first());
}

/** Serves the app on PORT; resolves with the port once listening, rejects on a listen error. */
function listen(ctx: AppContext): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(createApp(ctx));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.removeListener('error', reject);
      server.on('error', (err) => ctx.logger.error({ err }, 'server error'));
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : ctx.config.PORT });
    });
    server.listen(ctx.config.PORT);
  });
}

function stopOnSignals(stop: () => void) {
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Background jobs (deliveries, reports, retention): every serving process tries; leases pick one. */
function startJobs(ctx: AppContext): () => void {
  return ctx.config.JOBS === '0' ? () => undefined : startScheduler(ctx);
}

function closeServer(ctx: AppContext, server: http.Server, stopJobs: () => void) {
  stopJobs();
  let done = false;
  const finish = (code: number) => {
    if (done) return;
    done = true;
    Promise.allSettled([ctx.db.destroy(), closeRateLimitRedis()]).finally(() => process.exit(code));
  };
  server.close(() => finish(0));
  server.closeIdleConnections();
  setTimeout(() => finish(0), 5000).unref();
}

/** WEB_CONCURRENCY=1: this process migrates, seeds and serves. */
async function runSingle(config: Config) {
  const ctx = await bootstrap({ config, seedIfEmpty: config.SEED_DEMO === '1' });
  installLastResortHandlers(ctx.logger);
  const demo = await holdsDemo(ctx);
  let listening;
  try {
    listening = await listen(ctx);
  } catch (err) {
    console.error(portInUseMessage(config, err as NodeJS.ErrnoException));
    await ctx.db.destroy().catch(() => undefined);
    process.exit(1);
  }
  printBanner(config, listening.port, demo, 1);
  const stopJobs = startJobs(ctx);
  stopOnSignals(() => closeServer(ctx, listening.server, stopJobs));
}

/** A cluster worker: connects (no migrations), serves, reports to the primary. */
async function runWorker(config: Config) {
  const ctx = await bootstrap({ config, migrate: false });
  installLastResortHandlers(ctx.logger);
  let listening;
  try {
    listening = await listen(ctx);
  } catch (err) {
    process.send?.({ type: 'startup-failed', message: portInUseMessage(config, err as NodeJS.ErrnoException) } satisfies WorkerMessage);
    await ctx.db.destroy().catch(() => undefined);
    process.exit(1);
  }
  process.send?.({ type: 'listening', port: listening.port } satisfies WorkerMessage);
  const stopJobs = startJobs(ctx);
  // The primary stops the workers (SIGTERM); Ctrl-C reaches the whole process group, so a worker
  // leaves SIGINT to the primary instead of exiting under it (which would look like a crash).
  process.on('SIGINT', () => undefined);
  process.once('SIGTERM', () => closeServer(ctx, listening.server, stopJobs));
}

/** The primary: bootstrap once, fork the workers, keep them running, stop them all on a signal. */
async function runPrimary(config: Config) {
  const ctx = await bootstrap({ config, seedIfEmpty: config.SEED_DEMO === '1' });
  const logger = ctx.logger;
  installLastResortHandlers(logger);
  const demo = await holdsDemo(ctx);
  await ctx.db.destroy();

  const wanted = config.workers;
  const ready = new Set<number>();
  const startedAt = new Map<number, number>();
  let bannerShown = false;
  let stopping = false;
  let quickDeaths = 0;

  const fork = () => {
    const w = cluster.fork({ UC_CLUSTER_WORKER: '1' });
    startedAt.set(w.id, Date.now());
    return w;
  };

  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    if (alive.length === 0) process.exit(code);
    let left = alive.length;
    for (const w of alive) {
      w.once('exit', () => {
        if (--left === 0) process.exit(code);
      });
      w.process.kill('SIGTERM');
    }
    setTimeout(() => {
      for (const w of alive) if (!w.isDead()) w.process.kill('SIGKILL');
      process.exit(code);
    }, 8000).unref();
  };

  cluster.on('message', (worker: Worker, msg: WorkerMessage) => {
    if (msg?.type === 'listening') {
      ready.add(worker.id);
      if (!bannerShown && ready.size >= wanted) {
        bannerShown = true;
        printBanner(config, msg.port, demo, wanted);
      }
    } else if (msg?.type === 'startup-failed' && !stopping) {
      console.error(msg.message);
      stopAll(1);
    }
  });

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    ready.delete(worker.id);
    if (stopping) return;
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    quickDeaths = lived < 5000 ? quickDeaths + 1 : 0;
    if (quickDeaths > 10) {
      console.error('Start-up failed: workers keep exiting right after they start; stopping.');
      return stopAll(1);
    }
    logger.warn({ worker: worker.process.pid, code, signal }, 'worker exited; starting a new one');
    setTimeout(() => !stopping && fork(), quickDeaths ? 1000 : 0);
  });

  stopOnSignals(() => stopAll(0));
  for (let i = 0; i < wanted; i++) fork();
}

async function main() {
  const config = loadConfig();
  if (cluster.isWorker) return runWorker(config);
  if (config.workers > 1) return runPrimary(config);
  return runSingle(config);
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('Start-up failed:', err?.message ?? err);
  if (cluster.isWorker) process.send?.({ type: 'startup-failed', message: `Start-up failed: ${err?.message ?? err}` });
  process.exit(1);
});

