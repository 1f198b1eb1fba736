// Read-side queries of the Credits page: usage by category over time (rollup_daily_credits), by
// user (rollup_daily_user_credits), the ledger and the people list (keyset pagination).
import type { Knex } from 'knex';
import { CREDIT_CATEGORIES, type CreditCategory } from '../domain/model';
import { daysInRange, monthOfDay, weekStartOfDay } from '../db/time';

export type Bucket = 'day' | 'week' | 'month';

/** Days for short ranges, Monday weeks up to ~6 months, months beyond. */
export function bucketFor(days: number): Bucket {
  return days <= 62 ? 'day' : days <= 190 ? 'week' : 'month';
}

function bucketOf(day: string, b: Bucket): string {
  return b === 'day' ? day : b === 'week' ? weekStartOfDay(day) : monthOfDay(day);
}

export interface CategorySeries {
  bucket: Bucket;
  labels: string[];
  rows: { label: string; grid: number; api: number; agents: number; total: number; overage: number; events: number }[];
  totals: { grid: number; api: number; agents: number; total: number; overage: number; events: number };
}

export async function creditsByCategory(db: Knex, workspaceId: number, from: string, to: string): Promise<CategorySeries> {
  const rows = await db('rollup_daily_credits')
    .select('day', 'category')
    .sum({ credits: 'credits', overage: 'overage_credits', events: 'events' })
    .where({ workspace_id: workspaceId })
    .whereBetween('day', [from, to])
    .groupBy('day', 'category');
  const days = daysInRange(from, to);
  const bucket = bucketFor(days.length);
  const labels = [...new Set(days.map((d) => bucketOf(d, bucket)))];
  const byLabel = new Map(labels.map((l) => [l, { label: l, grid: 0, api: 0, agents: 0, total: 0, overage: 0, events: 0 }]));
  const totals = { grid: 0, api: 0, agents: 0, total: 0, overage: 0, events: 0 };
  for (const r of rows as { day: string; category: string; credits: number; overage: number; events: number }[]) {
    const row = byLabel.get(bucketOf(String(r.day).slice(0, 10), bucket));
    if (!row || !(CREDIT_CATEGORIES as readonly string[]).includes(r.category)) continue;
    const c = r.category as CreditCategory;
    const credits = Number(r.credits);
    row[c] += credits;
    row.total += credits;
    row.overage += Number(r.overage);
    row.events += Number(r.events);
    totals[c] += credits;
    totals.total += credits;
    totals.overage += Number(r.overage);
    totals.events += Number(r.events);
  }
  return { bucket, labels, rows: [...byLabel.values()], totals };
}

export interface UserCredits {
  user_id: number;
  name: string | null;
  email: string | null;
  grid: number;
  api: number;
  agents: number;
  credits: number;
  overage: number;
  events: number;
}

/** Credits per user over a bounded day range, most credits first. */
export async function creditsByUser(db: Knex, workspaceId: number, from: string, to: string, limit = 50): Promise<UserCredits[]> {
  return (await creditsByUserPage(db, workspaceId, from, to, limit, 0)).rows;
}

/**
 * One page of credits per user (most first) and how many users used credits in the range. The
 * per-user sums are built from the rollup for the whole range (one row per user and category, a
 * bounded set: the workspace's users), then sliced, so page numbers are exact.
 */
