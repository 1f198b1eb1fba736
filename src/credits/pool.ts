// The shared credit pool of a workspace, derived from the append-only ledger: live packs and what
// is left of each, PAYG headroom, lazy included grants and expiries, and the per-workspace lock.
import type { Knex } from 'knex';
import { dayOf, firstDayOfMonth, addMonths, fromDbTime, monthOf, startOfDayUtc, toDbTime } from '../db/time';
import { forUpdate } from '../db/dialect';
import { PRICE_ITEMS, pricesFrom, readPriceRows, seedDefaultPrices, type Prices } from './prices';
import { onCreditBalance } from '../alerts/credit-rules';
import { loadWorkspaceShared } from '../workspaces/queries';
import type { Workspace } from '../workspaces/workspace';

/** Ledger entry types that add credits to the pool (each is a "pack" consumption draws on). */
export const PACK_TYPES = ['included', 'purchase', 'grant'] as const;
/** Ledger entry types that record usage. */
export const USAGE_TYPES = ['consumption', 'payg', 'overage'] as const;

export type CreditWorkspace = Pick<Workspace, 'id' | 'time_zone' | 'billing_mode' | 'payg_enabled' | 'payg_monthly_cap' | 'included_credits_per_period' | 'grid_free_test_rows'>;

export interface Pack {
  id: number;
  entry_type: string;
  amount: number;
  remaining: number;
  expires_at: string | null;
  occurred_at: string;
  note: string | null;
  price_cents: number | null;
}

export interface PoolState {
  month: string;
  available: number;
  packs: Pack[];
  paygEnabled: boolean;
  paygCap: number | null;
  paygUsed: number;
  /** null = PAYG off; Infinity = PAYG on without a cap */
  paygHeadroom: number | null;
  overageThisMonth: number;
  /** Grid rows this month's free test rows have covered so far */
  gridFreeRowsUsed: number;
}

export function isCreditWorkspace(ws: { billing_mode: string }): boolean {
  return ws.billing_mode === 'credits';
}

/** Soonest-expiring first; packs without an expiry last; then oldest first. */
export function drawOrder(a: Pack, b: Pack): number {
  if (a.expires_at !== b.expires_at) {
    if (a.expires_at == null) return 1;
    if (b.expires_at == null) return -1;
    return a.expires_at < b.expires_at ? -1 : 1;
  }
  return a.id - b.id;
}

const dbTimeText = (v: unknown) => (v == null ? null : String(v).slice(0, 23));

/**
 * Inside the credit lock, reads must see the latest committed rows: on MySQL a plain SELECT in a
 * REPEATABLE READ transaction reads the snapshot taken before the lock was granted, so every read
 * under the lock is a locking read (SELECT ... FOR UPDATE). SQLite serialises writers already.
 */
export function latest<T extends Knex.QueryBuilder>(db: Knex, qb: T, locked: boolean): T {
  return locked ? forUpdate(db, qb) : qb;
}

/** Packs that have not expired at `now`, with what is left of each, in draw order. */

/** A pack (grant/purchase ledger row) as read from the ledger, before draw-down. */
function packFromRow(r: Record<string, unknown>): Pack {
  return {
    id: Number(r.id),
    entry_type: String(r.entry_type),
    amount: Number(r.amount),
    remaining: Number(r.amount),
    expires_at: dbTimeText(r.expires_at),
    occurred_at: dbTimeText(r.occurred_at)!,
    note: (r.note as string) ?? null,
    price_cents: r.price_cents == null ? null : Number(r.price_cents),
  };
}

export async function livePacks(db: Knex, workspaceId: number, now: Date, locked = false): Promise<Pack[]> {
  const rows = await latest(db, db('credit_ledger')
    .select('id', 'entry_type', 'amount', 'expires_at', 'occurred_at', 'note', 'price_cents')
    .where({ workspace_id: workspaceId })
    .whereIn('entry_type', PACK_TYPES as unknown as string[])
    .where((w) => w.whereNull('expires_at').orWhere('expires_at', '>', toDbTime(now))), locked);
  const packs: Pack[] = rows.map(packFromRow);
  await loadRemaining(db, workspaceId, packs, locked);
  return packs.sort(drawOrder);
}

