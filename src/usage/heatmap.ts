// The Usage page's heatmap: generations per user per calendar month, searchable, sortable by any
// column and paged with a keyset cursor (sort value + id).
import type { Knex } from 'knex';
import { monthsTouched, type UsageRange } from './range';
import * as q from './queries';
import { memo } from '../reports/memo';
import { monthlyRows, monthStamp } from './aggregates';
import { fmt, monthLabel, monthsSubtitle } from './format';
import { firstDayOfMonth, lastDayOfMonth } from '../db/time';
import { chartTitle } from './chart-registry';

export const HEATMAP_PAGE_SIZE = 25;

const collator = new Intl.Collator();

export interface HeatmapParams {
  q: string;
  sort: string; // 'total' | 'name' | 'YYYY-MM'
  dir: 'asc' | 'desc';
  after: string; // keyset cursor '<value>~<id>' or ''
}

export interface HeatmapRow {
  id: number;
  name: string;
  email: string;
  cells: { month: string; g: number; level: number; text: string }[];
  total: number;
  totalText: string;
}

export interface HeatmapModel {
  id: 'heatmap';
  title: string;
  subtitle: string;
  months: string[];
  monthLabels: string[];
  /** per month: true when the range covers only part of it */
  monthPartial: boolean[];
  rows: HeatmapRow[];
  matched: number;
  start: number;
  nextCursor: string | null;
  pageSize: number;
  params: HeatmapParams;
  empty: string | null;
  max: number;
  maxText: string;
}

/** 0 for none, else 1..9 by share of the busiest cell. */
export function heatLevel(g: number, max: number): number {
  if (g <= 0 || max <= 0) return 0;
  return Math.min(9, Math.max(1, Math.ceil((9 * g) / max)));
}

type Light = { id: number; name: string; lower: string; email: string; emailLower: string; m: Map<string, number>; total: number };

const compare = (a: string | number, b: string | number) => (typeof a === 'number' ? a - (b as number) : collator.compare(a, String(b)));

/** A row's value for `sort`: the lowercased name, the total, or one month's generations. */
const sortValue = (u: Light, sort: string): string | number => (sort === 'name' ? u.lower : sort === 'total' ? u.total : (u.m.get(sort) ?? 0));

/**
 * The heatmap's users per pair of memoised month aggregate and roster map (both are new objects
 * when their data changes, so nothing kept here is older than either): the rows once, and an
 * order of them per sort the range offers (total, name, each of its months; at most 2 x 15 orders
 * of references). At 20,000 users building and sorting the rows was most of a request; a search
 * filters a kept order. A sort by a month outside the range orders by id and is not kept.
 */
interface Kept {
  rows: Light[];
  orders: Map<string, Light[]>;
}
const kept = new WeakMap<object, WeakMap<object, Kept>>();

function sortedRows(per: Map<number, Map<string, number>>, users: ReadonlyMap<number, q.UserRef>, months: string[], sort: string, dir: 'asc' | 'desc'): Light[] {
  let byRoster = kept.get(per);
  if (!byRoster) kept.set(per, (byRoster = new WeakMap()));
  let k = byRoster.get(users);
  if (!k) byRoster.set(users, (k = { rows: heatRows(per, users), orders: new Map() }));
  const keep = sort === 'name' || sort === 'total' || months.includes(sort);
  const cached = keep ? k.orders.get(`${sort}:${dir}`) : undefined;
  if (cached) return cached;
  const sign = dir === 'asc' ? 1 : -1;
  const order = [...k.rows].sort((a, b) => {
    const c = compare(sortValue(a, sort), sortValue(b, sort));
    return c !== 0 ? sign * c : a.id - b.id;
  });
  if (keep) k.orders.set(`${sort}:${dir}`, order);
  return order;
}

