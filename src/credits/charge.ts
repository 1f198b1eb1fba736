// Charges billable interactions to the workspace credit pool, inside the write path's transaction.
// (Initial version: flat prices, one consumption ledger row per charged event. The credits feature
// replaces the pricing, pack draw-down, PAYG caps and alerts.)
import type { Knex } from 'knex';
import type { CreditCategory } from '../ingest/model';
import { insertChunked } from '../db/dialect';
import { toDbTime } from '../db/time';

export interface ChargeRequest {
  index: number;
  clientId: string;
  userId: number;
  maySpendCredits: boolean;
  category: CreditCategory;
  units: number;
  occurredAt: Date;
  day: string;
}

export interface ChargeResult {
  credits: number;
  overage: boolean;
}

export interface ChargeWorkspace {
  id: number;
  billing_mode: string;
}

const DEFAULT_PRICES: Record<CreditCategory, number> = { grid: 1, api: 2, agents: 25 };

export async function chargeBatch(trx: Knex, ws: ChargeWorkspace, requests: ChargeRequest[]): Promise<Map<number, ChargeResult>> {
  const out = new Map<number, ChargeResult>();
  if (ws.billing_mode !== 'credits' || requests.length === 0) return out;
  const ledger = [];
  for (const r of requests) {
    const credits = Math.max(0, Math.round(r.units * DEFAULT_PRICES[r.category]));
    out.set(r.index, { credits, overage: !r.maySpendCredits });
    if (credits === 0) continue;
    ledger.push({
      workspace_id: ws.id,
      occurred_at: toDbTime(r.occurredAt),
      day: r.day,
      entry_type: 'consumption',
      amount: -credits,
      category: r.category,
      user_id: r.userId,
      interaction_client_id: r.clientId,
      is_overage: !r.maySpendCredits,
    });
  }
  await insertChunked(trx, 'credit_ledger', ledger);
  return out;
}
