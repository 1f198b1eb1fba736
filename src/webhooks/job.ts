// The delivery worker as a background job. On MySQL/MariaDB every process runs its own worker
// (the job name carries the process, so leases do not serialise them): SKIP LOCKED claims split the
// queue. On SQLite one worker at a time holds the shared lease.
import type { AppContext } from '../http/context';
import { isSQLite } from '../db/dialect';
import { PROCESS_OWNER, runExclusive } from '../jobs/lease';
import { registerJob } from '../jobs/scheduler';
import { runDeliveries } from './worker';

export const DELIVERY_LEASE = 'webhook-deliveries';
const LEASE_MS = 60_000;

export async function deliveryJob(ctx: AppContext): Promise<void> {
  if (isSQLite(ctx.db)) await runExclusive(ctx.db, DELIVERY_LEASE, LEASE_MS, () => runDeliveries(ctx, { budgetMs: 40_000 }));
  else await runDeliveries(ctx, { budgetMs: 40_000 });
}

export function registerDeliveryJob(): void {
  registerJob({ name: `${DELIVERY_LEASE}@${PROCESS_OWNER}`.slice(0, 100), everyMs: 3_000, leaseMs: LEASE_MS, run: deliveryJob });
}
