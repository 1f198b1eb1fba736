// The price table: credits per unit of each billable action, per workspace, with defaults.
import type { Knex } from 'knex';
import type { CreditCategory } from '../domain/model';
import { toDbTime } from '../db/time';
import { forUpdate } from '../db/dialect';

export const PRICE_ITEMS = ['grid_row', 'api_call', 'agent_research', 'agent_optimization', 'agent_other'] as const;
export type PriceItem = (typeof PRICE_ITEMS)[number];
export type Prices = Record<PriceItem, number>;

export const DEFAULT_PRICES: Prices = { grid_row: 1, api_call: 2, agent_research: 25, agent_optimization: 20, agent_other: 10 };

export const PRICE_LABELS: Record<PriceItem, { label: string; unit: string }> = {
  grid_row: { label: 'Grid output row', unit: 'per row beyond the free test rows' },
  api_call: { label: 'API / MCP call', unit: 'per call' },
  agent_research: { label: 'Research agent run', unit: 'per run' },
  agent_optimization: { label: 'Optimization agent run', unit: 'per run' },
  agent_other: { label: 'Other agent run', unit: 'per run' },
};

/** The price item of a billable action; agent runs are priced by the agent's type. */
export function priceItemFor(category: CreditCategory, agentType?: string | null): PriceItem {
  if (category === 'grid') return 'grid_row';
  if (category === 'api') return 'api_call';
  const t = (agentType ?? '').toLowerCase();
  if (t === 'research') return 'agent_research';
  if (t === 'optimization' || t === 'optimisation') return 'agent_optimization';
  return 'agent_other';
}

/** Credits for `units` of an item (never fractional: partial units round up). */
export function costOf(prices: Prices, item: PriceItem, units: number): number {
  return Math.max(0, Math.ceil(units * prices[item] - 1e-9));
}

/** Writes the default rows a workspace does not have yet (idempotent). */
export async function seedDefaultPrices(db: Knex, workspaceId: number): Promise<void> {
  const now = toDbTime(new Date());
  await db('credit_prices')
    .insert(PRICE_ITEMS.map((item) => ({ workspace_id: workspaceId, item, credits: DEFAULT_PRICES[item], updated_at: now })))
    .onConflict(['workspace_id', 'item'])
    .ignore();
}

/** The workspace's stored price rows (item -> credits), read with a locking read under the credit lock. */
export async function readPriceRows(db: Knex, workspaceId: number, locked = true): Promise<Map<PriceItem, number>> {
  const q = db('credit_prices').select('item', 'credits').where({ workspace_id: workspaceId });
  const rows: { item: string; credits: number }[] = await (locked ? forUpdate(db, q) : q);
  const out = new Map<PriceItem, number>();
  for (const r of rows) if ((PRICE_ITEMS as readonly string[]).includes(r.item)) out.set(r.item as PriceItem, Number(r.credits));
  return out;
}

/** Prices from stored rows (defaults for items without a row). */
export function pricesFrom(rows: Map<PriceItem, number>): Prices {
  const out: Prices = { ...DEFAULT_PRICES };
  for (const [item, credits] of rows) out[item] = credits;
  return out;
}

/** The workspace's prices (defaults for items without a row). */
export async function readPrices(db: Knex, workspaceId: number, locked = false): Promise<Prices> {
  return pricesFrom(await readPriceRows(db, workspaceId, locked));
}

/** Agent types by agent id (for pricing agent runs). */
export async function agentTypes(db: Knex, workspaceId: number, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return out;
  const rows = await db('agents').select('id', 'type').where({ workspace_id: workspaceId }).whereIn('id', unique);
  for (const r of rows) out.set(Number(r.id), r.type);
  return out;
}