/** Subtracts what consumption, expiry and adjustment rows drew from each pack (a sum over the ledger). */
async function applyDraws(db: Knex, workspaceId: number, packs: Pack[], locked = false): Promise<void> {
  const byId = new Map(packs.map((p) => [p.id, p]));
  const ids = [...byId.keys()];
  for (let i = 0; i < ids.length; i += 500) {
    const sums = await latest(
      db,
      db('credit_ledger').select('source_entry_id').sum({ drawn: 'amount' }).where({ workspace_id: workspaceId }).whereIn('source_entry_id', ids.slice(i, i + 500)).groupBy('source_entry_id'),
      locked,
    );
    for (const s of sums as { source_entry_id: number; drawn: number }[]) byId.get(Number(s.source_entry_id))!.remaining += Number(s.drawn);
  }
}

/**
 * Sets each pack's `remaining` from credit_pack_balances; packs without a cached balance are summed
 * from the ledger, and under the lock the result is cached for the next charge.
 */
async function loadRemaining(db: Knex, workspaceId: number, packs: Pack[], locked = false): Promise<void> {
  if (packs.length === 0) return;
  const byId = new Map(packs.map((p) => [p.id, p]));
  const ids = [...byId.keys()];
  const cached = new Set<number>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await latest(db, db('credit_pack_balances').select('entry_id', 'remaining').whereIn('entry_id', ids.slice(i, i + 500)), locked);
    for (const r of rows as { entry_id: number; remaining: number }[]) {
      byId.get(Number(r.entry_id))!.remaining = Number(r.remaining);
      cached.add(Number(r.entry_id));
    }
  }
  const missing = packs.filter((p) => !cached.has(p.id));
  if (missing.length === 0) return;
  await applyDraws(db, workspaceId, missing, locked);
  if (locked) {
    const now = toDbTime(new Date());
    await db('credit_pack_balances')
      .insert(missing.map((p) => ({ entry_id: p.id, workspace_id: workspaceId, remaining: p.remaining, updated_at: now })))
      .onConflict('entry_id')
      .merge(['remaining', 'updated_at']);
  }
}

/** Stores new remaining balances of packs (only under the credit lock). */
export async function saveRemaining(trx: Knex, workspaceId: number, packs: Pack[]): Promise<void> {
  if (packs.length === 0) return;
  const now = toDbTime(new Date());
  // One multi-row upsert, in id order (a stable lock order), 200 packs per statement.
  const sorted = [...packs].sort((a, b) => a.id - b.id);
  for (let i = 0; i < sorted.length; i += 200) {
    await trx('credit_pack_balances')
      .insert(sorted.slice(i, i + 200).map((p) => ({ entry_id: p.id, workspace_id: workspaceId, remaining: p.remaining, updated_at: now })))
      .onConflict('entry_id')
      .merge(['remaining', 'updated_at']);
  }
}

