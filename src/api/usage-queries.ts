// SQL of the usage API: reads only the rollup tables named in src/api/usage-spec.ts (never the raw
// interactions or logins), grouped by the stored reporting day; weeks and months are folded here
// in TypeScript (src/db/time.ts), so no SQL date functions. Whole months of a month-grain twin are
// read from it (one row per user and month instead of one per active day).
import type { Knex } from 'knex';
import { addDays, addMonths, daysBetween, firstDayOfMonth, lastDayOfMonth, monthOfDay, weekStartOfDay } from '../db/time';
import { memo, rosterStamp, usageStamp, versionedCache } from '../reports/memo';
import type { Bucket, Dimension, Metric, MetricExpr, UsageSource } from './usage-spec';

export type Filters = Partial<Record<Dimension, string[]>>;

export interface UsageQuery {
  workspaceId: number;
  metric: Metric;
  groupBy: Dimension[];
  bucket: Bucket;
  from: string;
  to: string;
  filters: Filters;
  /** the key of the last row of the previous page: [bucket?, ...dimension values] */
  after: (string | null)[] | null;
  limit: number;
}

/** One row of the answer as the API sends it: the bucket, each grouped dimension, the value. */
export type UsageRow = { bucket?: string; value?: number } & Partial<Record<Dimension, string | null>>;

export interface UsagePage {
  rows: UsageRow[];
  /** key of the last row when more rows follow */
  nextKey: (string | null)[] | null;
}

const num = (v: unknown) => Number(v ?? 0);

/** The start day of the bucket holding `day`. */
export function bucketOf(day: string, bucket: Bucket): string {
  if (bucket === 'week') return weekStartOfDay(day);
  if (bucket === 'month') return firstDayOfMonth(monthOfDay(day));
  return day;
}

/** Every bucket [from, to] touches, each clamped to the range: [label, from, to]. */
export function bucketsOf(from: string, to: string, bucket: Bucket): [string, string, string][] {
  const out: [string, string, string][] = [];
  let start = bucketOf(from, bucket);
  while (start <= to) {
    const next = bucket === 'week' ? addDays(start, 7) : bucket === 'month' ? firstDayOfMonth(addMonths(monthOfDay(start), 1)) : addDays(start, 1);
    const end = addDays(next, -1);
    out.push([start, start < from ? from : start, end > to ? to : end]);
    start = next;
  }
  return out;
}

/**
 * A key as one string that sorts (with plain <) as keys sort: element by element, null before any
 * value, values by code unit. Identifiers never hold control characters (refused at the API).
 */
export function sortableKey(key: (string | null)[]): string {
  let out = '';
  for (let i = 0; i < key.length; i++) out += (i ? '\u0000' : '') + (key[i] === null ? '\u0000' : '\u0001' + key[i]);
  return out;
}


interface Part {
  table: string;
  monthly: boolean;
  from: string;
  to: string;
  expr: MetricExpr;
  /** -1: the part's sums are taken away (days of a month read outside the range) */
  sign?: -1;
}

/** Applies grouping columns, joins and filters of the request to a query on one rollup table `t`. */
function shape(db: Knex, q: UsageQuery, src: UsageSource, part: Part, withBucket: boolean): Knex.QueryBuilder {
  const ws = q.workspaceId;
  const qb = db({ t: part.table }).where('t.workspace_id', ws);
  if (part.monthly) qb.whereBetween('t.month', [monthOfDay(part.from), monthOfDay(part.to)]);
  else qb.whereBetween('t.day', [part.from, part.to]);
  const groups: string[] = [];
  if (withBucket) {
    const col = part.monthly ? 't.month' : 't.day';
    qb.select({ b: col });
    groups.push(col);
  }
  const userCol = `t.${src.userColumn}`;
  for (const d of q.groupBy) {
    const own = src.columns[d];
    let col: string;
    if (own) col = `t.${own}`;
    else if (d === 'user') col = userCol;
    else if (d === 'department') {
      qb.join({ u: 'users' }, 'u.id', userCol).where('u.workspace_id', ws);
      col = 'u.department';
    } else {
      // group: every current group of the user (a user in two groups counts in both; none = null)
      qb.leftJoin({ gm: 'group_members' }, function () {
        this.on('gm.user_id', '=', userCol).andOn('gm.workspace_id', '=', db.raw('?', [ws]));
      });
      col = 'gm.group_id';
    }
    qb.select({ [`d_${d}`]: col });
    groups.push(col);
  }
  for (const [d, values] of Object.entries(q.filters) as [Dimension, string[]][]) {
    const own = src.columns[d];
    if (d === 'agent') qb.whereIn(`t.${own}`, db('agents').select('id').where('workspace_id', ws).whereIn('external_id', values));
    else if (own) qb.whereIn(`t.${own}`, values);
    else if (d === 'user') qb.whereIn(userCol, db('users').select('id').where('workspace_id', ws).whereIn('email', values.map((v) => v.toLowerCase())));
    else if (d === 'department') qb.whereIn(userCol, db('users').select('id').where('workspace_id', ws).whereIn('department', values));
    else if (d === 'group') {
      // grouped by group too: only the rows of the asked groups (not the members' other groups)
      if (q.groupBy.includes('group')) qb.whereIn('gm.group_id', db('groups').select('id').where('workspace_id', ws).whereIn('external_id', values));
      qb.whereIn(
        userCol,
        db('group_members')
          .select('user_id')
          .where('workspace_id', ws)
          .whereIn('group_id', db('groups').select('id').where('workspace_id', ws).whereIn('external_id', values)),
      );
    }
  }
  if ('sum' in part.expr) qb.sum({ v: `t.${part.expr.sum}` });
  else qb.countDistinct({ v: userCol });
  if (groups.length) qb.groupBy(groups);
  return qb;
}

