// Turns query results into what the Usage templates show: cards with deltas, and for each chart a
// Chart.js config plus the rows of its "view as table" twin (same numbers, so they cannot drift).
import type { Knex } from 'knex';
import { addDays, daysBetween, weekStartOfDay, monthOfDay } from '../db/time';
import { SURFACES, SURFACE_LABELS, CREDIT_CATEGORIES, type Surface } from '../domain/model';
import { ACTIVE_USER_DAYS, HOURS_SAVED_MINUTES } from './definitions';
import { monthsTouched, type UsageRange } from './range';
import * as q from './queries';
import { loginVersion, memo, monthVersions, rosterStamp, workspaceTableVersion } from './memo';

// Formatters are built once: toLocaleString with options builds a new Intl formatter per call,
// which cost several ms of CPU per chart (hundreds of labels and cells).
const numberFormats = new Map<number, Intl.NumberFormat>();
export const fmt = (v: number, digits = 0) => {
  let f = numberFormats.get(digits);
  if (!f) numberFormats.set(digits, (f = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f.format(v);
};
const pct = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 'YYYY-MM' -> 'Nov 2026' */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m - 1]} ${y}`;
}

/** 'YYYY-MM-DD' -> 'Nov 24, 2026' */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return `${MONTHS[m - 1]} ${d}, ${y}`;
}

// ---------------------------------------------------------------- cards

export interface Delta {
  text: string;
  cls: 'delta-up' | 'delta-down' | 'muted';
}

export interface Card {
  id: string;
  label: string;
  value: string;
  raw: number;
  delta: Delta;
  note: string;
}

function relativeDelta(cur: number, prev: number, period: string): Delta {
  if (prev === 0 && cur === 0) return { text: `No change vs ${period}`, cls: 'muted' };
  if (prev === 0) return { text: `Up from 0 vs ${period}`, cls: 'delta-up' };
  const change = ((cur - prev) / prev) * 100;
  if (Math.abs(change) < 0.05) return { text: `No change vs ${period}`, cls: 'muted' };
  return { text: `${change > 0 ? '▲ +' : '▼ '}${fmt(change, 1)}% vs ${period}`, cls: change > 0 ? 'delta-up' : 'delta-down' };
}

function pointDelta(cur: number, prev: number, period: string, prevHasData: boolean): Delta {
  if (!prevHasData) return { text: `No data for ${period}`, cls: 'muted' };
  const d = cur - prev;
  if (Math.abs(d) < 0.05) return { text: `No change vs ${period}`, cls: 'muted' };
  return { text: `${d > 0 ? '▲ +' : '▼ '}${fmt(d, 1)} pts vs ${period}`, cls: d > 0 ? 'delta-up' : 'delta-down' };
}

export function hoursSaved(bySurface: Record<Surface, number>): number {
  let minutes = 0;
  for (const s of SURFACES) minutes += bySurface[s] * HOURS_SAVED_MINUTES[s];
  return minutes / 60;
}

export interface CardsModel {
  cards: Card[];
  activeFrom: string;
  activeTo: string;
  previousLabel: string;
}

export async function buildCards(db: Knex, ws: number, r: UsageRange): Promise<CardsModel> {
  const yesterday = addDays(r.today, -1);
  const activeFrom = addDays(yesterday, -(ACTIVE_USER_DAYS - 1));
  const prevActiveTo = addDays(activeFrom, -1);
  const prevActiveFrom = addDays(prevActiveTo, -(ACTIVE_USER_DAYS - 1));
  // Usage aggregates follow the workspace's interactions; license counts follow the roster.
  const [version, roster] = await Promise.all([usageVersion(db, ws), rosterStamp(db, ws)]);
  // Independent reads in parallel: one round trip of latency. The active-user counts do not
  // depend on the range, so every range shares them.
  const [[cur, prev], [active, prevActive], [licenses, prevLicenses, prevLicensesAtActive]] = await Promise.all([
    memo(db, `cards:${ws}:${r.from}:${r.to}`, version, () => Promise.all([q.generationTotals(db, ws, r.from, r.to), q.generationTotals(db, ws, r.prevFrom, r.prevTo)])),
    memo(db, `active-users:${ws}:${yesterday}`, version, () =>
      Promise.all([q.distinctGenerators(db, ws, activeFrom, yesterday), q.distinctGenerators(db, ws, prevActiveFrom, prevActiveTo)]),
    ),
    memo(db, `licenses:${ws}:${r.prevTo}:${prevActiveTo}`, roster, () =>
      Promise.all([
        q.activeLicenses(db, ws),
        q.licensesAt(db, ws, r.prevTo, r.timeZone),
        // the previous 30-day window is compared with the licenses held when it ended
        q.licensesAt(db, ws, prevActiveTo, r.timeZone),
      ]),
    ),
  ]);
  const period = `previous ${r.days} day${r.days === 1 ? '' : 's'}`;
  const iq = pct(cur.iqGenerations, cur.generations);
  const prevIq = pct(prev.iqGenerations, prev.generations);
  const hours = hoursSaved(cur.bySurface);
  const prevHours = hoursSaved(prev.bySurface);
  const rate = pct(active, licenses);
  const prevRate = pct(prevActive, prevLicensesAtActive);
  const cards: Card[] = [
    { id: 'generations', label: 'Total generations', value: fmt(cur.generations), raw: cur.generations, delta: relativeDelta(cur.generations, prev.generations, period), note: 'Text and image outputs in the range' },
    { id: 'iq-adoption', label: 'IQ adoption', value: `${fmt(iq, 1)}%`, raw: iq, delta: pointDelta(iq, prevIq, period, prev.generations > 0), note: `${fmt(cur.iqGenerations)} of ${fmt(cur.generations)} generations used an IQ layer` },
    { id: 'hours-saved', label: 'Hours saved', value: fmt(hours, 1), raw: hours, delta: relativeDelta(hours, prevHours, period), note: 'Directional estimate' },
    { id: 'active-licenses', label: 'Active licenses', value: fmt(licenses), raw: licenses, delta: relativeDelta(licenses, prevLicenses, `${dayLabel(r.prevTo)}`), note: 'Users with access now' },
    { id: 'active-users', label: 'Active users', value: fmt(active), raw: active, delta: relativeDelta(active, prevActive, 'the 30 days before'), note: `Last 30 days (${dayLabel(activeFrom)} – ${dayLabel(yesterday)}), whatever the range` },
    { id: 'active-user-rate', label: 'Active user rate', value: `${fmt(rate, 1)}%`, raw: rate, delta: pointDelta(rate, prevRate, 'the 30 days before', prevLicensesAtActive > 0), note: 'Active users ÷ active licenses (last 30 days)' },
  ];
  return { cards, activeFrom, activeTo: yesterday, previousLabel: `${r.prevFrom} to ${r.prevTo}` };
}

// ---------------------------------------------------------------- charts

/** Version of the rollups the write path upkeeps with interactions (daily, agent, credits). */
const usageVersion = async (db: Knex, ws: number) => String(await workspaceTableVersion(db, 'interactions', ws));

export interface TableTwin {
  caption: string;
  head: string[];
  rows: (string | number)[][];
  foot?: (string | number)[];
  /** indexes of numeric columns (right-aligned) */
  numeric: number[];
}

export interface ChartModel {
  id: string;
  title: string;
  subtitle: string;
  empty: string | null;
  config: Record<string, unknown> | null;
  table: TableTwin | null;
  /** taller box for horizontal bar charts with many rows */
  tall?: boolean;
}

/** Keeps bars readable when there are only a few of them. */
export function withBarLimits(cfg: Record<string, any>): Record<string, any> {
  for (const ds of cfg.data?.datasets ?? []) if ((ds.type ?? cfg.type) === 'bar') ds.maxBarThickness = 34;
  return cfg;
}

export const CHART_IDS = ['weekly-generations', 'weekly-logins', 'credits', 'features', 'agents', 'heatmap', 'users-features', 'users-agent-types', 'groups'] as const;
export type ChartId = (typeof CHART_IDS)[number];

export const CHART_TITLES: Record<ChartId, string> = {
  'weekly-generations': 'Weekly generations and IQ adoption',
  'weekly-logins': 'Weekly user logins',
  credits: 'Credit consumption',
  features: 'Generations by feature',
  agents: 'Top agents used',
  heatmap: 'Monthly generations by user',
  'users-features': 'Top users by feature',
  'users-agent-types': 'Top users by agent type',
  groups: 'Group membership',
};

const TOP_N = 10;

/** Agent types whose label is not just the capitalised id. */
const AGENT_TYPE_LABELS: Record<string, string> = { seo: 'SEO', api: 'API', qa: 'Q&A' };

function weekLabel(monday: string, r: UsageRange): string {
  const end = addDays(monday, 6);
  const partial = monday < r.from || end > r.to;
  return `${dayLabel(monday)}${partial ? '*' : ''}`;
}

function partialWeeksNote(weeks: string[], r: UsageRange): string {
  const partial = weeks.some((w) => w < r.from || addDays(w, 6) > r.to);
  return partial ? ' * = week only partly inside the range.' : '';
}

export async function weeklyGenerations(db: Knex, ws: number, r: UsageRange): Promise<ChartModel> {
  const version = await usageVersion(db, ws);
  const days = await memo(db, `daily-generations:${ws}:${r.from}:${r.to}`, version, () => q.dailyGenerations(db, ws, r.from, r.to));
  const weeks = q.weeksOf(r.from, r.to);
  const byWeek = new Map(weeks.map((w) => [w, { g: 0, iq: 0 }]));
  for (const [day, v] of days) {
    const w = byWeek.get(weekStartOfDay(day))!;
    w.g += v.g;
    w.iq += v.iq;
  }
  const total = [...byWeek.values()].reduce((a, b) => a + b.g, 0);
  const labels = weeks.map((w) => weekLabel(w, r));
  const gens = weeks.map((w) => byWeek.get(w)!.g);
  const adoption = weeks.map((w) => Math.round(pct(byWeek.get(w)!.iq, byWeek.get(w)!.g) * 10) / 10);
  return {
    id: 'weekly-generations',
    title: CHART_TITLES['weekly-generations'],
    subtitle: `Weeks start on Monday (${r.timeZone}).${partialWeeksNote(weeks, r)}`,
    empty: total === 0 ? 'No generations in this range.' : null,
    config: {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'bar', label: 'Generations', data: gens, yAxisID: 'y', order: 2 },
          { type: 'line', label: 'IQ adoption', data: adoption, yAxisID: 'y1', unit: '%', order: 1, tension: 0, pointRadius: 3 },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          y: { beginAtZero: true, title: { display: true, text: 'Generations' } },
          y1: { beginAtZero: true, max: 100, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'IQ adoption (%)' } },
        },
      },
    },
    table: {
      caption: 'Generations and IQ adoption per week',
      head: ['Week of (Monday)', 'Generations', 'With IQ', 'IQ adoption'],
      rows: weeks.map((w, i) => [weekLabel(w, r), fmt(gens[i]), fmt(byWeek.get(w)!.iq), `${fmt(adoption[i], 1)}%`]),
      numeric: [1, 2, 3],
    },
  };
}

export async function weeklyLogins(db: Knex, ws: number, r: UsageRange): Promise<ChartModel> {
  const byWeek = await memo(db, `weekly-logins:${ws}:${r.from}:${r.to}`, await loginVersion(db, ws), () => q.weeklyLoginUsers(db, ws, r.from, r.to));
  const weeks = q.weeksOf(r.from, r.to);
  const data = weeks.map((w) => byWeek.get(w) ?? 0);
  const busiest = Math.max(0, ...data);
  return {
    id: 'weekly-logins',
    title: CHART_TITLES['weekly-logins'],
    subtitle: `Unique users who signed in to the web app each week (busiest week: ${fmt(busiest)}).${partialWeeksNote(weeks, r)}`,
    empty: busiest === 0 ? 'No web-app logins in this range.' : null,
    config: {
      type: 'line',
      data: { labels: weeks.map((w) => weekLabel(w, r)), datasets: [{ label: 'Unique users', data, fill: false, tension: 0, pointRadius: 3 }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    },
    table: {
      caption: 'Unique users who logged in, per week',
      head: ['Week of (Monday)', 'Unique users'],
      rows: weeks.map((w, i) => [weekLabel(w, r), fmt(data[i])]),
      numeric: [1],
    },
  };
}

const CATEGORY_LABELS: Record<string, string> = { grid: 'Grid', api: 'API', agents: 'Agents' };

export async function creditConsumption(db: Knex, ws: number, r: UsageRange): Promise<ChartModel> {
  const rows = await memo(db, `credits:${ws}:${r.from}:${r.to}`, await usageVersion(db, ws), () => q.dailyCredits(db, ws, r.from, r.to));
  const weekly = daysBetween(r.from, r.to) + 1 > 31;
  const buckets = weekly ? q.weeksOf(r.from, r.to) : (() => { const out: string[] = []; for (let d = r.from; d <= r.to; d = addDays(d, 1)) out.push(d); return out; })();
  const idx = new Map(buckets.map((b, i) => [b, i]));
  const series: Record<string, number[]> = Object.fromEntries(CREDIT_CATEGORIES.map((c) => [c, buckets.map(() => 0)]));
  let total = 0;
  for (const row of rows) {
    const b = weekly ? weekStartOfDay(row.day) : row.day;
    const i = idx.get(b);
    if (i === undefined || !series[row.category]) continue;
    series[row.category][i] += row.credits;
    total += row.credits;
  }
  const labels = buckets.map((b) => (weekly ? weekLabel(b, r) : dayLabel(b)));
  return {
    id: 'credits',
    title: CHART_TITLES.credits,
    subtitle: `Credits consumed ${weekly ? 'per week (Monday start)' : 'per day'}, by category. ${fmt(total)} credits in the range.`,
    empty: total === 0 ? 'No credits consumed in this range.' : null,
    config: {
      type: 'bar',
      data: { labels, datasets: CREDIT_CATEGORIES.map((c) => ({ label: CATEGORY_LABELS[c], data: series[c] })) },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    },
    table: {
      caption: `Credits consumed ${weekly ? 'per week' : 'per day'}`,
      head: [weekly ? 'Week of (Monday)' : 'Day', ...CREDIT_CATEGORIES.map((c) => CATEGORY_LABELS[c]), 'Total'],
      rows: buckets.map((_, i) => [labels[i], ...CREDIT_CATEGORIES.map((c) => fmt(series[c][i])), fmt(CREDIT_CATEGORIES.reduce((a, c) => a + series[c][i], 0))]),
      foot: ['Total', ...CREDIT_CATEGORIES.map((c) => fmt(series[c].reduce((a, b) => a + b, 0))), fmt(total)],
      numeric: [1, 2, 3, 4],
    },
  };
}

export async function generationsByFeature(db: Knex, ws: number, r: UsageRange): Promise<ChartModel> {
  const rows = await memo(db, `features:${ws}:${r.from}:${r.to}`, await usageVersion(db, ws), () => q.generationsBySurfaceOutput(db, ws, r.from, r.to));
  const text = Object.fromEntries(SURFACES.map((s) => [s, 0])) as Record<Surface, number>;
  const image = Object.fromEntries(SURFACES.map((s) => [s, 0])) as Record<Surface, number>;
  for (const row of rows) {
    const s = (SURFACES as readonly string[]).includes(row.surface) ? (row.surface as Surface) : 'other';
    (row.output === 'image' ? image : text)[s] += row.g;
  }
  const total = SURFACES.reduce((a, s) => a + text[s] + image[s], 0);
  return {
    id: 'features',
    title: CHART_TITLES.features,
    subtitle: 'Generations by the surface they came from; unattributed surfaces count as Other.',
    empty: total === 0 ? 'No generations in this range.' : null,
    config: {
      type: 'bar',
      data: {
        labels: SURFACES.map((s) => SURFACE_LABELS[s]),
        datasets: [
          { label: 'Text', data: SURFACES.map((s) => text[s]) },
          { label: 'Image', data: SURFACES.map((s) => image[s]) },
        ],
      },
      options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } } },
    },
    table: {
      caption: 'Generations by feature',
      head: ['Feature', 'Text', 'Image', 'Total', 'Share'],
      rows: SURFACES.map((s) => [SURFACE_LABELS[s], fmt(text[s]), fmt(image[s]), fmt(text[s] + image[s]), `${fmt(pct(text[s] + image[s], total), 1)}%`]),
      foot: ['Total', fmt(SURFACES.reduce((a, s) => a + text[s], 0)), fmt(SURFACES.reduce((a, s) => a + image[s], 0)), fmt(total), total ? '100.0%' : '0.0%'],
      numeric: [1, 2, 3, 4],
    },
    tall: true,
  };
}

export async function topAgents(db: Knex, ws: number, r: UsageRange): Promise<ChartModel> {
  const [v, a] = await Promise.all([usageVersion(db, ws), q.agentsStamp(db, ws)]);
  const uses = await memo(db, `agents:${ws}:${r.from}:${r.to}`, `${v}|${a}`, () => q.agentRuns(db, ws, r.from, r.to));
  const byRuns = (a: q.AgentUse, b: q.AgentUse) => b.runs - a.runs || a.name.localeCompare(b.name) || a.id - b.id;
  const pub = uses.filter((a) => a.kind === 'public').sort(byRuns).slice(0, TOP_N);
  const cus = uses.filter((a) => a.kind !== 'public').sort(byRuns).slice(0, TOP_N);
  const shown = [...pub, ...cus].sort(byRuns);
  const pubTotal = uses.filter((a) => a.kind === 'public').reduce((s, a) => s + a.runs, 0);
  const cusTotal = uses.filter((a) => a.kind !== 'public').reduce((s, a) => s + a.runs, 0);
  return {
    id: 'agents',
    title: CHART_TITLES.agents,
    subtitle: `Runs per agent: top ${TOP_N} public (platform-provided) and top ${TOP_N} custom (workspace-created). ${fmt(pubTotal)} public and ${fmt(cusTotal)} custom runs in the range.`,
    empty: uses.length === 0 ? 'No agent runs in this range.' : null,
    config: {
      type: 'bar',
      data: {
        labels: shown.map((a) => a.name),
        datasets: [
          { label: 'Public', data: shown.map((a) => (a.kind === 'public' ? a.runs : null)), color: '#0ea5e9' },
          { label: 'Custom', data: shown.map((a) => (a.kind !== 'public' ? a.runs : null)), color: '#4f46e5' },
        ],
      },
      options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } } },
    },
    table: {
      caption: 'Top agents by runs',
      head: ['Agent', 'Kind', 'Type', 'Runs'],
      rows: shown.map((a) => [a.name, a.kind === 'public' ? 'Public' : 'Custom', a.type, fmt(a.runs)]),
      foot: ['All agents', '', '', fmt(pubTotal + cusTotal)],
      numeric: [3],
    },
    tall: shown.length > 6,
  };
}

/**
 * Per-month aggregates are memoised per calendar month under that month's version
 * (src/usage/memo.ts): new usage today recomputes the current month only, not the closed ones.
 */
async function monthStamp(db: Knex, ws: number, months: string[]): Promise<string[]> {
  return monthVersions(db, ws, months);
}

/** Inference generations per user and month (rollup_monthly_user), one memo per month. */
async function monthlyRows(db: Knex, ws: number, months: string[], versions: string[]) {
  const parts = await Promise.all(months.map((m, i) => memo(db, `monthly-user:${ws}:${m}`, versions[i], () => q.monthlyUserGenerations(db, ws, [m]))));
  return parts.flat();
}

/** Sums per user, ranked (most first, ties: lower id first). */
function ranked(rows: { user_id: number; total: number }[]): { user_id: number; total: number }[] {
  const t = new Map<number, number>();
  for (const r of rows) t.set(r.user_id, (t.get(r.user_id) ?? 0) + r.total);
  return [...t.entries()]
    .map(([user_id, total]) => ({ user_id, total }))
    .filter((u) => u.total > 0)
    .sort((a, b) => b.total - a.total || a.user_id - b.user_id);
}

function monthsSubtitle(months: string[]): string {
  return months.length === 1 ? monthLabel(months[0]) : `${monthLabel(months[0])} – ${monthLabel(months[months.length - 1])}`;
}

export async function topUsersByFeature(db: Knex, ws: number, r: UsageRange): Promise<ChartModel> {
  const months = monthsTouched(r);
  const versions = await monthStamp(db, ws, months);
  const key = `users-features:${ws}:${months[0]}:${months[months.length - 1]}`;
  const [[leaders, rows], users] = await Promise.all([
    memo(db, key, versions.join(','), async () => {
      const top = ranked((await monthlyRows(db, ws, months, versions)).map((r) => ({ user_id: r.user_id, total: r.g }))).slice(0, TOP_N);
      return [top, await q.userSurfaceGenerations(db, ws, months, top.map((l) => l.user_id))] as const;
    }),
    q.userMap(db, ws),
  ]);
  const empty = () => Object.fromEntries(SURFACES.map((s) => [s, 0])) as Record<Surface, number>;
  const per = new Map<number, Record<Surface, number>>(leaders.map((l) => [l.user_id, empty()]));
  for (const row of rows) {
    const s = (SURFACES as readonly string[]).includes(row.surface) ? (row.surface as Surface) : 'other';
    per.get(row.user_id)![s] += row.g;
  }
  const top = leaders.map((l) => ({ id: l.user_id, m: per.get(l.user_id)!, total: l.total, name: users.get(l.user_id)?.name ?? `User #${l.user_id}`, email: users.get(l.user_id)?.email ?? '' }));
  const used = SURFACES.filter((s) => top.some((u) => u.m[s] > 0));
  return {
    id: 'users-features',
    title: CHART_TITLES['users-features'],
    subtitle: `Top ${TOP_N} users by generations, split by feature. Calendar months: ${monthsSubtitle(months)}.`,
    empty: top.length === 0 ? 'No generations by any user in these months.' : null,
    config: {
      type: 'bar',
      data: { labels: top.map((u) => u.name), datasets: used.map((s) => ({ label: SURFACE_LABELS[s], data: top.map((u) => u.m[s]) })) },
      options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } } },
    },
    table: {
      caption: 'Top users by feature (calendar months)',
      head: ['User', 'Email', ...SURFACES.map((s) => SURFACE_LABELS[s]), 'Total'],
      rows: top.map((u) => [u.name, u.email, ...SURFACES.map((s) => fmt(u.m[s])), fmt(u.total)]),
      numeric: SURFACES.map((_, i) => i + 2).concat([SURFACES.length + 2]),
    },
    tall: top.length > 6,
  };
}