/** Users with generations in the months, and active users with none (the gaps are the point of a heatmap). */
function heatRows(per: Map<number, Map<string, number>>, users: ReadonlyMap<number, q.UserRef>): Light[] {
  const NONE = new Map<string, number>();
  const ids = [...per.keys()];
  for (const u of users.values()) if (u.status === 'active' && !per.has(u.id)) ids.push(u.id);
  return ids.map((id) => {
    const u = users.get(id);
    const m = per.get(id) ?? NONE;
    let total = 0;
    for (const g of m.values()) total += g;
    const name = u?.name ?? `User #${id}`;
    const email = u?.email ?? '';
    return { id, name, lower: name.toLowerCase(), email, emailLower: email.toLowerCase(), m, total };
  });
}

export async function heatmap(db: Knex, ws: number, r: UsageRange, p: HeatmapParams): Promise<HeatmapModel> {
  const months = monthsTouched(r);
  const versions = await monthStamp(db, ws, months);
  // Per-user months and the busiest cell are derived once per data version, the order once per
  // sort and roster (sortedRows); each request only filters and builds the cells of the rows it shows.
  const [agg, users] = await Promise.all([
    memo(db, `heat-agg:${ws}:${months[0]}:${months[months.length - 1]}`, versions.join(','), async () => {
      const per = new Map<number, Map<string, number>>();
      let max = 0;
      for (const row of await monthlyRows(db, ws, months, versions)) {
        if (row.g <= 0) continue;
        let u = per.get(row.user_id);
        if (!u) per.set(row.user_id, (u = new Map()));
        const g = (u.get(row.month) ?? 0) + row.g;
        u.set(row.month, g);
        if (g > max) max = g;
      }
      return { per, max };
    }),
    q.rosterMap(db, ws),
  ]);
  const { max } = agg;
  const needle = p.q.trim().toLowerCase();
  const everyone = sortedRows(agg.per, users, months, p.sort, p.dir);
  const all = needle ? everyone.filter((u) => u.lower.includes(needle) || u.emailLower.includes(needle)) : everyone;
  const sign = p.dir === 'asc' ? 1 : -1;
  // Keyset: the cursor names the last row shown (sort value + id); the page starts after it.
  let start = 0;
  if (p.after) {
    const tilde = p.after.lastIndexOf('~');
    const id = Number(p.after.slice(tilde + 1));
    const rawVal = p.after.slice(0, tilde);
    const cursorVal: string | number = p.sort === 'name' ? rawVal : Number(rawVal);
    start = all.findIndex((u) => {
      const c = compare(sortValue(u, p.sort), cursorVal);
      return sign * c > 0 || (c === 0 && u.id > id);
    });
    if (start < 0) start = all.length;
  }
  const shown: HeatmapRow[] = all.slice(start, start + HEATMAP_PAGE_SIZE).map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    total: u.total,
    totalText: fmt(u.total),
    cells: months.map((month) => {
      const g = u.m.get(month) ?? 0;
      return { month, g, level: heatLevel(g, max), text: g ? fmt(g) : '·' };
    }),
  }));
  const last = all[start + shown.length - 1];
  const nextCursor = start + HEATMAP_PAGE_SIZE < all.length && last ? `${sortValue(last, p.sort)}~${last.id}` : null;
  return {
    id: 'heatmap',
    title: chartTitle('heatmap'),
    subtitle: `Generations per user per calendar month (${monthsSubtitle(months)}), including active users with none.`,
    months,
    monthLabels: months.map(monthLabel),
    // a month the range covers only in part (its first or last month) is marked, so its column is not read as a whole month
    monthPartial: months.map((m) => r.from > firstDayOfMonth(m) || r.to < lastDayOfMonth(m)),
    rows: shown,
    matched: all.length,
    start,
    nextCursor,
    pageSize: HEATMAP_PAGE_SIZE,
    params: p,
    empty: everyone.length === 0 ? 'No users or generations in these months.' : all.length === 0 ? `No user matches “${p.q}”.` : null,
    max,
    maxText: fmt(max),
  };
}
