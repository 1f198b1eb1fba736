// Admin changes to the pool and its settings: add credits (purchase or grant), remove credits
// (adjustment), PAYG on/off and cap, included credits, prices. Each runs under the workspace's
// credit lock and is audited with before and after.
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/audit';
import { dayOf, monthOf, toDbTime } from '../db/time';
import { HttpError } from '../http/errors';
import { onCreditBalance, onPaygUse } from '../alerts/credit-rules';
import { livePacks, lockPool, monthlyCounters, readPool, saveRemaining, type Pack } from './pool';
import { PRICE_ITEMS, readPrices, type Prices } from './prices';
import { updateWorkspace } from '../workspaces/queries';

export interface AddCredits {
  kind: 'purchase' | 'grant';
  amount: number;
  /** end of validity (exclusive); null = does not expire */
  expiresAt: Date | null;
  note: string | null;
  priceCents: number | null;
}

/** The ledger row of credits added at `at` (a purchased pack or a grant) by `userId`. */
export function packEntry(ws: { id: number; time_zone: string }, input: AddCredits, at: Date, userId: number | null): Record<string, unknown> {
  return {
    workspace_id: ws.id,
    occurred_at: toDbTime(at),
    day: dayOf(at, ws.time_zone),
    entry_type: input.kind,
    amount: input.amount,
    expires_at: input.expiresAt ? toDbTime(input.expiresAt) : null,
    price_cents: input.priceCents,
    note: input.note,
    created_by_user_id: userId,
  };
}

export async function addCredits(db: Knex, actor: Actor, workspaceId: number, input: AddCredits, now: Date = new Date()): Promise<number> {
  return db.transaction(async (trx) => {
    const locked = await lockPool(trx, workspaceId, now);
    const before = await readPool(trx, locked.ws, now, true);
    const [id] = await trx('credit_ledger').insert(packEntry(locked.ws, input, now, actor.userId));
    const after = await readPool(trx, locked.ws, now, true);
    // A top-up re-arms the alert rules whose level it lifts the balance above.
    await onCreditBalance(trx, workspaceId, { available: after.available, paygEnabled: !!locked.ws.payg_enabled }, now);
    await recordAudit(trx, {
      workspaceId,
      actor,
      action: `credits.${input.kind}`,
      targetType: 'credit_ledger',
      targetId: Number(id),
      before: { available: before.available },
      after: {
        available: after.available,
        amount: input.amount,
        expires_at: input.expiresAt ? toDbTime(input.expiresAt) : null,
        price_cents: input.priceCents,
        note: input.note,
      },
    });
    return Number(id);
  });
}

/** Removes credits from the pool (a correction), drawn from the soonest-expiring packs first. */
export async function removeCredits(db: Knex, actor: Actor, workspaceId: number, input: { amount: number; note: string | null }, now: Date = new Date()): Promise<void> {
  await db.transaction(async (trx) => {
    const locked = await lockPool(trx, workspaceId, now);
    const packs = await livePacks(trx, workspaceId, now, true);
    const available = packs.reduce((s, p) => s + Math.max(0, p.remaining), 0);
    if (input.amount > available) throw new HttpError(422, `Only ${available.toLocaleString('en-US')} credits are available to remove.`, 'validation_failed', { amount: 'more than the available balance' });
    let left = input.amount;
    const drawn: Pack[] = [];
    for (const p of packs) {
      if (left === 0) break;
      if (p.remaining <= 0) continue;
      const take = Math.min(left, p.remaining);
      left -= take;
      p.remaining -= take;
      drawn.push(p);
      await trx('credit_ledger').insert({
        workspace_id: workspaceId,
        occurred_at: toDbTime(now),
        day: dayOf(now, locked.ws.time_zone),
        entry_type: 'adjustment',
        amount: -take,
        source_entry_id: p.id,
        note: input.note,
        created_by_user_id: actor.userId,
      });
    }
    await saveRemaining(trx, workspaceId, drawn);
    const after = available - input.amount;
    await onCreditBalance(trx, workspaceId, { available: after, paygEnabled: !!locked.ws.payg_enabled }, now);
    await recordAudit(trx, { workspaceId, actor, action: 'credits.adjustment', targetType: 'workspace', targetId: workspaceId, before: { available }, after: { available: after, removed: input.amount, note: input.note } });
  });
}

export interface CreditSettings {
  paygEnabled: boolean;
  /** null = no cap (unlimited) */
  paygCap: number | null;
  includedPerPeriod: number;
}

export async function updateSettings(db: Knex, actor: Actor, workspaceId: number, s: CreditSettings, now: Date = new Date()): Promise<boolean> {
  return db.transaction(async (trx) => {
    const locked = await lockPool(trx, workspaceId, now);
    const ws = locked.ws;
    const before = { payg_enabled: !!ws.payg_enabled, payg_monthly_cap: ws.payg_monthly_cap == null ? null : Number(ws.payg_monthly_cap), included_credits_per_period: Number(ws.included_credits_per_period) };
    const after = { payg_enabled: s.paygEnabled, payg_monthly_cap: s.paygCap, included_credits_per_period: s.includedPerPeriod };
    if (JSON.stringify(before) === JSON.stringify(after)) return false;
    await updateWorkspace(trx, workspaceId, after);
    await recordAudit(trx, { workspaceId, actor, action: 'credits.settings.update', targetType: 'workspace', targetId: workspaceId, before, after });
    // A cap lowered to (or below) what PAYG already used this month is reached now: the cap rules
    // fire at once, not only on the next charge (once per month and cap value, as for charges).
    const month = monthOf(now, ws.time_zone);
    const used = (await monthlyCounters(trx, workspaceId, month, true)).payg_credits;
    if (used > 0) await onPaygUse(trx, workspaceId, { month, paygEnabled: s.paygEnabled, cap: s.paygCap, paygUsed: used }, now);
    return true;
  });
}

export async function updatePrices(db: Knex, actor: Actor, workspaceId: number, prices: Prices, freeTestRows: number): Promise<boolean> {
  return db.transaction(async (trx) => {
    const locked = await lockPool(trx, workspaceId);
    const current = await readPrices(trx, workspaceId, true);
    const before = { ...current, grid_free_test_rows: Number(locked.ws.grid_free_test_rows) };
    const after = { ...prices, grid_free_test_rows: freeTestRows };
    if (JSON.stringify(before) === JSON.stringify(after)) return false;
    const now = toDbTime(new Date());
    for (const item of PRICE_ITEMS) {
      if (current[item] !== prices[item]) await trx('credit_prices').where({ workspace_id: workspaceId, item }).update({ credits: prices[item], updated_at: now });
    }
    if (before.grid_free_test_rows !== freeTestRows) await updateWorkspace(trx, workspaceId, { grid_free_test_rows: freeTestRows });
    await recordAudit(trx, { workspaceId, actor, action: 'credits.prices.update', targetType: 'workspace', targetId: workspaceId, before, after });
    return true;
  });
}
