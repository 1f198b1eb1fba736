// View-model helpers for User Management: list URLs (filters, sort, page), column headers, notices.
import type { SortKey, UserListQuery, UserRow } from './queries';
import { NEAR_PERCENT, NEAR_SHARE } from '../domain/limits';

/** The near share as a percentage (the Allocation filter's label). */
export { NEAR_PERCENT };
import { LIMIT_STATUS_FILTERS, LIMIT_STATUS_LABELS } from './limit-info';

/** Sortable columns: `label` is the compact header, `full` the complete name (abbr title, caption). */
export const COLUMNS: { key: SortKey; label: string; full: string; num?: boolean }[] = [
  { key: 'name', label: 'Name', full: 'Name' },
  { key: 'email', label: 'Email', full: 'Email' },
  { key: 'role', label: 'Role', full: 'Role' },
  { key: 'department', label: 'Dept.', full: 'Department' },
  { key: 'status', label: 'Status', full: 'Status' },
  { key: 'max_inference', label: 'Max inf.', full: 'Max Inference Tokens (monthly allocation)', num: true },
  { key: 'max_embedding', label: 'Max emb.', full: 'Max Embedding Tokens (embedding/training allocation)', num: true },
  { key: 'total_inference', label: 'Total inf.', full: 'Total Inference Tokens: all-time inference tokens', num: true },
  { key: 'total_embedding', label: 'Total emb.', full: 'Total Embedding Tokens: all-time embedding (training) tokens', num: true },
  { key: 'total_usage', label: 'Total', full: 'Total Usage: all-time tokens, inference + embedding', num: true },
  { key: 'monthly', label: 'This month', full: 'Monthly Inference Tokens: this calendar month (workspace time zone)', num: true },
  { key: 'prev_month', label: 'Prev. month', full: 'Prev Month Inference Tokens: the previous calendar month', num: true },
  { key: 'share', label: 'Used', full: 'Allocation used: this month’s inference tokens as a share of the monthly allocation' },
  { key: 'credit', label: 'Credits', full: 'Credit access: may spend shared credits' },
  { key: 'last_active', label: 'Last active', full: 'Last active (latest interaction or login)' },
  { key: 'limit_use', label: 'Limit', full: 'Limit use: the highest share of any per-user limit used in its current period' },
];

/**
 * Table header cells: Name, Email and the effective limit share the first data column (email and
 * limit under the name) so the table fits 1280px; each keeps its own sort link.
 */
const NAME_CELL: SortKey[] = ['name', 'email', 'limit_use'];
export const HEADERS: { keys: SortKey[]; num?: boolean; cls?: string }[] = [
  { keys: NAME_CELL, cls: 'user-name' },
  ...COLUMNS.filter((c) => !NAME_CELL.includes(c.key)).map((c) => ({ keys: [c.key], num: c.num, cls: `col-${c.key}` })),
];

/** The choices of the limit status filter. */
export const LIMIT_STATUS_CHOICES = LIMIT_STATUS_FILTERS.map((value) => ({ value, label: LIMIT_STATUS_LABELS[value] }));

export function column(key: SortKey) {
  return COLUMNS.find((c) => c.key === key)!;
}

/** Allocation columns where 0 means "none assigned": the table shows "Not set" instead of a 0. */
export function isUnsetAllocation(key: SortKey, n: number): boolean {
  return (key === 'max_inference' || key === 'max_embedding') && !n;
}

/** The token-count cells of a row, in column order, with their short header. */
export function numberCells(r: UserRow): { key: SortKey; label: string; n: number }[] {
  const values: [SortKey, number][] = [
    ['max_inference', r.max_inference_tokens],
    ['max_embedding', r.max_embedding_tokens],
    ['total_inference', r.total_inference],
    ['total_embedding', r.total_embedding],
    ['total_usage', r.total_usage],
    ['monthly', r.monthly_inference],
    ['prev_month', r.prev_month_inference],
  ];
  return values.map(([key, n]) => ({ key, label: column(key).label, n }));
}

const FILTER_KEYS = ['q', 'role', 'status', 'department', 'credit', 'allocation', 'limit_status'] as const;

/** The list URL for a state; defaults are left out so URLs stay short and canonical. */
export function listUrl(f: UserListQuery, patch: Partial<UserListQuery> = {}): string {
  const s = { ...f, ...patch };
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = s[k];
    if (v) p.set(k, String(v));
  }
  if (s.sort !== 'name') p.set('sort', s.sort);
  if (s.dir !== 'asc') p.set('dir', s.dir);
  if (s.per !== 25) p.set('per', String(s.per));
  if (s.page > 1) p.set('page', String(s.page));
  const qs = p.toString();
  return qs ? `/admin/users?${qs}` : '/admin/users';
}

export function sortUrl(f: UserListQuery, key: SortKey): string {
  const dir = f.sort === key && f.dir === 'asc' ? 'desc' : 'asc';
  return listUrl(f, { sort: key, dir, page: 1 });
}

export function ariaSort(f: UserListQuery, key: SortKey): string | null {
  return f.sort === key ? (f.dir === 'asc' ? 'ascending' : 'descending') : null;
}

export function hasFilters(f: UserListQuery): boolean {
  return FILTER_KEYS.some((k) => !!f[k]);
}

/** Page numbers to show: first, last, and a window around the current page (null = gap). */
export function pageWindow(page: number, pages: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 1; i <= pages; i++) {
    if (i === 1 || i === pages || Math.abs(i - page) <= 2) out.push(i);
    else if (out[out.length - 1] !== null) out.push(null);
  }
  return out;
}

export function shareClass(row: UserRow): string {
  if (row.share == null) return '';
  if (row.share >= 1) return 'over';
  if (row.share >= NEAR_SHARE) return 'near'; // the same threshold as the "near or over" filter
  return '';
}

export { formatNumber as fmt, dayLabel, monthLabel } from '../http/format';

export function pct(share: number | null): string {
  return share == null ? '—' : `${Math.round(share * 1000) / 10}%`;
}

export const NOTICES: Record<string, string> = {
  allocation: 'Allocation saved.',
  bulk: 'Allocations saved for the selected users.',
  credit: 'Credit access updated.',
  role: 'Role updated.',
  revoked: 'Access revoked. The user can no longer sign in; their history is kept.',
  restored: 'Access restored.',
  invited: 'Invitation created. The user appears with status “invited”.',
};

export const ERRORS: Record<string, string> = {
  last_admin: 'This is the last active admin of the workspace: make another user an admin first.',
};

export function withParam(url: string, key: string, value: string): string {
  const [path, qs] = url.split('?');
  const p = new URLSearchParams(qs ?? '');
  p.delete('notice');
  p.delete('error');
  p.set(key, value);
  return `${path}?${p.toString()}`;
}