export async function creditsByUserPage(db: Knex, workspaceId: number, from: string, to: string, limit: number, offset: number): Promise<{ rows: UserCredits[]; total: number }> {
  const rows = await db('rollup_daily_user_credits')
    .select('user_id', 'category')
    .sum({ credits: 'credits', overage: 'overage_credits', events: 'events' })
    .where({ workspace_id: workspaceId })
    .whereBetween('day', [from, to])
    .groupBy('user_id', 'category');
  const byUser = new Map<number, UserCredits>();
  for (const r of rows as { user_id: number; category: string; credits: number; overage: number; events: number }[]) {
    const id = Number(r.user_id);
    const u = byUser.get(id) ?? { user_id: id, name: null, email: null, grid: 0, api: 0, agents: 0, credits: 0, overage: 0, events: 0 };
    if ((CREDIT_CATEGORIES as readonly string[]).includes(r.category)) u[r.category as CreditCategory] += Number(r.credits);
    u.credits += Number(r.credits);
    u.overage += Number(r.overage);
    u.events += Number(r.events);
    byUser.set(id, u);
  }
  const sorted = [...byUser.values()].sort((a, b) => b.credits - a.credits || a.user_id - b.user_id);
  const top = sorted.slice(offset, offset + limit);
  if (top.length) {
    const users = await db('users').select('id', 'name', 'email').where({ workspace_id: workspaceId }).whereIn('id', top.map((u) => u.user_id));
    const names = new Map(users.map((u: { id: number; name: string; email: string }) => [Number(u.id), u]));
    for (const u of top) {
      u.name = names.get(u.user_id)?.name ?? null;
      u.email = names.get(u.user_id)?.email ?? null;
    }
  }
  return { rows: top, total: sorted.length };
}

/** Opaque keyset cursors (base64url JSON). */
export function encodeCursor(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}
export function decodeCursor<T>(s: string | undefined, check: (v: unknown) => v is T): T | null {
  if (!s) return null;
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    return check(v) ? v : null;
  } catch {
    return null;
  }
}

export const LEDGER_FILTERS = {
  all: { label: 'All entries', types: null },
  added: { label: 'Credits added', types: ['included', 'purchase', 'grant'] },
  usage: { label: 'Usage', types: ['consumption', 'payg', 'overage'] },
  payg: { label: 'Pay-as-you-go', types: ['payg'] },
  overage: { label: 'Overage', types: ['overage'] },
  expiry: { label: 'Expiries and adjustments', types: ['expiry', 'adjustment'] },
} as const;
export type LedgerFilter = keyof typeof LEDGER_FILTERS;

export interface LedgerRow {
  id: number;
  occurred_at: string;
  entry_type: string;
  amount: number;
  category: string | null;
  user_email: string | null;
  source_entry_id: number | null;
  expires_at: string | null;
  price_cents: number | null;
  is_overage: boolean;
  note: string | null;
  interaction_client_id: string | null;
}

export type LedgerCursor = { at: string; id: number };
export const isLedgerCursor = (v: unknown): v is LedgerCursor =>
  !!v && typeof (v as LedgerCursor).at === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,3})?$/.test((v as LedgerCursor).at) && Number.isInteger((v as LedgerCursor).id);

/** Ledger entries newest first, keyset-paginated in the expanded OR form. */
export async function ledgerPage(db: Knex, workspaceId: number, filter: LedgerFilter, before: LedgerCursor | null, limit = 25) {
  const q = db('credit_ledger as l')
    .leftJoin('users as u', 'u.id', 'l.user_id')
    .select('l.id', 'l.occurred_at', 'l.entry_type', 'l.amount', 'l.category', 'u.email as user_email', 'l.source_entry_id', 'l.expires_at', 'l.price_cents', 'l.is_overage', 'l.note', 'l.interaction_client_id')
    .where('l.workspace_id', workspaceId)
    .orderBy([{ column: 'l.occurred_at', order: 'desc' }, { column: 'l.id', order: 'desc' }])
    .limit(limit + 1);
  const types = LEDGER_FILTERS[filter].types;
  if (types) q.whereIn('l.entry_type', types as unknown as string[]);
  if (before) q.where((w) => w.where('l.occurred_at', '<', before.at).orWhere((x) => x.where('l.occurred_at', '=', before.at).andWhere('l.id', '<', before.id)));
  const rows = (await q).map((r: Record<string, unknown>) => ({
    ...r,
    id: Number(r.id),
    amount: Number(r.amount),
    occurred_at: String(r.occurred_at).slice(0, 23),
    expires_at: r.expires_at == null ? null : String(r.expires_at).slice(0, 23),
    is_overage: !!r.is_overage,
  })) as LedgerRow[];
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: more && last ? encodeCursor({ at: last.occurred_at, id: last.id }) : null };
}

