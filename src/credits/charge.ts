// Charges billable interactions to the workspace credit pool, inside the write path's transaction:
// takes the workspace's credit lock, prices each action from the price table (Grid free test rows
// first), draws on the soonest-expiring packs that were valid when the action ran (recorded by then,
// give or take LATE_PACK_GRACE_MS of reporting delay, and not expired), then
// pay-as-you-go up to the monthly cap, and flags what could not be paid or was spent by a user
// without credit permission as overage, and upkeeps the credit rollups (src/rollups/spec.ts). Usage is never dropped. Alerts are written in the same transaction; their e-mails go out after commit.
import type { Knex } from 'knex';
import type { CreditCategory } from '../domain/model';
import { CHARGE_ROLLUPS } from '../rollups/spec';
import { RollupBatch } from '../rollups/upkeep';
import { insertChunked, upsertAdd } from '../db/dialect';
import { monthOfDay, toDbTime } from '../db/time';
import { agentTypes, costOf, priceItemFor } from './prices';
import { lockPool, monthlyCountersOf, paygCapOf, saveRemaining, type MonthlyCounters, type Pack } from './pool';
import { onCreditBalance, onPaygUse } from '../alerts/credit-rules';
import type { Workspace } from '../workspaces/workspace';

export interface ChargeRequest {
  index: number;
  clientId: string;
  userId: number;
  maySpendCredits: boolean;
  category: CreditCategory;
  units: number;
  occurredAt: Date;
  day: string;
  /** the agent the event ran through (agent runs are priced by agent type) */
  agentId?: number | null;
  /** that agent's type when the caller already knows it (saves a lookup under the credit lock) */
  agentType?: string | null;
}

/**
 * How long after an action a pack recorded later may still pay for it: usage reaches the console
 * with some delay, and a pack bought to cover today's work covers work reported a little late. Usage
 * older than this before a pack was recorded is paid from what the pool held at the time (else
 * pay-as-you-go, else it is overage), so back-dated usage is not paid from packs bought long after it.
 */
export const LATE_PACK_GRACE_MS = 24 * 3_600_000;

/** True when pack `p` may pay for an action at `at` (a DB time string): recorded by then (within the grace) and not yet expired. */
export function packValidAt(p: Pick<Pack, 'occurred_at' | 'expires_at'>, at: string, atMs: number): boolean {
  if (p.expires_at != null && p.expires_at <= at) return false;
  return p.occurred_at <= at || Date.parse(`${p.occurred_at.replace(' ', 'T')}Z`) - atMs <= LATE_PACK_GRACE_MS;
}

export interface ChargeResult {
  /** credits the action cost (after free Grid test rows) */
  credits: number;
  /** true when any of it was beyond what was allowed */
  overage: boolean;
  /** the credits of an action that ran beyond what was allowed (its whole cost), else 0 */
  overageCredits: number;
  /** Grid rows of the action that the month's free test rows covered (0 for other categories) */
  freeUnits: number;
}

export type ChargeWorkspace = Pick<Workspace, 'id' | 'billing_mode'>;

