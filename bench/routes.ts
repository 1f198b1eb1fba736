// What the benchmark measures. Pages are listed here; their htmx partials are discovered from the
// real pages (every distinct hx-get URL), so a partial added to a page is measured without
// touching this file. Placeholder pages ("Coming soon") are measured but reported as not built.

import { SORT_KEYS } from '../src/users/queries';
import { LIMIT_STATUS_FILTERS } from '../src/users/limit-info';

export interface BenchContext {
  /** 12-month Usage range: from = to - 12 months + 1 day, to = yesterday (workspace zone) */
  from: string;
  to: string;
  /** user with the most interactions (Activity Logs first and deep pages) */
  topUserId: number;
  /** a search term that matches a few users */
  search: string;
}

export interface PageSpec {
  id: string;
  feature: 'Users' | 'Activity Logs' | 'Token Statistics' | 'Usage';
  path: (c: BenchContext) => string;
  /** also request the URL as an htmx request (the fragment a filter/sort/tab change swaps in) */
  asPartial?: boolean;
  /** discover the page's hx-get URLs and measure each distinct one as a partial */
  discover?: boolean;
}

export const PAGES: PageSpec[] = [
  // Users: the page, then what its controls request (sort links are discovered from the page)
  { id: 'users', feature: 'Users', path: () => '/admin/users', discover: true },
  { id: 'users?q', feature: 'Users', path: (c) => `/admin/users?q=${encodeURIComponent(c.search)}`, asPartial: true },
  { id: 'users?sort=monthly&dir=desc', feature: 'Users', path: () => '/admin/users?sort=monthly&dir=desc', asPartial: true },
  { id: 'users?sort=last_active&dir=desc', feature: 'Users', path: () => '/admin/users?sort=last_active&dir=desc', asPartial: true },
  { id: 'users?status=active&allocation=near', feature: 'Users', path: () => '/admin/users?status=active&allocation=near', asPartial: true },
  { id: 'users?per=100&page=20', feature: 'Users', path: () => '/admin/users?per=100&page=20', asPartial: true },
  // Activity Logs of the heaviest user (the deep page is added by run.ts)
  { id: 'activity', feature: 'Activity Logs', path: (c) => `/admin/users/${c.topUserId}/logs`, discover: true },
  // Token Statistics: each tab (tab links and range switches are discovered)
  { id: 'tokens', feature: 'Token Statistics', path: () => '/admin/tokens', discover: true },
  { id: 'tokens?tab=monthly', feature: 'Token Statistics', path: () => '/admin/tokens?tab=monthly', discover: true },
  { id: 'tokens?tab=exports', feature: 'Token Statistics', path: () => '/admin/tokens?tab=exports', discover: true },
  // Usage over the 12-month range: the page and every chart partial it loads
  { id: 'usage', feature: 'Usage', path: (c) => `/admin/usage?from=${c.from}&to=${c.to}`, discover: true },
];

/**
 * Every User Management sort (ascending, then the heaviest descending) and every filter, each on its
 * last page (`page=100000` is clamped to the last page): the enterprise profile's "last page" targets.
 * Measured as full pages (the page includes the same results partial htmx swaps). The limit status
 * filters and the limit use sort resolve every user's limits (bench/user-limits.ts adds limits in
 * every period for the run), so they are listed alone and with a column sort and another filter.
 */
export function userListLastPages(department: string): PageSpec[] {
  const last = 'page=100000';
  const specs: PageSpec[] = SORT_KEYS.map((k) => ({ id: `users?sort=${k}&${last}`, feature: 'Users' as const, path: () => `/admin/users?sort=${k}&${last}` }));
  for (const k of ['total_usage', 'monthly', 'last_active', 'limit_use'] as const)
    specs.push({ id: `users?sort=${k}&dir=desc&${last}`, feature: 'Users', path: () => `/admin/users?sort=${k}&dir=desc&${last}` });
  const filters = ['status=active', 'status=invited', 'status=revoked', 'role=admin', 'credit=no', 'allocation=near', 'allocation=over', `department=${encodeURIComponent(department)}`, 'q=user1'];
  for (const s of LIMIT_STATUS_FILTERS) filters.push(`limit_status=${s}`);
  filters.push('limit_status=any_limit&sort=total_usage&dir=desc', 'limit_status=near&status=active&sort=limit_use&dir=desc');
  for (const f of filters) specs.push({ id: `users?${f}&${last}`, feature: 'Users', path: () => `/admin/users?${f}&${last}` });
  specs.push({ id: `users?per=100&${last}`, feature: 'Users', path: () => `/admin/users?per=100&${last}`, asPartial: true });
  return specs;
}

/** Activity Logs depth for the "deep page" measurement (pages followed through "Older" links). */
export const DEEP_PAGES = 1000;

/** hx-get URLs that are not read-only views (never benchmarked). */
export const SKIP_PARTIAL = /logout|delete|revoke|approve|deny|\.csv(\?|$)/i;

/** Most distinct partials measured per page (row menus repeat per row: see `shapeOf`). */
export const MAX_PARTIALS_PER_PAGE = 25;

/**
 * Two hx-get URLs with the same shape are the same partial (for example a row menu of user 12
 * and of user 13): numeric path segments and long or numeric query values are wildcards.
 */
export function shapeOf(url: string): string {
  const u = new URL(url, 'http://x');
  const path = u.pathname.replace(/\/\d+(?=\/|$)/g, '/:id');
  const q = [...u.searchParams.entries()]
    .map(([k, v]) => `${k}=${/^\d+$/.test(v) || v.length > 24 ? '*' : v}`)
    .sort()
    .join('&');
  return `${path}?${q}`;
}