export async function topUsersByAgentType(db: Knex, ws: number, r: UsageRange): Promise<ChartModel> {
  const months = monthsTouched(r);
  const versions = await monthStamp(db, ws, months);
  const key = `users-agent-types:${ws}:${months[0]}:${months[months.length - 1]}`;
  const [[leaders, rows], users, agents] = await Promise.all([
    memo(db, key, versions.join(','), async () => {
      const perMonth = await Promise.all(months.map((m, i) => memo(db, `month-agent-runs:${ws}:${m}`, versions[i], () => q.monthAgentRuns(db, ws, m))));
      const top = ranked(perMonth.flat()).slice(0, TOP_N);
      return [top, await q.userAgentRuns(db, ws, months, top.map((l) => l.user_id))] as const;
    }),
    q.userMap(db, ws),
    q.agentMap(db, ws),
  ]);
  const per = new Map<number, Map<string, number>>(leaders.map((l) => [l.user_id, new Map()]));
  const types = new Set<string>();
  for (const row of rows) {
    if (row.g <= 0) continue;
    const type = agents.get(row.agent_id)?.type ?? 'general';
    types.add(type);
    const u = per.get(row.user_id)!;
    u.set(type, (u.get(type) ?? 0) + row.g);
  }
  const typeList = [...types].sort();
  const top = leaders.map((l) => ({ id: l.user_id, m: per.get(l.user_id)!, total: l.total, name: users.get(l.user_id)?.name ?? `User #${l.user_id}`, email: users.get(l.user_id)?.email ?? '' }));
  const typeLabel = (t: string) => AGENT_TYPE_LABELS[t] ?? t.charAt(0).toUpperCase() + t.slice(1);
  return {
    id: 'users-agent-types',
    title: CHART_TITLES['users-agent-types'],
    subtitle: `Top ${TOP_N} agent users, split by the type of agent they ran. Calendar months: ${monthsSubtitle(months)}.`,
    empty: top.length === 0 ? 'No agent runs in these months.' : null,
    config: {
      type: 'bar',
      data: { labels: top.map((u) => u.name), datasets: typeList.map((t) => ({ label: typeLabel(t), data: top.map((u) => u.m.get(t) ?? 0) })) },
      options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } } },
    },
    table: {
      caption: 'Top users by agent type (calendar months)',
      head: ['User', 'Email', ...typeList.map(typeLabel), 'Total'],
      rows: top.map((u) => [u.name, u.email, ...typeList.map((t) => fmt(u.m.get(t) ?? 0)), fmt(u.total)]),
      numeric: typeList.map((_, i) => i + 2).concat([typeList.length + 2]),
    },
    tall: top.length > 6,
  };
}

