// A workspace's retention policy (table retention_settings): how long prompt text and raw rows are
// kept, the cut-off days that follow from it today (workspace zone), and what the next purge removes.
// All SQL of the policy lives here; the purge itself is src/retention/purge.ts.
import type { Knex } from 'knex';
import { addDays, addMonths, firstDayOfMonth, monthOf, toDbTime, today } from '../db/time';

/** Raw rows are kept at least this many months (the current one included), so the rolling 12-month Usage window stays whole. */
export const MIN_RAW_MONTHS = 13;
export const MAX_RAW_MONTHS = 1200;
export const MAX_PROMPT_DAYS = 36500;

export interface RetentionPolicy {
  /** days prompt text is kept; null = forever */
  promptDays: number | null;
  /** months raw interactions and logins are kept (the current month counts); null = forever */
  rawMonths: number | null;
  /** every interaction with a day before this has had its prompt text removed (purge progress) */
  promptsClearedBefore: string | null;
  /** no raw row with a day before this remains (a month start; rollups before it have no raw rows) */
  rawPurgedBefore: string | null;
  /** interactions with ids up to this were checked against the watermark (late events come after it) */
  promptsCheckedId: number | null;
}

export const FOREVER: RetentionPolicy = { promptDays: null, rawMonths: null, promptsClearedBefore: null, rawPurgedBefore: null, promptsCheckedId: null };

const day = (v: unknown) => (v == null ? null : String(v).slice(0, 10));

export async function readPolicy(db: Knex, workspaceId: number): Promise<RetentionPolicy> {
  const r = await db('retention_settings').where({ workspace_id: workspaceId }).first();
  if (!r) return { ...FOREVER };
  return {
    promptDays: r.prompt_days == null ? null : Number(r.prompt_days),
    rawMonths: r.raw_months == null ? null : Number(r.raw_months),
    promptsClearedBefore: day(r.prompts_cleared_before),
    rawPurgedBefore: day(r.raw_purged_before),
    promptsCheckedId: r.prompts_checked_id == null ? null : Number(r.prompts_checked_id),
  };
}

/** Saves the two settings (the purge's progress is kept). */
export async function savePolicy(db: Knex, workspaceId: number, p: { promptDays: number | null; rawMonths: number | null }): Promise<void> {
  const now = toDbTime(new Date());
  await db('retention_settings')
    .insert({ workspace_id: workspaceId, prompt_days: p.promptDays, raw_months: p.rawMonths, updated_at: now })
    .onConflict('workspace_id')
    .merge({ prompt_days: p.promptDays, raw_months: p.rawMonths, updated_at: now });
}

/** Records how far late events were checked (an interactions id). */
export async function saveCheckedId(db: Knex, workspaceId: number, id: number): Promise<void> {
  await db('retention_settings').where({ workspace_id: workspaceId }).update({ prompts_checked_id: id, updated_at: toDbTime(new Date()) });
}

/** The newest interactions id (any workspace): O(1) on the primary key. */
export async function topInteractionId(db: Knex): Promise<number> {
  return Number(((await db('interactions').max({ m: 'id' }).first()) as { m?: unknown } | undefined)?.m ?? 0);
}

/** Records purge progress (only ever moves forward). */
export async function saveProgress(db: Knex, workspaceId: number, field: 'prompts_cleared_before' | 'raw_purged_before', dayValue: string): Promise<void> {
  const now = toDbTime(new Date());
  await db('retention_settings').insert({ workspace_id: workspaceId, [field]: dayValue, updated_at: now }).onConflict('workspace_id').ignore();
  await db('retention_settings')
    .where({ workspace_id: workspaceId })
    .andWhere((q) => q.whereNull(field).orWhere(field, '<', dayValue))
    .update({ [field]: dayValue, updated_at: now });
}

export interface Cutoffs {
  /** interactions on days before this lose their prompt text; null = keep forever */
  promptBefore: string | null;
  /** interactions and logins on days before this are deleted (a month start); null = keep forever */
  rawBefore: string | null;
}

/**
 * Today's cut-offs: prompt text of the last N days is kept (days before today - N go); raw rows of
 * the current month and the M - 1 months before it are kept (whole months go, so every month is
 * either complete or gone, and a rebuild can tell them apart).
 */
export function cutoffsFor(p: Pick<RetentionPolicy, 'promptDays' | 'rawMonths'>, zone: string, now: Date): Cutoffs {
  const t = today(zone, now);
  return {
    promptBefore: p.promptDays == null ? null : addDays(t, -p.promptDays),
    rawBefore: p.rawMonths == null ? null : firstDayOfMonth(addMonths(monthOf(now, zone), -(p.rawMonths - 1))),
  };
}

export interface PendingCounts {
  prompts: number;
  interactions: number;
  logins: number;
}

/**
 * What a purge with these cut-offs removes now: prompt texts on days not yet cleared (rows about to be
 * deleted are not counted twice), interactions and logins before the raw cut-off. Index range counts.
 */
export async function pendingCounts(db: Knex, workspaceId: number, c: Cutoffs, progress: Pick<RetentionPolicy, 'promptsClearedBefore' | 'promptsCheckedId'>): Promise<PendingCounts> {
  const out: PendingCounts = { prompts: 0, interactions: 0, logins: 0 };
  const jobs: Promise<void>[] = [];
  if (c.promptBefore) {
    const q = db('interactions').where('workspace_id', workspaceId).where('day', '<', c.promptBefore).whereNotNull('prompt_excerpt');
    // days before the watermark hold no prompt text, except late events stored after the last check
    const wm = progress.promptsClearedBefore;
    const checked = progress.promptsCheckedId;
    if (wm) q.where((w) => w.where('day', '>=', wm).orWhere('id', '>', checked ?? 0));
    if (c.rawBefore) q.where('day', '>=', c.rawBefore);
    jobs.push(q.count({ n: '*' }).first().then((r: any) => void (out.prompts = Number(r?.n ?? 0))));
  }
  if (c.rawBefore) {
    jobs.push(db('interactions').where('workspace_id', workspaceId).where('day', '<', c.rawBefore).count({ n: '*' }).first().then((r: any) => void (out.interactions = Number(r?.n ?? 0))));
    jobs.push(db('logins').where('workspace_id', workspaceId).where('day', '<', c.rawBefore).count({ n: '*' }).first().then((r: any) => void (out.logins = Number(r?.n ?? 0))));
  }
  await Promise.all(jobs);
  return out;
}

/** Workspaces with a policy that removes something (the purge job's work list). */
export async function workspacesWithPolicy(db: Knex): Promise<{ id: number; slug: string; time_zone: string }[]> {
  return db('retention_settings as r')
    .join('workspaces as w', 'w.id', 'r.workspace_id')
    .select('w.id', 'w.slug', 'w.time_zone')
    .where((q) => q.whereNotNull('r.prompt_days').orWhereNotNull('r.raw_months'))
    .orderBy('w.id');
}

/** The first day that still has raw rows for a rebuild of the rollups (null = every day). */
export async function rawRowsFrom(db: Knex, workspaceId: number): Promise<string | null> {
  const r = await db('retention_settings').select('raw_purged_before').where({ workspace_id: workspaceId }).first();
  return day(r?.raw_purged_before);
}
