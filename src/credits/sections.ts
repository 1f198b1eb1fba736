// The Credits section's sub-pages (tabs): their URLs and what each one loads. Every sub-page reads
// the pool (page views settle the ledger lazily) and the pending-request count for its tab badge.
import type { Knex } from 'knex';
import type { SessionUser } from '../http/context';
import { jsonForScript } from '../http/format';
import { pendingCount, pendingRequests } from './access-requests';
import { loadWorkspace } from '../workspaces/queries';
import { forecast } from './forecast';
import { allPacks, monthlyCounters, readPool, refreshPool, type CreditWorkspace } from './pool';
import { PRICE_ITEMS, PRICE_LABELS, readPrices } from './prices';
import { accessCounts, creditsByCategory, creditsByUserPage, decodeCursor, isLedgerCursor, isPeopleCursor, LEDGER_FILTERS, ledgerPage, peoplePage, type LedgerFilter } from './reports';
import { creditBanner, creditState } from './state';
import { bucketLabel, CATEGORY_LABELS, chartConfig, dateOf, dayLabel, ENTRY_LABELS, fmt, money } from './view-model';
import { presetsFor, rangeQuery, type UsageRange } from '../reports/range';

export type CreditTab = 'overview' | 'usage' | 'packs' | 'payg' | 'people' | 'ledger' | 'estimate';

/** The tabs in order: id, label, URL. */
export const CREDIT_TABS: { id: CreditTab; label: string; href: string }[] = [
  { id: 'overview', label: 'Overview', href: '/admin/credits' },
  { id: 'usage', label: 'Usage', href: '/admin/credits/usage' },
  { id: 'packs', label: 'Packs & grants', href: '/admin/credits/packs' },
  { id: 'payg', label: 'Pay-as-you-go & prices', href: '/admin/credits/payg' },
  { id: 'people', label: 'People', href: '/admin/credits/people' },
  { id: 'ledger', label: 'Ledger', href: '/admin/credits/ledger' },
  { id: 'estimate', label: 'Cost estimator', href: '/admin/credits/estimate' },
];

/** Page sizes: each sub-page stays within about three screens at 1440 px before paging. */
export const PAGE_SIZES = { byUser: 15, packs: 15, people: 20, ledger: 20 } as const;

const VM = { fmt, money, dateOf, dayLabel, bucketLabel, ENTRY_LABELS, CATEGORY_LABELS, json: jsonForScript };

/** What every sub-page shows: the workspace, the pool and its state, the pending-request count. */
export async function loadBase(db: Knex, user: SessionUser, tab: CreditTab, now: Date = new Date()) {
  await refreshPool(db, user.workspace_id, now);
  const ws = await loadWorkspace(db, user.workspace_id);
  const pool = await readPool(db, ws, now);
  const pending = await pendingCount(db, ws.id);
  const tabLabel = CREDIT_TABS.find((t) => t.id === tab)!.label;
  return {
    title: tab === 'overview' ? 'Credits' : `Credits · ${tabLabel}`,
    // Chart.js on every sub-page: a tab switch (htmx) can bring in the Usage chart.
    charts: true,
    tab,
    tabs: CREDIT_TABS,
    ws,
    zone: ws.time_zone,
    pool,
    state: creditState(pool),
    pendingCount: pending,
    currentUserId: user.id,
    vm: VM,
  };
}

export async function loadOverview(db: Knex, ws: CreditWorkspace, pool: Awaited<ReturnType<typeof readPool>>, now: Date = new Date()) {
  const counters = await monthlyCounters(db, ws.id, pool.month);
  return {
    counters,
    freeRowsLeft: Math.max(0, Number(ws.grid_free_test_rows) - counters.grid_free_rows),
    nextExpiry: pool.packs.find((p) => p.expires_at && p.remaining > 0) ?? null,
    activePacks: pool.packs.filter((p) => p.remaining > 0).length,
    banner: creditBanner(pool),
    forecast: await forecast(db, ws.id, ws.time_zone, pool, now),
    requests: await pendingRequests(db, ws.id, 5),
  };
}

export async function loadUsage(db: Knex, workspaceId: number, range: UsageRange, page: number) {
  const series = await creditsByCategory(db, workspaceId, range.from, range.to);
  const size = PAGE_SIZES.byUser;
  const byUser = await creditsByUserPage(db, workspaceId, range.from, range.to, size, (page - 1) * size);
  return {
    charts: true,
    range,
    presets: presetsFor(range.today, range.lastDay, range.windowStart),
    rangeQuery,
    series,
    chart: chartConfig(series),
    byUser: byUser.rows,
    byUserTotal: byUser.total,
    byUserPage: page,
    byUserPages: Math.max(1, Math.ceil(byUser.total / size)),
    byUserOffset: (page - 1) * size,
  };
}

export async function loadPacks(db: Knex, workspaceId: number, page: number, now: Date = new Date()) {
  const size = PAGE_SIZES.packs;
  // Packs are few (a few a month); the table pages through them newest first.
  const packs = await allPacks(db, workspaceId, now, page * size + 1);
  const rows = packs.slice((page - 1) * size, page * size);
  return { packs: rows, packsPage: page, packsMore: packs.length > page * size };
}

export async function loadPayg(db: Knex, workspaceId: number) {
  return { prices: await readPrices(db, workspaceId), priceItems: PRICE_ITEMS, priceLabels: PRICE_LABELS };
}

export async function loadPeople(db: Knex, workspaceId: number, q: { access: 'all' | 'allowed' | 'blocked'; q: string; after?: string }) {
  return {
    requests: await pendingRequests(db, workspaceId),
    people: await peoplePage(db, workspaceId, { access: q.access, q: q.q, after: decodeCursor(q.after, isPeopleCursor), limit: PAGE_SIZES.people }),
    peopleFilter: { access: q.access, q: q.q, after: q.after ?? null },
    counts: await accessCounts(db, workspaceId),
  };
}

export async function loadLedger(db: Knex, workspaceId: number, type: LedgerFilter, before?: string) {
  return {
    ledger: await ledgerPage(db, workspaceId, type, decodeCursor(before, isLedgerCursor), PAGE_SIZES.ledger),
    ledgerType: type,
    ledgerBefore: before ?? null,
    ledgerFilters: LEDGER_FILTERS,
  };
}