/**
 * The reads of one request: a sum over [from, to] (whole months from the month-grain twin when the
 * bucket allows it), or, for distinct users, one read per bucket (distinct counts do not add up).
 */
function plan(q: UsageQuery, src: UsageSource, from: string, to: string): { part: Part; label?: string; withBucket: boolean }[] {
  const expr = src.metrics[q.metric]!;
  const daily = (f: string, t: string): Part => ({ table: src.table, monthly: false, from: f, to: t, expr });
  if ('distinctUsers' in expr) {
    if (q.bucket === 'none') return [{ part: daily(from, to), withBucket: false }];
    if (q.bucket === 'day') return [{ part: daily(from, to), withBucket: true }];
    return bucketsOf(from, to, q.bucket).map(([label, f, t]) => ({ part: daily(f, t), label, withBucket: false }));
  }
  const twin = src.monthly?.metrics[q.metric];
  if (twin && (q.bucket === 'month' || q.bucket === 'none')) {
    const firstWhole = from.endsWith('-01') ? monthOfDay(from) : addMonths(monthOfDay(from), 1);
    const lastWhole = lastDayOfMonth(monthOfDay(to)) === to ? monthOfDay(to) : addMonths(monthOfDay(to), -1);
    if (firstWhole <= lastWhole) {
      const parts: { part: Part; label?: string; withBucket: boolean }[] = [];
      const wholeFrom = firstDayOfMonth(firstWhole);
      const wholeTo = lastDayOfMonth(lastWhole);
      const monthly = (f: string, t: string): Part => ({ table: src.monthly!.table, monthly: true, from: f, to: t, expr: twin });
      parts.push({ part: monthly(wholeFrom, wholeTo), withBucket: q.bucket !== 'none' });
      // An edge lies within one month and reaches one of its ends: summed in SQL and labelled with
      // the month (one row per key, not one per key and day), from its own days or, when fewer
      // days of the month lie outside it, as the month's row minus those days.
      const edge = (f: string, t: string) => {
        const first = firstDayOfMonth(monthOfDay(f));
        const last = lastDayOfMonth(monthOfDay(f));
        const inside = daysBetween(f, t) + 1;
        if (daysBetween(first, last) + 1 - inside >= inside) return parts.push({ part: daily(f, t), label: f, withBucket: false });
        parts.push({ part: monthly(first, last), label: f, withBucket: false });
        if (f > first) parts.push({ part: { ...daily(first, addDays(f, -1)), sign: -1 }, label: f, withBucket: false });
        if (t < last) parts.push({ part: { ...daily(addDays(t, 1), last), sign: -1 }, label: f, withBucket: false });
      };
      if (from < wholeFrom) edge(from, addDays(wholeFrom, -1));
      if (to > wholeTo) edge(addDays(wholeTo, 1), to);
      return parts;
    }
  }
  return [{ part: daily(from, to), withBucket: q.bucket !== 'none' }];
}