export async function groupMembership(db: Knex, ws: number): Promise<ChartModel> {
  const groups = await q.groupSizes(db, ws);
  const iqLabel = (g: q.GroupSize) => (g.knowledge && g.brandVoice ? 'Knowledge + Brand Voice' : g.knowledge ? 'Knowledge' : g.brandVoice ? 'Brand Voice' : 'No IQ');
  const series = ['Knowledge + Brand Voice', 'Knowledge', 'Brand Voice', 'No IQ'];
  const colors = ['#4f46e5', '#14b8a6', '#f59e0b', '#94a3b8'];
  const present = series.filter((s) => groups.some((g) => iqLabel(g) === s));
  return {
    id: 'groups',
    title: CHART_TITLES.groups,
    subtitle: 'Active members of each active group, coloured by the Jasper IQ resources applied to the group.',
    empty: groups.length === 0 ? 'No active groups in this workspace.' : null,
    config: {
      type: 'bar',
      data: {
        labels: groups.map((g) => g.name),
        datasets: present.map((s) => ({ label: s, data: groups.map((g) => (iqLabel(g) === s ? g.members : null)), color: colors[series.indexOf(s)] })),
      },
      options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } },
    },
    table: {
      caption: 'Groups, active members and IQ resources',
      head: ['Group', 'Active members', 'Knowledge', 'Brand Voice'],
      rows: groups.map((g) => [g.name, fmt(g.members), g.knowledge ? 'Yes' : 'No', g.brandVoice ? 'Yes' : 'No']),
      numeric: [1],
    },
    tall: groups.length > 8,
  };
}

