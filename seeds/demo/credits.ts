// The demo's credits, through the credits engine: the workspace's history before the usage (each
// month's included credits and four purchased packs, src/credits/history.ts), and a few access
// requests from people without credit permission (src/credits/access-requests.ts).
import type { Knex } from 'knex';
import { recordCreditHistory, type PastPack } from '../../src/credits/history';
import { requestAccess } from '../../src/credits/access-requests';
import { addDays, daysBetween, startOfDayUtc } from '../../src/db/time';
import type { CreditWorkspace } from '../../src/credits/pool';
import type { Person } from './people';

/** Packs bought over the history: at a fraction of the span, 15:00 local time, valid two years. */
const PACKS = [
  { at: 0, amount: 100_000, price: 90_000, note: 'Starter pack (100,000 credits)' },
  { at: 0.35, amount: 100_000, price: 90_000, note: 'Pack (100,000 credits)' },
  { at: 0.6, amount: 150_000, price: 127_500, note: 'Pack (150,000 credits)' },
  { at: 0.85, amount: 150_000, price: 127_500, note: 'Pack (150,000 credits)' },
];
const PACK_VALIDITY_MS = 730 * 86_400_000;

/** Writes the credit history (before the usage it pays for); returns the ledger rows written. */
export async function seedCreditHistory(db: Knex, ws: CreditWorkspace, buyer: Person, startDay: string, endDay: string): Promise<number> {
  const span = daysBetween(startDay, endDay);
  const packs: PastPack[] = PACKS.map((p) => {
    const at = new Date(startOfDayUtc(addDays(startDay, Math.floor(span * p.at)), ws.time_zone).getTime() + 15 * 3600_000);
    return { kind: 'purchase', amount: p.amount, priceCents: p.price, note: p.note, expiresAt: new Date(at.getTime() + PACK_VALIDITY_MS), at, userId: buyer.id ?? null };
  });
  return recordCreditHistory(db, ws, { from: startDay, to: endDay, packs });
}

const REQUEST_NOTES = ['I run the weekly pipeline report in Grid.', 'Need the Research Assistant for a competitor review.', null];

/** A few people without credit permission have asked for it (not the demo member: the request flow can be tried from /me). */
export async function seedAccessRequests(db: Knex, wsId: number, people: Person[]): Promise<void> {
  const askers = people.filter((p) => p.status === 'active' && !p.maySpend && !p.password && p.level !== 'idle').slice(0, REQUEST_NOTES.length);
  for (const [i, p] of askers.entries()) {
    await requestAccess(db, { userId: p.id!, label: p.email, ip: p.ip }, wsId, p.id!, REQUEST_NOTES[i]);
  }
}
