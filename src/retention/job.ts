// The scheduled retention purge: every hour, under the `retention-purge` lease (one runner across
// processes and hosts), each workspace with a policy is purged within a time budget; what is left
// waits for the next run (the purge resumes from the database). Each run's rows removed and whether
// it finished go to the workspace's audit log (src/retention/purge.ts).
import type { AppContext } from '../http/context';
import { registerJob, type Job } from '../jobs/scheduler';
import { workspacesWithPolicy } from './policy';
import { purgeWorkspace, type PurgeResult } from './purge';

export const PURGE_LEASE_MS = 15 * 60_000;
/** Work per run, well inside the lease so a live run never loses it. */
export const PURGE_BUDGET_MS = 5 * 60_000;

export async function purgeAll(ctx: AppContext, opts: { budgetMs?: number; now?: Date } = {}): Promise<PurgeResult[]> {
  const budget = opts.budgetMs ?? PURGE_BUDGET_MS;
  const started = Date.now();
  const out: PurgeResult[] = [];
  for (const ws of await workspacesWithPolicy(ctx.db)) {
    const left = budget - (Date.now() - started);
    if (left <= 0) break;
    try {
      out.push(await purgeWorkspace(ctx.db, ws.id, { budgetMs: left, now: opts.now }));
    } catch (err) {
      ctx.logger.error({ err, workspace: ws.slug }, 'retention purge failed');
    }
  }
  return out;
}

export const RETENTION_JOB: Job = {
  name: 'retention-purge',
  everyMs: 60 * 60_000,
  leaseMs: PURGE_LEASE_MS,
  run: async (ctx) => {
    await purgeAll(ctx);
  },
};

export function registerRetentionJob(): void {
  registerJob(RETENTION_JOB);
}