/** Every pack ever recorded (newest first), with what is left and its status, for the packs table. */
export async function allPacks(db: Knex, workspaceId: number, now: Date, limit = 200): Promise<(Pack & { status: 'active' | 'used' | 'expired' })[]> {
  const rows = await db('credit_ledger')
    .select('id', 'entry_type', 'amount', 'expires_at', 'occurred_at', 'note', 'price_cents')
    .where({ workspace_id: workspaceId })
    .whereIn('entry_type', PACK_TYPES as unknown as string[])
    .orderBy([{ column: 'occurred_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(limit);
  const packs: Pack[] = rows.map(packFromRow);
  await loadRemaining(db, workspaceId, packs);
  const nowText = toDbTime(now);
  return packs.map((p) => ({
    ...p,
    status: p.expires_at && p.expires_at <= nowText ? 'expired' : p.remaining <= 0 ? 'used' : 'active',
  }));
}

export interface MonthlyCounters {
  payg_credits: number;
  overage_credits: number;
  grid_rows: number;
  grid_free_rows: number;
}

/** The counters of several months in one read (months without a row count zero). */
export async function monthlyCountersOf(db: Knex, workspaceId: number, months: string[], locked = false): Promise<Map<string, MonthlyCounters>> {
  const out = new Map<string, MonthlyCounters>();
  for (const m of months) out.set(m, { payg_credits: 0, overage_credits: 0, grid_rows: 0, grid_free_rows: 0 });
  if (months.length === 0) return out;
  const rows = await latest(db, db('credit_monthly').where({ workspace_id: workspaceId }).whereIn('month', months), locked);
  for (const r of rows as Record<string, unknown>[]) {
    out.set(String(r.month), {
      payg_credits: Number(r.payg_credits ?? 0),
      overage_credits: Number(r.overage_credits ?? 0),
      grid_rows: Number(r.grid_rows ?? 0),
      grid_free_rows: Number(r.grid_free_rows ?? 0),
    });
  }
  return out;
}

export async function monthlyCounters(db: Knex, workspaceId: number, month: string, locked = false): Promise<MonthlyCounters> {
  const r = await latest(db, db('credit_monthly').where({ workspace_id: workspaceId, month }), locked).first();
  return {
    payg_credits: Number(r?.payg_credits ?? 0),
    overage_credits: Number(r?.overage_credits ?? 0),
    grid_rows: Number(r?.grid_rows ?? 0),
    grid_free_rows: Number(r?.grid_free_rows ?? 0),
  };
}

export function paygCapOf(ws: CreditWorkspace): number | null {
  return ws.payg_monthly_cap == null ? null : Number(ws.payg_monthly_cap);
}

/** PAYG credits still allowed this month: null when PAYG is off, Infinity without a cap. */
export function paygHeadroom(ws: CreditWorkspace, used: number): number | null {
  if (!ws.payg_enabled) return null;
  const cap = paygCapOf(ws);
  return cap == null ? Infinity : Math.max(0, cap - used);
}

/**
 * What the pool at a moment is computed from (poolAt), read together, apart from the workspace's
 * settings: the quote keeps it under the pool's stamp (CREDIT_STAMP_SQL) and reads the settings
 * fresh. `packs` are those not expired at `readAt`: poolAt drops those that expired since.
 */
export interface PoolReads {
  month: string;
  packs: Pack[];
  counters: MonthlyCounters;
  /** this month's included credits are in the ledger already */
  includedGranted: boolean;
  /** ms since the epoch */
  readAt: number;
}

/** The reads of `month` at `now` (the grant of included credits is looked for only when the workspace has some). */
export async function readPoolReads(db: Knex, ws: Pick<CreditWorkspace, 'id' | 'included_credits_per_period'>, month: string, now: Date, locked = false): Promise<PoolReads> {
  const packs = await livePacks(db, ws.id, now, locked);
  const counters = await monthlyCounters(db, ws.id, month, locked);
  const granted = Number(ws.included_credits_per_period ?? 0) > 0 && !!(await latest(db, db('credit_ledger').select('id').where({ workspace_id: ws.id, dedupe_key: `included:${month}` }), locked).first());
  return { month, packs, counters, includedGranted: granted, readAt: now.getTime() };
}

/** The pool at `now` (not before `r.readAt`) from its reads and the workspace's settings. */
export function poolAt(ws: CreditWorkspace, r: PoolReads, now: Date): PoolState {
  const nowText = toDbTime(now);
  const packs = r.packs.filter((p) => p.expires_at == null || p.expires_at > nowText);
  let available = packs.reduce((s, p) => s + Math.max(0, p.remaining), 0);
  // This month's included credits count even before the first charge or page view writes them.
  const included = Number(ws.included_credits_per_period ?? 0);
  if (included > 0 && !r.includedGranted) available += included;
  return {
    month: r.month,
    available,
    packs,
    paygEnabled: !!ws.payg_enabled,
    paygCap: paygCapOf(ws),
    paygUsed: r.counters.payg_credits,
    paygHeadroom: paygHeadroom(ws, r.counters.payg_credits),
    overageThisMonth: r.counters.overage_credits,
    gridFreeRowsUsed: r.counters.grid_free_rows,
  };
}

/** The pool as of `now` (read-only: expired packs stop counting whether or not their expiry row is written yet). */
export async function readPool(db: Knex, ws: CreditWorkspace, now: Date = new Date(), locked = false): Promise<PoolState> {
  return poolAt(ws, await readPoolReads(db, ws, monthOf(now, ws.time_zone), now, locked), now);
}

/**
 * A scalar subquery (binding: the workspace id): the pool's stamp, credit_state.updated_at. Every
 * change to the pool, its prices or its monthly counters is made under the credit lock, and taking
 * the lock moves the stamp (lockPool), as do the writers that change them without it
 * (markPoolChanged): a process that keeps the pool's reads checks this instead of reading them.
 * Null before the workspace's first charge or credit page view.
 */
export const CREDIT_STAMP_SQL = '(SELECT updated_at FROM credit_state WHERE workspace_id = ?)';

/** The stamp after `prev`: now, or 1 ms past `prev` when the clock has not moved past it (two changes never share one). */
function nextPoolStamp(prev: unknown): string {
  const last = prev == null ? 0 : (fromDbTime(String(prev))?.getTime() ?? 0);
  return toDbTime(new Date(Math.max(Date.now(), (Number.isFinite(last) ? last : 0) + 1)));
}

/** Moves the pool's stamp for a change made without lockPool (a rebuild, an imported history). */
export async function markPoolChanged(db: Knex, workspaceId: number): Promise<void> {
  if (!db.isTransaction) return db.transaction((trx) => markPoolChanged(trx, workspaceId));
  const row = await forUpdate(db, db('credit_state').select('updated_at').where({ workspace_id: workspaceId })).first();
  if (row) await db('credit_state').where({ workspace_id: workspaceId }).update({ updated_at: nextPoolStamp(row.updated_at) });
  // no row yet: creating it moves the stamp (from null)
  else await db('credit_state').insert({ workspace_id: workspaceId, updated_at: nextPoolStamp(null) }).onConflict('workspace_id').ignore();
}

/** Writes an expiry row for every pack that expired by `now` and has none yet (idempotent). */
export async function settleExpiries(trx: Knex, workspaceId: number, now: Date, zone: string): Promise<void> {
  const expired = await forUpdate(trx, trx('credit_ledger as p')
    .select('p.id', 'p.amount', 'p.expires_at')
    .where('p.workspace_id', workspaceId)
    .whereIn('p.entry_type', PACK_TYPES as unknown as string[])
    .whereNotNull('p.expires_at')
    .where('p.expires_at', '<=', toDbTime(now))
    .whereNotExists((q) => q.select(trx.raw('1')).from('credit_ledger as e').where('e.workspace_id', workspaceId).whereRaw('?? = ??', ['e.source_entry_id', 'p.id']).where('e.entry_type', 'expiry')));
  if (expired.length === 0) return;
  const packs: Pack[] = expired.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    entry_type: 'pack',
    amount: Number(r.amount),
    remaining: Number(r.amount),
    expires_at: dbTimeText(r.expires_at),
    occurred_at: '',
    note: null,
    price_cents: null,
  }));
  await loadRemaining(trx, workspaceId, packs, true);
  for (const p of packs) {
    const at = new Date(`${p.expires_at!.replace(' ', 'T')}Z`);
    await trx('credit_ledger')
      .insert({
        workspace_id: workspaceId,
        occurred_at: p.expires_at,
        day: dayOf(at, zone),
        entry_type: 'expiry',
        amount: -Math.max(0, p.remaining),
        source_entry_id: p.id,
        note: 'Unused credits expired',
        dedupe_key: `expiry:${p.id}`,
      })
      .onConflict(['workspace_id', 'dedupe_key'])
      .ignore();
    p.remaining = 0;
  }
  await saveRemaining(trx, workspaceId, packs);
}