/** Names for ids: users by email, groups and agents by their platform ids. */
async function labels(db: Knex, q: UsageQuery): Promise<Partial<Record<Dimension, Map<number, string>>>> {
  const ws = q.workspaceId;
  const out: Partial<Record<Dimension, Map<number, string>>> = {};
  const jobs: Promise<void>[] = [];
  // every e-mail of the roster: kept per process while the roster stamp is unchanged
  if (q.groupBy.includes('user'))
    jobs.push(
      rosterStamp(db, ws)
        .then((stamp) => memo(db, `usage-api:emails:${ws}`, stamp, async () => new Map((await db('users').select('id', 'email').where('workspace_id', ws)).map((r: any) => [Number(r.id), String(r.email)]))))
        .then((map) => void (out.user = map)),
    );
  if (q.groupBy.includes('group'))
    jobs.push(db('groups').select('id', 'external_id').where('workspace_id', ws).then((rows) => void (out.group = new Map(rows.map((r: any) => [Number(r.id), r.external_id])))));
  if (q.groupBy.includes('agent'))
    jobs.push(db('agents').select('id', 'external_id').where('workspace_id', ws).then((rows) => void (out.agent = new Map(rows.map((r: any) => [Number(r.id), r.external_id])))));
  await Promise.all(jobs);
  return out;
}

/** Buckets read per statement when paging through a bucketed answer (about a month of days). */
const BUCKETS_PER_CHUNK: Record<Bucket, number> = { day: 31, week: 5, month: 1, none: 1 };

