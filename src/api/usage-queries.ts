// SQL of the usage API: reads only the rollup tables named in src/api/usage-spec.ts (never the raw
// interactions or logins), grouped by the stored reporting day; weeks and months are folded here
// in TypeScript (src/db/time.ts), so no SQL date functions. Whole months of a month-grain twin are
// read from it (one row per user and month instead of one per active day).
import type { Knex } from 'knex';
import { addDays, addMonths, firstDayOfMonth, lastDayOfMonth, monthOfDay, weekStartOfDay } from '../db/time';
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

export interface UsageRow {
  bucket?: string;
  dims: Partial<Record<Dimension, string | null>>;
  value: number;
}

export interface UsagePage {
  rows: UsageRow[];
  /** key of the last row when more rows follow */
  nextKey: (string | null)[] | null;
}

const num = (v: unknown) => Number(v ?? 0);
const dayStr = (v: unknown) => String(v).slice(0, 10);

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

/** Compares row keys: null first, then plain string order (the cursor's order). */
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
      const parts: { part: Part; withBucket: boolean }[] = [];
      const wholeFrom = firstDayOfMonth(firstWhole);
      const wholeTo = lastDayOfMonth(lastWhole);
      parts.push({ part: { table: src.monthly!.table, monthly: true, from: wholeFrom, to: wholeTo, expr: twin }, withBucket: q.bucket !== 'none' });
      if (from < wholeFrom) parts.push({ part: daily(from, addDays(wholeFrom, -1)), withBucket: q.bucket !== 'none' });
      if (to > wholeTo) parts.push({ part: daily(addDays(wholeTo, 1), to), withBucket: q.bucket !== 'none' });
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
  if (q.groupBy.includes('user'))
    jobs.push(db('users').select('id', 'email').where('workspace_id', ws).then((rows) => void (out.user = new Map(rows.map((r: any) => [Number(r.id), r.email])))));
  if (q.groupBy.includes('group'))
    jobs.push(db('groups').select('id', 'external_id').where('workspace_id', ws).then((rows) => void (out.group = new Map(rows.map((r: any) => [Number(r.id), r.external_id])))));
  if (q.groupBy.includes('agent'))
    jobs.push(db('agents').select('id', 'external_id').where('workspace_id', ws).then((rows) => void (out.agent = new Map(rows.map((r: any) => [Number(r.id), r.external_id])))));
  await Promise.all(jobs);
  return out;
}

/** Buckets read per statement when paging through a bucketed answer (about a month of days). */
const BUCKETS_PER_CHUNK: Record<Bucket, number> = { day: 31, week: 5, month: 1, none: 1 };

/**
 * One page of the answer, in key order ([bucket, ...dimensions]), after the cursor's key. Rows sort
 * by bucket first, so a bucketed answer is read a chunk of buckets at a time, from the cursor's
 * bucket on, and reading stops once the page is full: a page costs the buckets it shows, not the range.
 */
export async function usagePage(db: Knex, q: UsageQuery, src: UsageSource): Promise<UsagePage> {
  let from = q.from;
  // Keyset: rows after the cursor are in its bucket or later, so earlier days are not read at all.
  if (q.after && q.bucket !== 'none' && q.after[0] && q.after[0] > from) from = q.after[0];
  const names = await labels(db, q);
  // Chunks of buckets, read one statement set at a time: the first chunk is BUCKETS_PER_CHUNK
  // buckets; later ones are sized from the rows per bucket seen so far, so that a page usually
  // takes two reads whatever the density (a month of 2,000 users, or of 20,000).
  const buckets = q.bucket === 'none' ? [] : bucketsOf(from, q.to, q.bucket);
  let nextBucket = 0;
  let readBuckets = 0;
  const nextChunk = (): [string, string] | null => {
    if (q.bucket === 'none') return nextBucket++ === 0 ? [from, q.to] : null;
    if (nextBucket >= buckets.length) return null;
    let per = BUCKETS_PER_CHUNK[q.bucket];
    if (readBuckets > 0) {
      const perBucket = Math.max(1, merged.size / readBuckets);
      per = Math.max(per, Math.ceil((q.limit + 1 - merged.size) / perBucket) + 1);
    }
    const last = Math.min(nextBucket + per, buckets.length) - 1;
    const chunk: [string, string] = [buckets[nextBucket][1], buckets[last][2]];
    readBuckets += last - nextBucket + 1;
    nextBucket = last + 1;
    return chunk;
  };
  // rows by their sortable key (merging the parts of one key; sorting by it is a string compare)
  const merged = new Map<string, { key: (string | null)[]; value: number }>();
  const afterKey = q.after ? sortableKey(q.after) : null;
  for (let chunk = nextChunk(); chunk; chunk = nextChunk()) {
    const [chunkFrom, chunkTo] = chunk;
    const steps = plan(q, src, chunkFrom, chunkTo);
    const results = await Promise.all(steps.map((s) => shape(db, q, src, s.part, s.withBucket)));
    steps.forEach((step, i) => {
      for (const r of results[i] as Record<string, unknown>[]) {
        const key: (string | null)[] = [];
        if (q.bucket !== 'none') {
          const raw = step.label ?? (step.part.monthly ? `${String(r.b)}-01` : dayStr(r.b));
          key.push(bucketOf(raw, q.bucket));
        }
        for (const d of q.groupBy) {
          const v = r[`d_${d}`];
          if (v === null || v === undefined) key.push(null);
          else {
            const map = names[d];
            key.push(map ? (map.get(Number(v)) ?? `#${v}`) : String(v));
          }
        }
        const k = sortableKey(key);
        const m = merged.get(k);
        if (m) m.value += num(r.v);
        else merged.set(k, { key, value: num(r.v) });
      }
    });
    // A later chunk only holds later buckets: stop once this page (and one more row) is known.
    let ahead = 0;
    for (const [k, r] of merged) if (r.value !== 0 && (afterKey === null || k > afterKey)) ahead++;
    if (ahead > q.limit) break;
  }
  const sorted = [...merged].filter(([k, r]) => r.value !== 0 && (afterKey === null || k > afterKey));
  sorted.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const rows = sorted.map(([, r]) => r);
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  return {
    rows: page.map((r) => {
      const dims: Partial<Record<Dimension, string | null>> = {};
      const offset = q.bucket === 'none' ? 0 : 1;
      q.groupBy.forEach((d, i) => (dims[d] = r.key[i + offset]));
      return { ...(q.bucket === 'none' ? {} : { bucket: r.key[0]! }), dims, value: r.value };
    }),
    nextKey: more ? page[page.length - 1].key : null,
  };
}
