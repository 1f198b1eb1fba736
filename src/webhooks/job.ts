// The delivery worker as a background job. On MySQL/MariaDB every process runs its own worker
// (the job name carries the process, so leases do not serialise them): SKIP LOCKED claims split the
// queue. On SQLite one worker at a time holds the shared lease.
import type { AppContext } from '../http/context';
import { isSQLite } from '../db/dialect';
import { PROCESS_OWNER, runExclusive } from '../jobs/lease';
import { registerJob } from '../jobs/scheduler';
import { runDeliveries, type WorkerOptions, type WorkerReport } from './worker';

export const DELIVERY_LEASE = 'webhook-deliveries';
const LEASE_MS = 60_000;

export async function deliveryJob(ctx: AppContext, opts: WorkerOptions = {}): Promise<WorkerReport> {
  const run = () => runDeliveries(ctx, { budgetMs: 40_000, ...opts });
  if (!isSQLite(ctx.db)) return run();
  const r = await runExclusive(ctx.db, DELIVERY_LEASE, LEASE_MS, run, opts.owner ?? PROCESS_OWNER);
  return r.result ?? { delivered: 0, retried: 0, failed: 0 };
}

export function registerDeliveryJob(): void {
  registerJob({
    name: `${DELIVERY_LEASE}@${PROCESS_OWNER}`.slice(0, 100),
    everyMs: 3_000,
    leaseMs: LEASE_MS,
    run: async (ctx) => {
      await deliveryJob(ctx);
    },
  });
}