export async function chargeBatch(trx: Knex, wsIn: ChargeWorkspace, requests: ChargeRequest[]): Promise<Map<number, ChargeResult>> {
  const out = new Map<number, ChargeResult>();
  if (wsIn.billing_mode !== 'credits' || requests.length === 0) return out;
  const now = new Date();
  // Packs are valid for an event if they had not expired when it happened; packs that expired
  // before the oldest event of the batch are settled (their expiry row written) first.
  const oldest = new Date(Math.min(now.getTime(), ...requests.map((r) => r.occurredAt.getTime())));
  const locked = await lockPool(trx, wsIn.id, now, oldest);
  const ws = locked.ws;
  const prices = locked.prices;
  const unknownTypes = requests.filter((r) => r.agentId != null && r.agentType === undefined).map((r) => r.agentId!);
  const types = await agentTypes(trx, ws.id, unknownTypes);
  for (const r of requests) if (r.agentId != null && r.agentType !== undefined) types.set(r.agentId, r.agentType ?? '');
  const packs = locked.packs.filter((p) => p.remaining > 0);
  const cap = paygCapOf(ws);
  const freeRows = Number(ws.grid_free_test_rows ?? 0);

  const months = [...new Set(requests.map((r) => monthOfDay(r.day)))];
  const counters = await monthlyCountersOf(trx, ws.id, months, true);
  const deltas = new Map<string, MonthlyCounters>();
  for (const m of months) deltas.set(m, { payg_credits: 0, overage_credits: 0, grid_rows: 0, grid_free_rows: 0 });
  const paygMonths = new Set<string>();
  const drawn = new Set<Pack>();
  const ledger: Record<string, unknown>[] = [];
  const rollups = new RollupBatch(CHARGE_ROLLUPS);

  // Oldest first, so the pool is drawn in the order the usage happened.
  const ordered = [...requests].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.index - b.index);
  for (const r of ordered) {
    const month = monthOfDay(r.day);
    const c = counters.get(month)!;
    const d = deltas.get(month)!;
    let chargedUnits = r.units;
    let freeUnits = 0;
    if (r.category === 'grid') {
      const free = Math.min(r.units, Math.max(0, freeRows - c.grid_free_rows));
      chargedUnits -= free;
      freeUnits = free;
      c.grid_free_rows += free;
      d.grid_free_rows += free;
      c.grid_rows += r.units;
      d.grid_rows += r.units;
    }
    const credits = costOf(prices, priceItemFor(r.category, r.agentId != null ? types.get(r.agentId) : null), chargedUnits);
    const base = {
      workspace_id: ws.id,
      occurred_at: toDbTime(r.occurredAt),
      day: r.day,
      category: r.category,
      user_id: r.userId,
      interaction_client_id: r.clientId,
      is_overage: !r.maySpendCredits,
    };
    let left = credits;
    const at = toDbTime(r.occurredAt);
    const atMs = r.occurredAt.getTime();
    for (const p of packs) {
      if (left === 0) break;
      if (p.remaining <= 0 || !packValidAt(p, at, atMs)) continue;
      const take = Math.min(left, p.remaining);
      p.remaining -= take;
      left -= take;
      drawn.add(p);
      ledger.push({ ...base, entry_type: 'consumption', amount: -take, source_entry_id: p.id });
    }
    if (left > 0 && ws.payg_enabled) {
      paygMonths.add(month);
      const take = cap == null ? left : Math.min(left, Math.max(0, cap - c.payg_credits));
      if (take > 0) {
        c.payg_credits += take;
        d.payg_credits += take;
        left -= take;
        ledger.push({ ...base, entry_type: 'payg', amount: -take });
      }
    }
    if (left > 0) ledger.push({ ...base, entry_type: 'overage', amount: -left, is_overage: true });
    // Overage is per action: an action that ran beyond what was allowed (unpaid, or by a user without
    // credit permission) counts with its whole cost, as the rollup rebuild derives it from interactions.
    const overageCredits = !r.maySpendCredits || left > 0 ? credits : 0;
    c.overage_credits += overageCredits;
    d.overage_credits += overageCredits;
    out.set(r.index, { credits, overage: overageCredits > 0, overageCredits, freeUnits });

    rollups.addCharge({ workspace_id: ws.id, day: r.day, user_id: r.userId, category: r.category, credits, overage_credits: overageCredits });
  }

  await insertChunked(trx, 'credit_ledger', ledger);
  await saveRemaining(trx, ws.id, [...drawn]);
  await upsertAdd(
    trx,
    'credit_monthly',
    ['workspace_id', 'month'],
    [...deltas.entries()].map(([month, d]) => ({ workspace_id: ws.id, month, ...d })),
    ['payg_credits', 'overage_credits', 'grid_rows', 'grid_free_rows'],
  );
  await rollups.flush(trx);

  const nowText = toDbTime(now);
  const available = packs.filter((p) => p.expires_at == null || p.expires_at > nowText).reduce((s, p) => s + Math.max(0, p.remaining), 0);
  // The workspace's credit alert rules, in this transaction: they fire with the charge or not at all.
  await onCreditBalance(trx, ws.id, { available, paygEnabled: !!ws.payg_enabled }, now);
  for (const m of paygMonths) await onPaygUse(trx, ws.id, { month: m, paygEnabled: !!ws.payg_enabled, cap: ws.payg_monthly_cap == null ? null : Number(ws.payg_monthly_cap), paygUsed: counters.get(m)!.payg_credits }, now);
  return out;
}
