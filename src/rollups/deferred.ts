// Per-user rollups applied after the batch's commit, a part of the roster at a time.
//
// Why: every batch of a workspace takes the workspace's credit lock and adds to the same
// workspace-wide rollup rows, so that part of its transaction runs one batch at a time. When the
// per-user rollups (daily and monthly per user, per surface, per agent, all-time totals, first and
// last activity: about 4,000 rows for 1,000 events) were upserted in the same transaction, their
// row locks were held until that serialised commit, and batches of overlapping users waited for
// each other anyway: ingestion ran at the speed of one batch's per-user upserts at a time.
//
// How: the batch's transaction stores its merged per-user rows as JSON in `rollup_pending`, one row
// per part of the roster (users in blocks of consecutive ids, so neighbouring keys mostly share a
// part), together with its raw rows, charge and workspace-wide rollups. After the commit the batch
// applies its parts: one transaction per part locks that part's pending rows (of every batch and
// every process), merges them, upserts the per-user rollups in key order and deletes the rows. Parts
// touch disjoint users, so they run side by side; batches that committed meanwhile are merged into
// one pass. The call answers only once its parts are applied, so whatever a client reads after
// the answer includes its events. Nothing acknowledged is lost: pending rows outlive a process
// that stops between the two transactions, and the next pass of that part (any batch, any
// process) or the `user-rollups` job applies them. Readers that memoise per-user figures treat a
// workspace with pending rows as changing (src/reports/memo.ts).
import type { Knex } from 'knex';
import { forUpdate, isMySQL } from '../db/dialect';
import { transactionWithRetry } from '../db/retry';
import { toDbTime } from '../db/time';
import type { Job } from '../jobs/scheduler';
import { PER_USER_INTERACTION_ROLLUPS, type InteractionFacts } from './spec';
import { RollupBatch, type PackedRollups } from './upkeep';

/** Parts of the roster applied side by side. */
export const USER_PARTS = 4;
/** Consecutive user ids per block: a block belongs to one part. */
const BLOCK = 16;
/** Pending rows one pass merges (a pass repeats while it finds this many). */
const PASS_ROWS = 64;

export function partOfUser(userId: number): number {
  return Math.floor(userId / BLOCK) % USER_PARTS;
}

/** A batch's per-user rollup rows, merged per part of the roster. */
export class UserRollupParts {
  private parts = new Map<number, RollupBatch>();

  addInteraction(f: InteractionFacts): void {
    const part = partOfUser(f.user_id);
    let batch = this.parts.get(part);
    if (!batch) this.parts.set(part, (batch = new RollupBatch(PER_USER_INTERACTION_ROLLUPS)));
    batch.addInteraction(f);
  }

  /** Stores the rows in `rollup_pending` in the caller's transaction; returns the parts touched. */
  async stage(trx: Knex, workspaceId: number): Promise<number[]> {
    if (this.parts.size === 0) return [];
    const now = toDbTime(new Date());
    const parts = [...this.parts.keys()].sort((a, b) => a - b);
    await trx('rollup_pending').insert(parts.map((part) => ({ workspace_id: workspaceId, part, payload: JSON.stringify(this.parts.get(part)!.packed()), created_at: now })));
    return parts;
  }
}

/**
 * One pass over a part's pending rows: lock them, add them to the per-user rollups, delete them.
 * Read committed on MySQL: the locking read then takes no gap locks, so batches keep inserting
 * pending rows while a pass runs. Returns how many rows it applied.
 */
async function applyOnce(db: Knex, workspaceId: number, part: number): Promise<number> {
  return transactionWithRetry(
    db,
    async (trx) => {
      const rows: { id: number; payload: string }[] = await forUpdate(
        trx,
        trx('rollup_pending').select('id', 'payload').where({ workspace_id: workspaceId, part }).orderBy('id').limit(PASS_ROWS),
      );
      if (rows.length === 0) return 0;
      const merged = new RollupBatch(PER_USER_INTERACTION_ROLLUPS);
      for (const r of rows) merged.absorb(JSON.parse(r.payload) as PackedRollups);
      await merged.flush(trx);
      await trx('rollup_pending').whereIn('id', rows.map((r) => r.id)).delete();
      return rows.length;
    },
    isMySQL(db) ? { isolationLevel: 'read committed' } : undefined,
  );
}

async function applyAll(db: Knex, workspaceId: number, part: number): Promise<void> {
  while ((await applyOnce(db, workspaceId, part)) === PASS_ROWS);
}

/**
 * Per process and part, at most one pass runs and at most one waits: a caller joins the waiting
 * pass (it starts after the caller's commit, so it sees the caller's rows) or starts one. This only
 * merges work; which rows are applied is decided by the database's row locks.
 */
interface Lane {
  running: Promise<void> | null;
  waiting: Promise<void> | null;
}
const lanes = new WeakMap<Knex, Map<string, Lane>>();

function laneOf(db: Knex, key: string): Lane {
  let byKey = lanes.get(db);
  if (!byKey) lanes.set(db, (byKey = new Map()));
  let lane = byKey.get(key);
  if (!lane) byKey.set(key, (lane = { running: null, waiting: null }));
  return lane;
}

function run(lane: Lane, pass: () => Promise<void>): Promise<void> {
  const p = pass().finally(() => {
    if (lane.running === p) lane.running = null;
  });
  lane.running = p;
  return p;
}

/** Applies the workspace's pending rows of `part`, including every row committed before the call. */
export function applyPendingPart(db: Knex, workspaceId: number, part: number): Promise<void> {
  const lane = laneOf(db, `${workspaceId}:${part}`);
  if (lane.waiting) return lane.waiting;
  const pass = () => applyAll(db, workspaceId, part);
  if (!lane.running) return run(lane, pass);
  const waiting = lane.running
    .catch(() => undefined)
    .then(() => {
      lane.waiting = null;
      return run(lane, pass);
    });
  lane.waiting = waiting;
  return waiting;
}

/** Applies every pending row of the database (the `user-rollups` job, a rebuild, a shutdown). */
export async function applyAllPending(db: Knex, workspaceId?: number): Promise<number> {
  const q = db('rollup_pending').distinct('workspace_id', 'part');
  if (workspaceId != null) q.where('workspace_id', workspaceId);
  const pairs: { workspace_id: number; part: number }[] = await q;
  for (const p of pairs) await applyPendingPart(db, Number(p.workspace_id), Number(p.part));
  return pairs.length;
}

/**
 * The safety net: pending rows that no batch applied (their process stopped between its two
 * transactions, or the second failed) are applied within this interval, by one process at a time.
 */
export const USER_ROLLUPS_JOB: Job = {
  name: 'user-rollups',
  everyMs: 10_000,
  leaseMs: 5 * 60_000,
  run: async (ctx) => void (await applyAllPending(ctx.db)),
};
