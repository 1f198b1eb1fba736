// View-model of the Credits page: loads every section and formats numbers, dates and labels.
import type { Knex } from 'knex';
import { addDays, fromDbTime, localDateTime, today, daysBetween } from '../db/time';
import type { SessionUser } from '../http/context';
import type { FieldErrors } from '../http/validate';
import { pendingRequests } from './access-requests';
import { allPacks, monthlyCounters, readPool, refreshPool } from './pool';
import { PRICE_ITEMS, PRICE_LABELS, readPrices } from './prices';
import {
  accessCounts,
  creditsByCategory,
  creditsByUser,
  decodeCursor,
  isLedgerCursor,
  isPeopleCursor,
  LEDGER_FILTERS,
  ledgerPage,
  peoplePage,
  type CategorySeries,
  type LedgerFilter,
} from './reports';
import { formatNumber, jsonForScript } from '../http/format';
import { loadWorkspace } from '../workspaces/queries';

export const fmt = formatNumber;
export const money = (cents: number | null | undefined) =>
  cents == null ? '—' : `$${(Number(cents) / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** A DB timestamp as local wall-clock time in the workspace zone ('YYYY-MM-DD HH:MM'). */
export function when(value: string | null | undefined, zone: string): string {
  const d = fromDbTime(value ?? null);
  return d ? localDateTime(d, zone).slice(0, 16) : '—';
}

/** The local date of a DB timestamp ('YYYY-MM-DD'). */
export function dateOf(value: string | null | undefined, zone: string): string {
  const d = fromDbTime(value ?? null);
  return d ? localDateTime(d, zone).slice(0, 10) : '—';
}

export const ENTRY_LABELS: Record<string, string> = {
  included: 'Included credits',
  purchase: 'Purchase',
  grant: 'Grant',
  consumption: 'Usage (prepaid)',
  payg: 'Usage (pay-as-you-go)',
  overage: 'Overage (unpaid)',
  expiry: 'Expiry',
  adjustment: 'Adjustment',
};

export const CATEGORY_LABELS: Record<string, string> = { grid: 'Grid', api: 'API', agents: 'Agents' };

export function chartConfig(series: CategorySeries) {
  return {
    type: 'bar',
    data: {
      labels: series.labels,
      datasets: (['grid', 'api', 'agents'] as const).map((c) => ({ label: CATEGORY_LABELS[c], data: series.rows.map((r) => r[c]), stack: 'credits', unit: ' credits' })),
    },
    options: {
      plugins: { legend: { position: 'bottom' } },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'Credits' } } },
    },
  };
}

export interface Range {
  from: string;
  to: string;
}

/** The breakdown range: the last 30 days by default, at most 366 days. */
export function resolveRange(q: { from?: string; to?: string }, zone: string): { range: Range; error: string | null } {
  const end = today(zone);
  let to = q.to ?? end;
  let from = q.from ?? addDays(to, -29);
  let error: string | null = null;
  if (daysBetween(from, to) > 365) {
    from = addDays(to, -365);
    error = 'Ranges are limited to 366 days; showing the last 366 days of the range.';
  }
  if (from > to) [from, to] = [to, from];
  return { range: { from, to }, error };
}

export interface FormState {
  form: string;
  errors: FieldErrors;
  values: Record<string, unknown>;
}

/** Field errors and submitted values of the form that failed, for re-rendering it in place. */
export function formHelpers(state: FormState | null) {
  return {
    failed: (form: string) => !!state && state.form === form,
    err: (form: string, field: string) => (state && state.form === form ? state.errors[field] ?? '' : ''),
    val: (form: string, field: string, fallback: unknown) => {
      if (state && state.form === form) {
        const v = state.values[field];
        return typeof v === 'string' ? v : '';
      }
      return fallback == null ? '' : String(fallback);
    },
  };
}

export interface PageQuery {
  from?: string;
  to?: string;
  access?: 'all' | 'allowed' | 'blocked';
  q?: string;
  after?: string;
  type?: LedgerFilter;
  before?: string;
}

export async function loadCreditsPage(db: Knex, user: SessionUser, query: PageQuery, rangeError: string | null = null) {
  const workspaceId = user.workspace_id;
  const now = new Date();
  // Page views settle the ledger lazily: this month's included credits and expiries are written here.
  await refreshPool(db, workspaceId, now);
  const ws = await loadWorkspace(db, workspaceId);
  const pool = await readPool(db, ws, now);
  const counters = await monthlyCounters(db, workspaceId, pool.month);
  const resolved = resolveRange(query, ws.time_zone);
  const range = resolved.range;
  const series = await creditsByCategory(db, workspaceId, range.from, range.to);
  const access = query.access ?? 'all';
  const peopleQ = query.q ?? '';
  const ledgerType = query.type ?? 'all';
  const [packs, prices, byUser, requests, people, counts, ledger] = [
    await allPacks(db, workspaceId, now),
    await readPrices(db, workspaceId),
    await creditsByUser(db, workspaceId, range.from, range.to),
    await pendingRequests(db, workspaceId),
    await peoplePage(db, workspaceId, { access, q: peopleQ, after: decodeCursor(query.after, isPeopleCursor) }),
    await accessCounts(db, workspaceId),
    await ledgerPage(db, workspaceId, ledgerType, decodeCursor(query.before, isLedgerCursor)),
  ];
  const nextExpiry = pool.packs.find((p) => p.expires_at && p.remaining > 0) ?? null;
  return {
    title: 'Credits',
    charts: true,
    ws,
    zone: ws.time_zone,
    isCredits: ws.billing_mode === 'credits',
    pool,
    counters,
    freeRowsLeft: Math.max(0, Number(ws.grid_free_test_rows) - counters.grid_free_rows),
    nextExpiry,
    packs,
    prices,
    priceItems: PRICE_ITEMS,
    priceLabels: PRICE_LABELS,
    range,
    rangeError: rangeError ?? resolved.error,
    series,
    chart: chartConfig(series),
    byUser,
    requests,
    people,
    peopleFilter: { access, q: peopleQ, after: query.after ?? null },
    counts,
    ledger,
    ledgerType,
    ledgerBefore: query.before ?? null,
    ledgerFilters: LEDGER_FILTERS,
    currentUserId: user.id,
    vm: { fmt, money, when, dateOf, ENTRY_LABELS, CATEGORY_LABELS, json: jsonForScript },
  };
}