/**
 * The ledger row of a month's included credits: valid from the start of `fromDay` (the 1st, unless
 * the workspace's history starts later in that month) until the month ends; one per month (dedupe key).
 */
export function includedGrantEntry(ws: Pick<CreditWorkspace, 'id' | 'time_zone'>, amount: number, month: string, fromDay: string = firstDayOfMonth(month)): Record<string, unknown> {
  return {
    workspace_id: ws.id,
    occurred_at: toDbTime(startOfDayUtc(fromDay, ws.time_zone)),
    day: fromDay,
    entry_type: 'included',
    amount,
    expires_at: toDbTime(startOfDayUtc(firstDayOfMonth(addMonths(month, 1)), ws.time_zone)),
    price_cents: null,
    note: `Included credits for ${month}`,
    dedupe_key: `included:${month}`,
  };
}

/** Grants this month's included credits once (they expire when the month ends). */
export async function grantIncluded(trx: Knex, ws: CreditWorkspace, now: Date): Promise<void> {
  const amount = Number(ws.included_credits_per_period ?? 0);
  if (!(amount > 0)) return;
  const month = monthOf(now, ws.time_zone);
  const key = `included:${month}`;
  const exists = await forUpdate(trx, trx('credit_ledger').select('id').where({ workspace_id: ws.id, dedupe_key: key })).first();
  if (exists) return;
  await trx('credit_ledger').insert(includedGrantEntry(ws, amount, month)).onConflict(['workspace_id', 'dedupe_key']).ignore();
}

