// Shared fixture for the credits tests: a credit-billing workspace with an admin and two members,
// usage written through the real write path.
import type { Knex } from 'knex';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { recordInteractions } from '../../src/ingest/write-path';
import type { CreditCategory, InteractionInput } from '../../src/domain/model';
import type { Actor } from '../../src/audit/audit';
import { DEFAULT_TIME_ZONE, firstDayOfMonth, monthOf, startOfDayUtc } from '../../src/db/time';

export const DAY = 86_400_000;

export async function creditWorld(db: Knex, fields: Record<string, unknown> = {}) {
  const ws = await createWorkspace(db, { billing_mode: 'credits', name: 'Credit Co', ...fields });
  const admin = await createUser(db, ws.id, { email: `admin@${ws.slug}.test`, name: 'Ada Admin', role: 'admin' });
  const alice = await createUser(db, ws.id, { email: `alice@${ws.slug}.test`, name: 'Alice Able' });
  const bob = await createUser(db, ws.id, { email: `bob@${ws.slug}.test`, name: 'Bob Blocked', maySpendCredits: false });
  const actor: Actor = { userId: admin, label: `admin@${ws.slug}.test`, ip: '127.0.0.1' };
  return { ws, wsId: ws.id, admin, alice, bob, actor, email: (who: string) => `${who}@${ws.slug}.test` };
}

let seq = 0;

/** The zones the credit tests' workspaces use (createWorkspace's default and the explicit 'UTC' ones). */
const TEST_ZONES = [DEFAULT_TIME_ZONE, 'UTC'];

/** The latest local start of the current month over TEST_ZONES: an instant in [that, now] is in the current month in each of them. */
export function monthStartMs(now: number = Date.now()): number {
  return Math.max(...TEST_ZONES.map((zone) => startOfDayUtc(firstDayOfMonth(monthOf(new Date(now), zone)), zone).getTime()));
}

/**
 * `minutesAgo` (< 1 day) before now, but never before the start of the current month: PAYG caps,
 * included credits and free Grid rows are per calendar month, so a test's usage must all fall in
 * the month in progress. While at least a day of the month has passed this is exactly `minutesAgo`
 * before now. Early on the 1st, the offsets are squeezed monotonically into the part of the month
 * that has passed (offsets up to half of it are kept; longer ones are scaled), so events keep their
 * order and stay in the past and on today's local day. For older usage pass `extra.occurredAt`.
 */
export function recentlyThisMonth(minutesAgo: number, now: number = Date.now()): Date {
  if (!(minutesAgo >= 0 && minutesAgo < 1440)) throw new RangeError(`minutesAgo must be in [0, 1440): ${minutesAgo} (pass extra.occurredAt for older usage)`);
  const offset = minutesAgo * 60_000;
  const elapsed = Math.max(0, now - monthStartMs(now));
  if (elapsed >= DAY) return new Date(now - offset);
  const half = elapsed / 2;
  const squeezed = offset <= half ? offset : half + ((offset - half) * half) / (DAY - half);
  return new Date(now - squeezed);
}

/** A billable event `minutesAgo` minutes before now, inside the current month (see recentlyThisMonth). */
export function billable(user: string, category: CreditCategory, units: number, minutesAgo = 60, extra: Partial<InteractionInput> = {}): InteractionInput {
  return {
    id: `ev-${process.pid}-${++seq}`,
    user,
    occurredAt: extra.occurredAt ?? recentlyThisMonth(minutesAgo),
    kind: 'inference',
    surface: category === 'grid' ? 'grid' : category === 'api' ? 'api' : 'agent',
    model: 'gpt-test',
    promptTokens: 10,
    completionTokens: 20,
    billable: { category, units },
    ...extra,
  };
}

export async function record(db: Knex, wsId: number, events: InteractionInput[]) {
  const r = await recordInteractions(db, wsId, events);
  if (r.rejected.length) throw new Error(`rejected: ${JSON.stringify(r.rejected)}`);
  return r;
}

export async function notificationsOf(db: Knex, wsId: number, kindPrefix = 'credits.') {
  return db('notifications').where({ workspace_id: wsId }).where('kind', 'like', `${kindPrefix}%`).orderBy('id');
}

export function countBy<T>(rows: T[], key: (r: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[key(r)] = (out[key(r)] ?? 0) + 1;
  return out;
}

/** Every cached pack balance equals the pack's amount plus what the ledger drew from it. */
export async function packCacheMatchesLedger(db: Knex, wsId: number): Promise<{ cached: number; mismatches: string[] }> {
  const packs = await db('credit_ledger').select('id', 'amount').where({ workspace_id: wsId }).whereIn('entry_type', ['included', 'purchase', 'grant']);
  const mismatches: string[] = [];
  let cached = 0;
  for (const p of packs) {
    const drawn = await db('credit_ledger').where({ workspace_id: wsId, source_entry_id: p.id }).sum({ s: 'amount' }).first();
    const expected = Number(p.amount) + Number(drawn?.s ?? 0);
    const c = await db('credit_pack_balances').where({ entry_id: p.id }).first();
    if (!c) continue;
    cached++;
    if (Number(c.remaining) !== expected) mismatches.push(`pack ${p.id}: cached ${c.remaining}, ledger ${expected}`);
  }
  return { cached, mismatches };
}
