// The retention purge of one workspace: deletes interactions and logins before the raw cut-off and
// removes prompt text before the prompt cut-off, in bounded batches. Each batch reads up to
// `batchSize` primary keys in index order (workspace, day, ...) and changes exactly those rows by
// primary key in its own short statement, so no statement holds locks long or fills the undo log.
// Progress lives in the database (deleted rows are gone; prompt clearing keeps a watermark day), so
// a run stopped by its time budget, a crash or a deploy resumes where it stopped. Rollups, the credit
// ledger (which names interactions by client id, without a foreign key) and user_activity are
// never touched: every report figure for a purged month stays as it was.
import type { Knex } from 'knex';
import { maxInList } from '../db/dialect';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/audit';
import { cutoffsFor, pendingCounts, readPolicy, saveCheckedId, saveProgress, topInteractionId, type Cutoffs, type PendingCounts } from './policy';

export const PURGE_BATCH = 2000;
/** Primary-key range of one late-event statement. */
export const LATE_ID_RANGE = 10_000;
/** Ids re-checked behind the last check: rows whose insert committed after a higher id was seen. */
export const LATE_ID_MARGIN = 10_000;

export interface PurgeOptions {
  dryRun?: boolean;
  now?: Date;
  batchSize?: number;
  /** stop starting new batches after this many ms (the rest waits for the next run) */
  budgetMs?: number;
  /** stop after this many batches (tests, and operators who want a small step) */
  maxBatches?: number;
  actor?: Actor;
}

export interface PurgeResult {
  workspaceId: number;
  cutoffs: Cutoffs;
  /** what remained to do when the run started */
  pending: PendingCounts;
  removed: PendingCounts;
  batches: number;
  /** everything due was done */
  done: boolean;
  dryRun: boolean;
}

/** Reads the next batch of ids in index order. */
async function nextIds(q: Knex.QueryBuilder, size: number): Promise<{ ids: number[]; lastDay: string | null }> {
  const rows = (await q.limit(size)) as { id: number; day: unknown }[];
  return { ids: rows.map((r) => Number(r.id)), lastDay: rows.length ? String(rows[rows.length - 1].day).slice(0, 10) : null };
}

export async function purgeWorkspace(db: Knex, workspaceId: number, opts: PurgeOptions = {}): Promise<PurgeResult> {
  const ws = await db('workspaces').select('id', 'time_zone').where({ id: workspaceId }).first();
  if (!ws) throw new Error(`workspace ${workspaceId} not found`);
  const policy = await readPolicy(db, workspaceId);
  const now = opts.now ?? new Date();
  const cutoffs = cutoffsFor(policy, ws.time_zone, now);
  const pending = await pendingCounts(db, workspaceId, cutoffs, policy);
  const result: PurgeResult = { workspaceId, cutoffs, pending, removed: { prompts: 0, interactions: 0, logins: 0 }, batches: 0, done: true, dryRun: !!opts.dryRun };
  if (opts.dryRun) return result;
  const size = Math.min(opts.batchSize ?? PURGE_BATCH, maxInList(db));
  const deadline = opts.budgetMs == null ? Infinity : Date.now() + opts.budgetMs;
  const maxBatches = opts.maxBatches ?? Infinity;
  const outOfTime = () => Date.now() >= deadline || result.batches >= maxBatches;

  if (cutoffs.rawBefore) {
    for (const table of ['interactions', 'logins'] as const) {
      for (;;) {
        if (outOfTime()) return finish(db, result, opts, false);
        const q = db(table).select('id', 'day').where('workspace_id', workspaceId).where('day', '<', cutoffs.rawBefore).orderBy('day');
        if (table === 'interactions') q.orderBy('occurred_at');
        q.orderBy('id');
        const { ids } = await nextIds(q, size);
        if (!ids.length) break;
        const n = await db(table).whereIn('id', ids).where('workspace_id', workspaceId).delete();
        result.removed[table] += Number(n);
        result.batches++;
      }
    }
    await saveProgress(db, workspaceId, 'raw_purged_before', cutoffs.rawBefore);
  }

  if (cutoffs.promptBefore) {
    const topId = await topInteractionId(db);
    if (policy.promptsClearedBefore) {
      // Late events: stored since the last check with a day before the watermark, which the day-ordered
      // scan below no longer visits. Read by primary-key ranges over the new ids only.
      const before = policy.promptsClearedBefore < cutoffs.promptBefore ? policy.promptsClearedBefore : cutoffs.promptBefore;
      let a = Math.max(0, (policy.promptsCheckedId ?? 0) - LATE_ID_MARGIN);
      while (a < topId) {
        if (outOfTime()) return finish(db, result, opts, false);
        const b = Math.min(a + LATE_ID_RANGE, topId);
        const n = await db('interactions')
          .where('id', '>', a)
          .andWhere('id', '<=', b)
          .andWhere('workspace_id', workspaceId)
          .andWhere('day', '<', before)
          .whereNotNull('prompt_excerpt')
          .update({ prompt_excerpt: null, prompt_removed: true });
        result.removed.prompts += Number(n);
        result.batches++;
        a = b;
        await saveCheckedId(db, workspaceId, a);
      }
    }
    // Start at the watermark (or the raw cut-off): days before it hold no prompt text any more.
    let from = [policy.promptsClearedBefore, cutoffs.rawBefore].filter((d): d is string => !!d).sort().pop() ?? null;
    for (;;) {
      if (outOfTime()) return finish(db, result, opts, false);
      const q = db('interactions').select('id', 'day').where('workspace_id', workspaceId).where('day', '<', cutoffs.promptBefore).whereNotNull('prompt_excerpt').orderBy('day').orderBy('occurred_at').orderBy('id');
      if (from) q.where('day', '>=', from);
      const { ids, lastDay } = await nextIds(q, size);
      if (!ids.length) break;
      const n = await db('interactions').whereIn('id', ids).where('workspace_id', workspaceId).update({ prompt_excerpt: null, prompt_removed: true });
      result.removed.prompts += Number(n);
      result.batches++;
      // Rows are taken in day order: every day before the batch's last day is done.
      if (lastDay) {
        await saveProgress(db, workspaceId, 'prompts_cleared_before', lastDay);
        from = lastDay;
      }
    }
    await saveProgress(db, workspaceId, 'prompts_cleared_before', cutoffs.promptBefore);
    await saveCheckedId(db, workspaceId, topId);
  }
  return finish(db, result, opts, true);
}

async function finish(db: Knex, result: PurgeResult, opts: PurgeOptions, done: boolean): Promise<PurgeResult> {
  result.done = done;
  const removedAny = result.removed.prompts + result.removed.interactions + result.removed.logins > 0;
  if (removedAny || !done) {
    await recordAudit(db, {
      workspaceId: result.workspaceId,
      actor: opts.actor ?? SYSTEM_ACTOR,
      action: 'retention.purge',
      targetType: 'workspace',
      targetId: result.workspaceId,
      before: { pending: result.pending },
      after: {
        prompts_removed: result.removed.prompts,
        interactions_deleted: result.removed.interactions,
        logins_deleted: result.removed.logins,
        batches: result.batches,
        prompt_cutoff: result.cutoffs.promptBefore,
        raw_cutoff: result.cutoffs.rawBefore,
        done,
      },
    });
  }
  return result;
}
