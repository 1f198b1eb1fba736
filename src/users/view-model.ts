// View-model helpers for User Management: list URLs (filters, sort, page), column headers, notices.
import type { SortKey, UserListQuery, UserRow } from './queries';
import { NEAR_SHARE } from './queries';

export const COLUMNS: { key: SortKey; label: string; num?: boolean; title?: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'email', label: 'Email' },
  { key: 'role', label: 'Role' },
  { key: 'department', label: 'Department' },
  { key: 'status', label: 'Status' },
  { key: 'max_inference', label: 'Max Inference Tokens', num: true, title: 'Monthly inference token allocation' },
  { key: 'max_embedding', label: 'Max Embedding Tokens', num: true, title: 'Embedding/training token allocation' },
  { key: 'total_usage', label: 'Total Usage', num: true, title: 'All-time tokens, inference + embedding' },
  { key: 'monthly', label: 'Monthly Inference', num: true, title: 'Inference tokens this calendar month (workspace time zone)' },
  { key: 'prev_month', label: 'Prev Month Inference', num: true, title: 'Inference tokens in the previous calendar month' },
  { key: 'share', label: 'Allocation used', title: 'This month’s inference tokens as a share of the monthly allocation' },
  { key: 'credit', label: 'Credits', title: 'May spend shared credits' },
  { key: 'last_active', label: 'Last active' },
];

const FILTER_KEYS = ['q', 'role', 'status', 'department', 'credit', 'allocation'] as const;

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
  if (row.share > NEAR_SHARE) return 'near';
  return '';
}

export function fmt(n: number | null | undefined): string {
  return n == null ? '—' : Number(n).toLocaleString('en-US');
}

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