export interface LockedPool {
  ws: CreditWorkspace;
  /** Packs not expired at `settleBefore` (what a charge may draw on), with what is left, in draw order. */
  packs: Pack[];
  /** The price table, read under the lock. */
  prices: Prices;
}

/**
 * Makes sure the workspace's credit_state row (the credit lock) exists, in its own statement outside
 * any transaction: then every charge's SELECT ... FOR UPDATE finds the row and concurrent charges
 * queue on it. (Creating it inside the charging transaction is what deadlocked: INSERT IGNORE takes
 * a shared lock that two transactions then both try to upgrade; a locking read of a missing row
 * takes gap locks that block each other's insert.)
 */
export async function ensureCreditState(db: Knex, workspaceId: number): Promise<void> {
  const row = await db('credit_state').select('workspace_id').where({ workspace_id: workspaceId }).first();
  if (row) return;
  await db('credit_state').insert({ workspace_id: workspaceId, updated_at: toDbTime(new Date()) }).onConflict('workspace_id').ignore();
}

/**
 * Takes the workspace's credit lock inside `trx` (SELECT ... FOR UPDATE on its credit_state row),
 * then brings the ledger up to date: included grant, expiries, alert state. Everything that changes
 * the pool runs after this, so parallel writers never draw on the same credits. `settleBefore`
 * (default now) writes expiry rows only for packs that expired by then: a charge passes the time of
 * its oldest event, so a late-reported event can still be paid from a pack that was valid when it ran.
 */
export async function lockPool(trx: Knex, workspaceId: number, now: Date = new Date(), settleBefore: Date = now): Promise<LockedPool> {
  // The lock: an exclusive locking read of the workspace's credit_state row, taken first. Only when
  // the row does not exist yet (a caller that did not run ensureCreditState) is it created here.
  const lockRow = () => forUpdate(trx, trx('credit_state').select('workspace_id', 'updated_at').where({ workspace_id: workspaceId })).first();
  let row = await lockRow();
  if (!row) {
    await trx('credit_state').insert({ workspace_id: workspaceId, updated_at: toDbTime(now) }).onConflict('workspace_id').ignore();
    row = await lockRow();
  }
  // Whatever the lock holder changes commits with the moved stamp (CREDIT_STAMP_SQL).
  await trx('credit_state').where({ workspace_id: workspaceId }).update({ updated_at: nextPoolStamp(row?.updated_at) });
  // Settings are re-read under the lock (a PAYG or cap change committed meanwhile is honoured) with a
  // shared lock, so inserts elsewhere that check their foreign key to the workspace are not blocked.
  const ws = await loadWorkspaceShared(trx, workspaceId);
  let prices = await readPriceRows(trx, workspaceId);
  if (prices.size < PRICE_ITEMS.length) {
    await seedDefaultPrices(trx, workspaceId);
    prices = await readPriceRows(trx, workspaceId);
  }
  await grantIncluded(trx, ws, now);
  const settleAt = settleBefore < now ? settleBefore : now;
  await settleExpiries(trx, workspaceId, settleAt, ws.time_zone);
  // One read of the packs serves both the alert check (packs live now) and the charge (packs live
  // at the batch's oldest event). This month's included grant exists now (granted just above).
  const packs = await livePacks(trx, workspaceId, settleAt, true);
  const nowText = toDbTime(now);
  const available = packs.filter((p) => p.expires_at == null || p.expires_at > nowText).reduce((sum, p) => sum + Math.max(0, p.remaining), 0);
  // The alert rules see the balance before the caller changes it: a rule not checked yet starts from here.
  await onCreditBalance(trx, workspaceId, { available, paygEnabled: !!ws.payg_enabled }, now);
  return { ws, packs, prices: pricesFrom(prices) };
}

/** Brings the ledger up to date (included grant, expiries, alerts) in its own transaction. */
export async function refreshPool(db: Knex, workspaceId: number, now: Date = new Date()): Promise<void> {
  await ensureCreditState(db, workspaceId);
  await db.transaction(async (trx) => {
    await lockPool(trx, workspaceId, now);
  });
}
