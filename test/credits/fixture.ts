// Shared fixture for the credits tests: a credit-billing workspace with an admin and two members,
// usage written through the real write path.
import type { Knex } from 'knex';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { recordInteractions } from '../../src/ingest/write-path';
import type { CreditCategory, InteractionInput } from '../../src/ingest/model';
import type { Actor } from '../../src/audit/audit';

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
/** A billable event `minutesAgo` minutes before now. */
export function billable(user: string, category: CreditCategory, units: number, minutesAgo = 60, extra: Partial<InteractionInput> = {}): InteractionInput {
  return {
    id: `ev-${process.pid}-${++seq}`,
    user,
    occurredAt: new Date(Date.now() - minutesAgo * 60_000),
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