/** Orders dimension values as the cursor does: element by element, null first, then by code unit. */
export function compareDims(a: readonly (string | null)[], b: readonly (string | null)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** A row being summed: its dimension values (in groupBy order) and value so far. */
interface Acc {
  dims: (string | null)[];
  value: number;
}

/**
 * One page of the answer, in key order ([bucket, ...dimensions]), after the cursor's key. Rows sort
 * by bucket first, so a bucketed answer is read a chunk of buckets at a time, from the cursor's
 * bucket on, and reading stops once the page is full: a page costs the buckets it shows, not the range.
 */
export async function usagePage(db: Knex, q: UsageQuery, src: UsageSource): Promise<UsagePage> {
  const bucketed = q.bucket !== 'none';
  let from = q.from;
  // Keyset: rows after the cursor are in its bucket or later, so earlier days are not read at all.
  if (q.after && bucketed && q.after[0] && q.after[0] > from) from = q.after[0];
  const afterBucket = q.after && bucketed ? (q.after[0] ?? '') : '';
  const afterDims = q.after ? q.after.slice(bucketed ? 1 : 0) : null;
  const names = await labels(db, q);

  // Rows of each bucket ('' without buckets), by their dimension values: the value itself for one
  // dimension (a Map keeps null apart from every string), their sortableKey for several.
  const byBucket = new Map<string, Map<string | null, Acc>>();
  const single = q.groupBy.length === 1;
  const dimColumns = q.groupBy.map((d) => [`d_${d}`, names[d]] as const);
  // the bucket of a stored day or month (few distinct values per request)
  const bucketLabels = new Map<string, string>();
  const bucketLabel = (stored: string, monthly: boolean) => {
    let label = bucketLabels.get(stored);
    if (label === undefined) bucketLabels.set(stored, (label = bucketOf(monthly ? `${stored}-01` : stored.slice(0, 10), q.bucket)));
    return label;
  };
  const valueOf = (r: Record<string, unknown>, column: string, map: Map<number, string> | undefined): string | null => {
    const v = r[column];
    if (v === null || v === undefined) return null;
    return map ? (map.get(Number(v)) ?? `#${v}`) : String(v);
  };
  const isAfter = (bucket: string, dims: (string | null)[]) =>
    afterDims === null || bucket > afterBucket || (bucket === afterBucket && compareDims(dims, afterDims) > 0);

  // Chunks of buckets, read one statement set at a time: the first chunk is BUCKETS_PER_CHUNK
  // buckets (one more when `from` cuts the first short); later ones are sized from the densest
  // bucket seen so far, so that a page takes two or three reads whatever the density (a month of
  // 2,000 users, or of 20,000) and reads little beyond the page.
  const buckets = bucketed ? bucketsOf(from, q.to, q.bucket) : [];
  let nextBucket = 0;
  let ahead = 0;
  const nextChunk = (): [string, string] | null => {
    if (!bucketed) return nextBucket++ === 0 ? [from, q.to] : null;
    if (nextBucket >= buckets.length) return null;
    let per = BUCKETS_PER_CHUNK[q.bucket];
    if (nextBucket === 0) {
      // a first bucket cut short by `from` says little about the density of whole ones
      if (buckets[0][0] !== buckets[0][1]) per++;
    } else {
      let densest = 1;
      for (const rows of byBucket.values()) densest = Math.max(densest, rows.size);
      per = Math.max(per, Math.ceil((q.limit + 1 - ahead) / densest));
    }
    const last = Math.min(nextBucket + per, buckets.length) - 1;
    const chunk: [string, string] = [buckets[nextBucket][1], buckets[last][2]];
    nextBucket = last + 1;
    return chunk;
  };

  for (let chunk = nextChunk(); chunk; chunk = nextChunk()) {
    const steps = plan(q, src, chunk[0], chunk[1]);
    const results = await Promise.all(steps.map((s) => shape(db, q, src, s.part, s.withBucket)));
    steps.forEach((step, i) => {
      const fixedBucket = !bucketed ? '' : step.label !== undefined ? bucketOf(step.label, q.bucket) : null;
      const sign = step.part.sign ?? 1;
      let bucket = fixedBucket ?? '';
      let rows = byBucket.get(bucket);
      for (const r of results[i] as Record<string, unknown>[]) {
        if (fixedBucket === null) {
          const label = bucketLabel(String(r.b), step.part.monthly);
          if (label !== bucket || !rows) {
            bucket = label;
            rows = byBucket.get(bucket);
          }
        }
        if (!rows) byBucket.set(bucket, (rows = new Map()));
        const value = sign * num(r.v);
        const dims = dimColumns.map(([column, map]) => valueOf(r, column, map));
        const k = single ? dims[0] : sortableKey(dims);
        const m = rows.get(k);
        if (m) m.value += value;
        else rows.set(k, { dims, value });
      }
    });
    // A later chunk only holds later buckets: stop once this page (and one more row) is known.
    ahead = 0;
    for (const [bucket, rows] of byBucket) for (const r of rows.values()) if (r.value !== 0 && isAfter(bucket, r.dims)) ahead++;
    if (ahead > q.limit) break;
  }

  // Buckets in order (ISO days sort as strings), rows of each by their dimension values.
  const out: UsageRow[] = [];
  let lastKey: (string | null)[] | null = null;
  let more = false;
  for (const bucket of [...byBucket.keys()].sort()) {
    const rows = [...byBucket.get(bucket)!.values()].filter((r) => r.value !== 0 && isAfter(bucket, r.dims));
    rows.sort((a, b) => compareDims(a.dims, b.dims));
    for (const r of rows) {
      if (out.length === q.limit) {
        more = true;
        break;
      }
      const row: UsageRow = bucketed ? { bucket } : {};
      for (let i = 0; i < q.groupBy.length; i++) row[q.groupBy[i]] = r.dims[i];
      row.value = r.value;
      out.push(row);
      lastKey = bucketed ? [bucket, ...r.dims] : r.dims;
    }
    if (more) break;
  }
  return { rows: out, nextKey: more ? lastKey : null };
}

/** Metrics read from the interaction rollups only (the usage version moves with every change). */
const INTERACTION_METRICS: ReadonlySet<Metric> = new Set(['tokens', 'interactions', 'active_users']);
/** Dimensions whose names or members come from tables without a version stamp (groups, agents). */
const UNSTAMPED: ReadonlySet<Dimension> = new Set(['group', 'agent']);
/** Whole pages kept per process: a 10,000-row page is about 1 MB, so a few dozen at most. */
const pages = versionedCache(5 * 60_000, 24);

/**
 * usagePage, kept per process under the workspace's usage stamp (src/reports/memo.ts usageStamp:
 * its usage version, moved by every committed usage write of any process, and its roster stamp
 * for e-mails and departments). Computed, not kept, while per-user rollups of a committed batch
 * are still being applied. Pages that read credits or logins, or group or agent ids, are always
 * computed: those tables change without moving the stamp. A dashboard or a client paging through
 * the same answer asks for the same pages again and again; a 10,000-row page of users by month
 * costs ~70 ms to compute at 20,000 users, and a look-up here.
 */
export async function cachedUsagePage(db: Knex, q: UsageQuery, src: UsageSource): Promise<UsagePage> {
  const used = [...q.groupBy, ...(Object.keys(q.filters) as Dimension[])];
  if (!INTERACTION_METRICS.has(q.metric) || used.some((d) => UNSTAMPED.has(d))) return usagePage(db, q, src);
  const stamp = await usageStamp(db, q.workspaceId);
  if (stamp === null) return usagePage(db, q, src);
  return pages.get(db, JSON.stringify(q), stamp, () => usagePage(db, q, src));
}
