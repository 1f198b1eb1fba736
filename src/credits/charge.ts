// Charges billable interactions to the workspace credit pool, inside the write path's transaction:
// takes the workspace's credit lock, prices each action from the price table (Grid free test rows
// first), draws on the soonest-expiring packs that were valid when the action ran, then
// pay-as-you-go up to the monthly cap, and flags what could not be paid or was spent by a user
// without credit permission as overage. Usage is never dropped. Alerts are written in the same transaction; their e-mails go out after commit.
import type { Knex } from 'knex';
import type { CreditCategory } from '../ingest/model';
import { insertChunked, upsertAdd } from '../db/dialect';
import { monthOfDay, toDbTime } from '../db/time';
import { agentTypes, costOf, priceItemFor, readPrices } from './prices';
import { livePacks, lockPool, monthlyCounters, paygCapOf, saveRemaining, type MonthlyCounters, type Pack } from './pool';
import { reconcileAlerts, reconcileCapAlert } from './alerts';

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
}

export interface ChargeResult {
  /** credits the action cost (after free Grid test rows) */
  credits: number;
  /** true when any of it was beyond what was allowed */
  overage: boolean;
  /** the credits of an action that ran beyond what was allowed (its whole cost), else 0 */
  overageCredits: number;
}

export interface ChargeWorkspace {
  id: number;
  billing_mode: string;
}

export async function chargeBatch(trx: Knex, wsIn: ChargeWorkspace, requests: ChargeRequest[]): Promise<Map<number, ChargeResult>> {
  const out = new Map<number, ChargeResult>();
  if (wsIn.billing_mode !== 'credits' || requests.length === 0) return out;
  const now = new Date();
  // Packs are valid for an event if they had not expired when it happened; packs that expired
  // before the oldest event of the batch are settled (their expiry row written) first.
  const oldest = new Date(Math.min(now.getTime(), ...requests.map((r) => r.occurredAt.getTime())));
  const locked = await lockPool(trx, wsIn.id, now, oldest);
  const ws = locked.ws;
  const prices = await readPrices(trx, ws.id, true);
  const types = await agentTypes(trx, ws.id, requests.map((r) => r.agentId).filter((a): a is number => a != null));
  const packs = (await livePacks(trx, ws.id, oldest, true)).filter((p) => p.remaining > 0);
  const cap = paygCapOf(ws);
  const freeRows = Number(ws.grid_free_test_rows ?? 0);

  const counters = new Map<string, MonthlyCounters>();
  const deltas = new Map<string, MonthlyCounters>();
  for (const m of new Set(requests.map((r) => monthOfDay(r.day)))) {
    counters.set(m, await monthlyCounters(trx, ws.id, m, true));
    deltas.set(m, { payg_credits: 0, overage_credits: 0, grid_rows: 0, grid_free_rows: 0 });
  }
  const paygMonths = new Set<string>();
  const drawn = new Set<Pack>();
  const ledger: Record<string, unknown>[] = [];
  const perUser = new Map<string, Record<string, unknown>>();

  // Oldest first, so the pool is drawn in the order the usage happened.
  const ordered = [...requests].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.index - b.index);
  for (const r of ordered) {
    const month = monthOfDay(r.day);
    const c = counters.get(month)!;
    const d = deltas.get(month)!;
    let chargedUnits = r.units;
    if (r.category === 'grid') {
      const free = Math.min(r.units, Math.max(0, freeRows - c.grid_free_rows));
      chargedUnits -= free;
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
    for (const p of packs) {
      if (left === 0) break;
      if (p.remaining <= 0 || (p.expires_at != null && p.expires_at <= at)) continue;
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
    out.set(r.index, { credits, overage: overageCredits > 0, overageCredits });

    const key = `${r.day}|${r.userId}|${r.category}`;
    const u = perUser.get(key) ?? { workspace_id: ws.id, day: r.day, user_id: r.userId, category: r.category, events: 0, credits: 0, overage_credits: 0 };
    u.events = (u.events as number) + 1;
    u.credits = (u.credits as number) + credits;
    u.overage_credits = (u.overage_credits as number) + overageCredits;
    perUser.set(key, u);
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
  await upsertAdd(trx, 'rollup_daily_user_credits', ['workspace_id', 'day', 'user_id', 'category'], [...perUser.values()], ['events', 'credits', 'overage_credits']);

  const nowText = toDbTime(now);
  const available = packs.filter((p) => p.expires_at == null || p.expires_at > nowText).reduce((s, p) => s + Math.max(0, p.remaining), 0);
  await reconcileAlerts(trx, locked, { available, paygEnabled: !!ws.payg_enabled });
  for (const m of paygMonths) await reconcileCapAlert(trx, locked, m, counters.get(m)!.payg_credits);
  return out;
}
