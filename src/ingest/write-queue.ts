// The per-workspace write queue (group commit): batches of one workspace are written by at most
// `writersPerWorkspace` transactions at a time, and batches that arrive meanwhile are written together
// in the next transaction. Every batch of a workspace queues on the same rollup rows and credit lock
// anyway; writing the waiting batches together takes those locks, upserts the merged rollup rows and
// commits once instead of once per batch. If a group's write fails, every batch of the group fails
// with the same error. In-process only by design: it merges work, it does not own shared state.
import type { Knex } from 'knex';

/**
 * Most events one write transaction takes from the queue: small batches that wait are written
 * together; full API batches (1000 events) are written one per transaction.
 */
let maxGroupEvents = 1000;
/**
 * Write transactions per workspace at a time. Four: raw rows of one batch are inserted (touching no
 * shared rows) while another holds the rollup rows and the credit lock. Measured on a 2-core machine,
 * 4 writers with 1000-event transactions beat 1-2 writers with larger merged transactions; callers
 * beyond that wait in this queue without holding a database connection.
 */
let writersPerWorkspace = 4;

/** Tunes the write queue (measurements and tests): writers per workspace, events per transaction. */
export function configureWriteQueue(o: { writers?: number; maxGroupEvents?: number }): void {
  if (o.writers != null) writersPerWorkspace = Math.max(1, Math.floor(o.writers));
  if (o.maxGroupEvents != null) maxGroupEvents = Math.max(1, Math.floor(o.maxGroupEvents));
}

interface Pending<T, R> {
  batch: T;
  events: number;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

interface Queue<T, R> {
  running: number;
  items: Pending<T, R>[];
}

/**
 * A queue whose groups `write` writes in one transaction (one result per batch, in order).
 * `events` is a batch's size, for the group limit.
 */
export function writeQueue<T, R>(write: (db: Knex, group: T[]) => Promise<R[]>, events: (batch: T) => number) {
  const queues = new WeakMap<Knex, Map<number, Queue<T, R>>>();

  async function drain(db: Knex, workspaceId: number, q: Queue<T, R>): Promise<void> {
    q.running++;
    try {
      while (q.items.length) {
        const group: Pending<T, R>[] = [];
        let n = 0;
        while (q.items.length && (group.length === 0 || n + q.items[0].events <= maxGroupEvents)) {
          const item = q.items.shift()!;
          group.push(item);
          n += item.events;
        }
        try {
          const results = await write(db, group.map((g) => g.batch));
          group.forEach((g, i) => g.resolve(results[i]));
        } catch (err) {
          for (const g of group) g.reject(err);
        }
      }
    } finally {
      q.running--;
      if (q.running === 0 && q.items.length === 0 && queues.get(db)?.get(workspaceId) === q) queues.get(db)!.delete(workspaceId);
    }
  }

  return function enqueue(db: Knex, workspaceId: number, batch: T): Promise<R> {
    return new Promise((resolve, reject) => {
      let byWs = queues.get(db);
      if (!byWs) queues.set(db, (byWs = new Map()));
      let q = byWs.get(workspaceId);
      if (!q) byWs.set(workspaceId, (q = { running: 0, items: [] }));
      q.items.push({ batch, events: events(batch), resolve, reject });
      if (q.running < writersPerWorkspace) void drain(db, workspaceId, q);
    });
  };
}