export interface PersonRow {
  id: number;
  name: string;
  email: string;
  role: string;
  status: string;
  may_spend_credits: boolean;
}

export type PeopleCursor = { name: string; id: number };
export const isPeopleCursor = (v: unknown): v is PeopleCursor => !!v && typeof (v as PeopleCursor).name === 'string' && Number.isInteger((v as PeopleCursor).id);

/** Users by name with their credit permission, keyset-paginated. */
export async function peoplePage(db: Knex, workspaceId: number, opts: { access: 'all' | 'allowed' | 'blocked'; q: string; after: PeopleCursor | null; limit?: number }) {
  const limit = opts.limit ?? 25;
  const q = db('users')
    .select('id', 'name', 'email', 'role', 'status', 'may_spend_credits')
    .where({ workspace_id: workspaceId })
    .whereNot('status', 'revoked')
    .orderBy([{ column: 'name', order: 'asc' }, { column: 'id', order: 'asc' }])
    .limit(limit + 1);
  if (opts.access !== 'all') q.where('may_spend_credits', opts.access === 'allowed');
  if (opts.q) {
    const like = `%${opts.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // E-mails are stored lowercased and compare exactly (both engines): search them lowercased.
    q.where((w) => w.where('name', 'like', like).orWhere('email', 'like', like.toLowerCase()));
  }
  const after = opts.after;
  if (after) q.where((w) => w.where('name', '>', after.name).orWhere((x) => x.where('name', '=', after.name).andWhere('id', '>', after.id)));
  const rows = ((await q) as PersonRow[]).map((r) => ({ ...r, id: Number(r.id), may_spend_credits: !!r.may_spend_credits }));
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: more && last ? encodeCursor({ name: last.name, id: last.id }) : null };
}

export async function accessCounts(db: Knex, workspaceId: number): Promise<{ allowed: number; blocked: number }> {
  const rows = await db('users').select('may_spend_credits').count({ n: '*' }).where({ workspace_id: workspaceId }).whereNot('status', 'revoked').groupBy('may_spend_credits');
  const out = { allowed: 0, blocked: 0 };
  for (const r of rows as { may_spend_credits: number | boolean; n: number }[]) out[r.may_spend_credits ? 'allowed' : 'blocked'] += Number(r.n);
  return out;
}

/** The ledger of a day range in export order (the ledger CSV). */
export function ledgerExportQuery(db: Knex, workspaceId: number, from: string, to: string): Knex.QueryBuilder {
  return db('credit_ledger')
    .select('id', 'occurred_at', 'day', 'entry_type', 'amount', 'category', 'user_id', 'source_entry_id', 'expires_at', 'price_cents', 'is_overage', 'note', 'interaction_client_id')
    .where('workspace_id', workspaceId)
    .whereBetween('day', [from, to])
    .orderBy([{ column: 'day' }, { column: 'occurred_at' }, { column: 'id' }]);
}

/** user id -> email for the workspace (the ledger CSV names users by email). */
export async function userEmails(db: Knex, workspaceId: number): Promise<Map<number, string>> {
  return new Map<number, string>((await db('users').select('id', 'email').where({ workspace_id: workspaceId })).map((u: { id: number; email: string }) => [Number(u.id), u.email]));
}

/** One user of the people list (the row re-rendered after a credit access change). */
export async function findPerson(db: Knex, workspaceId: number, id: number): Promise<PersonRow | undefined> {
  const r = await db('users').select('id', 'name', 'email', 'role', 'status', 'may_spend_credits').where({ id, workspace_id: workspaceId }).first();
  return r ? { ...r, id: Number(r.id), may_spend_credits: !!r.may_spend_credits } : undefined;
}
