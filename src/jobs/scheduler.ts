// Background jobs of every app process: each registered job runs every `everyMs` under its lease,
// so with several processes and hosts one of them runs it at a time. Nothing here keeps state that
// matters: what a job has done lives in the database (periods sent, purge progress, deliveries).
import type { AppContext } from '../http/context';
import { runExclusive } from './lease';

export interface Job {
  /** Lease name, unique across the app. */
  name: string;
  /** How often to try. */
  everyMs: number;
  /** Upper bound of one run; the lease expires after it if the process dies. */
  leaseMs: number;
  run(ctx: AppContext): Promise<void>;
}

const JOBS: Job[] = [];

/** A feature adds its job once, at module load or app build time. Names are unique. */
export function registerJob(job: Job): void {
  if (JOBS.some((j) => j.name === job.name)) return;
  JOBS.push(job);
}

export function registeredJobs(): readonly Job[] {
  return JOBS;
}

/** Runs one job now under its lease (used by the scheduler, by scripts and by tests). */
export async function runJobOnce(ctx: AppContext, job: Job): Promise<boolean> {
  const { ran } = await runExclusive(ctx.db, job.name, job.leaseMs, () => job.run(ctx));
  return ran;
}

/** Starts every registered job's timer; returns a stop function. Failures are logged, never thrown. */
export function startScheduler(ctx: AppContext): () => void {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<string>();
  for (const job of JOBS) {
    const tick = async () => {
      if (running.has(job.name)) return;
      running.add(job.name);
      try {
        await runJobOnce(ctx, job);
      } catch (err) {
        ctx.logger.error({ err, job: job.name }, 'background job failed');
      } finally {
        running.delete(job.name);
      }
    };
    const t = setInterval(() => void tick(), job.everyMs);
    t.unref();
    timers.push(t);
  }
  return () => timers.forEach((t) => clearInterval(t));
}