// ---------------------------------------------------------------- heatmap

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

export async function heatmap(db: Knex, ws: number, r: UsageRange, p: HeatmapParams): Promise<HeatmapModel> {
  const months = monthsTouched(r);
  const versions = await monthStamp(db, ws, months);
  // Per-user months and the busiest cell are derived once per data version; each request only
  // joins names, filters, sorts and builds the cells of the rows it shows.
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
    q.userMap(db, ws),
  ]);
  const { max } = agg;
  const NONE = new Map<string, number>();
  const ids = [...agg.per.keys()];
  // Active licenses with no generations are listed too: the gaps are the point of a heatmap.
  for (const u of users.values()) if (u.status === 'active' && !agg.per.has(u.id)) ids.push(u.id);
  const needle = p.q.trim().toLowerCase();
  type Light = { id: number; name: string; email: string; m: Map<string, number>; total: number; k: string | number };
  let all: Light[] = ids.map((id) => {
    const u = users.get(id);
    const m = agg.per.get(id) ?? NONE;
    let total = 0;
    for (const g of m.values()) total += g;
    return { id, name: u?.name ?? `User #${id}`, email: u?.email ?? '', m, total, k: 0 };
  });
  if (needle) all = all.filter((u) => u.name.toLowerCase().includes(needle) || u.email.toLowerCase().includes(needle));
  const key = (u: Light): string | number => (p.sort === 'name' ? u.name.toLowerCase() : p.sort === 'total' ? u.total : (u.m.get(p.sort) ?? 0));
  for (const u of all) u.k = key(u);
  const sign = p.dir === 'asc' ? 1 : -1;
  const compare = (a: string | number, b: string | number) => (typeof a === 'number' ? a - (b as number) : collator.compare(a, String(b)));
  all.sort((a, b) => {
    const c = compare(a.k, b.k);
    return c !== 0 ? sign * c : a.id - b.id;
  });
  // Keyset: the cursor names the last row shown (sort value + id); the page starts after it.
  let start = 0;
  if (p.after) {
    const tilde = p.after.lastIndexOf('~');
    const id = Number(p.after.slice(tilde + 1));
    const rawVal = p.after.slice(0, tilde);
    const cursorVal: string | number = p.sort === 'name' ? rawVal : Number(rawVal);
    start = all.findIndex((u) => {
      const c = compare(u.k, cursorVal);
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
  const nextCursor = start + HEATMAP_PAGE_SIZE < all.length && last ? `${last.k}~${last.id}` : null;
  return {
    id: 'heatmap',
    title: CHART_TITLES.heatmap,
    subtitle: `Generations per user per calendar month (${monthsSubtitle(months)}), including active users with none.`,
    months,
    monthLabels: months.map(monthLabel),
    rows: shown,
    matched: all.length,
    start,
    nextCursor,
    pageSize: HEATMAP_PAGE_SIZE,
    params: p,
    empty: ids.length === 0 ? 'No users or generations in these months.' : all.length === 0 ? `No user matches “${p.q}”.` : null,
    max,
    maxText: fmt(max),
  };
}

export { monthOfDay };
