// The Usage page's chart builders: each turns rollup reads into a Chart.js config plus the rows of
// its "view as table" twin (same numbers, so they cannot drift). Ids and titles live in the chart
// registry (chart-registry.ts), which is the only list of charts.
import type { Knex } from 'knex';
import { addDays, daysBetween, weekStartOfDay } from '../db/time';
import { SURFACES, SURFACE_LABELS, CREDIT_CATEGORIES, type Surface } from '../domain/model';
import { creditSeries, outputSeries, surfaceSeries, type Series } from '../http/chart-series';
import { monthsTouched, type UsageRange } from './range';
import * as q from './queries';
import { loginVersion, memo } from '../reports/memo';
import { monthlyRows, monthStamp, usageVersion } from './aggregates';
import { dayLabel, fmt, monthsSubtitle, pct } from './format';

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

/** What a builder returns: the chart without its id and title (the registry adds them). */
export type ChartBody = Omit<ChartModel, 'id' | 'title'>;

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

export async function weeklyGenerations(db: Knex, ws: number, r: UsageRange): Promise<ChartBody> {
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
    subtitle: `Weeks start on Monday (${r.timeZone}).${partialWeeksNote(weeks, r)}`,
    empty: total === 0 ? 'No generations in this range.' : null,
    config: {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'bar', label: 'Generations', data: gens, yAxisID: 'y', order: 2, series: 'generations' satisfies Series },
          { type: 'line', label: 'IQ adoption', data: adoption, yAxisID: 'y1', unit: '%', order: 1, tension: 0, pointRadius: 3, series: 'adoption' satisfies Series },
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

export async function weeklyLogins(db: Knex, ws: number, r: UsageRange): Promise<ChartBody> {
  const byWeek = await memo(db, `weekly-logins:${ws}:${r.from}:${r.to}`, await loginVersion(db, ws), () => q.weeklyLoginUsers(db, ws, r.from, r.to));
  const weeks = q.weeksOf(r.from, r.to);
  const data = weeks.map((w) => byWeek.get(w) ?? 0);
  const busiest = Math.max(0, ...data);
  return {
    subtitle: `Unique users who signed in to the web app each week (busiest week: ${fmt(busiest)}).${partialWeeksNote(weeks, r)}`,
    empty: busiest === 0 ? 'No web-app logins in this range.' : null,
    config: {
      type: 'line',
      data: { labels: weeks.map((w) => weekLabel(w, r)), datasets: [{ label: 'Unique users', data, fill: false, tension: 0, pointRadius: 3, series: 'logins' satisfies Series }] },
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

export async function creditConsumption(db: Knex, ws: number, r: UsageRange): Promise<ChartBody> {
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
    subtitle: `Credits consumed ${weekly ? 'per week (Monday start)' : 'per day'}, by category. ${fmt(total)} credits in the range.`,
    empty: total === 0 ? 'No credits consumed in this range.' : null,
    config: {
      type: 'bar',
      data: { labels, datasets: CREDIT_CATEGORIES.map((c) => ({ label: CATEGORY_LABELS[c], data: series[c], series: creditSeries(c) })) },
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

export async function generationsByFeature(db: Knex, ws: number, r: UsageRange): Promise<ChartBody> {
  const rows = await memo(db, `features:${ws}:${r.from}:${r.to}`, await usageVersion(db, ws), () => q.generationsBySurfaceOutput(db, ws, r.from, r.to));
  const text = Object.fromEntries(SURFACES.map((s) => [s, 0])) as Record<Surface, number>;
  const image = Object.fromEntries(SURFACES.map((s) => [s, 0])) as Record<Surface, number>;
  for (const row of rows) {
    const s = (SURFACES as readonly string[]).includes(row.surface) ? (row.surface as Surface) : 'other';
    (row.output === 'image' ? image : text)[s] += row.g;
  }
  const total = SURFACES.reduce((a, s) => a + text[s] + image[s], 0);
  return {
    subtitle: 'Generations by the surface they came from; unattributed surfaces count as Other.',
    empty: total === 0 ? 'No generations in this range.' : null,
    config: {
      type: 'bar',
      data: {
        labels: SURFACES.map((s) => SURFACE_LABELS[s]),
        datasets: [
          { label: 'Text', data: SURFACES.map((s) => text[s]), series: outputSeries('text') },
          { label: 'Image', data: SURFACES.map((s) => image[s]), series: outputSeries('image') },
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

export async function topAgents(db: Knex, ws: number, r: UsageRange): Promise<ChartBody> {
  const [v, a] = await Promise.all([usageVersion(db, ws), q.agentsStamp(db, ws)]);
  const uses = await memo(db, `agents:${ws}:${r.from}:${r.to}`, `${v}|${a}`, () => q.agentRuns(db, ws, r.from, r.to));
  const byRuns = (a: q.AgentUse, b: q.AgentUse) => b.runs - a.runs || a.name.localeCompare(b.name) || a.id - b.id;
  const pub = uses.filter((a) => a.kind === 'public').sort(byRuns).slice(0, TOP_N);
  const cus = uses.filter((a) => a.kind !== 'public').sort(byRuns).slice(0, TOP_N);
  const shown = [...pub, ...cus].sort(byRuns);
  const pubTotal = uses.filter((a) => a.kind === 'public').reduce((s, a) => s + a.runs, 0);
  const cusTotal = uses.filter((a) => a.kind !== 'public').reduce((s, a) => s + a.runs, 0);
  return {
    subtitle: `Runs per agent: top ${TOP_N} public (platform-provided) and top ${TOP_N} custom (workspace-created). ${fmt(pubTotal)} public and ${fmt(cusTotal)} custom runs in the range.`,
    empty: uses.length === 0 ? 'No agent runs in this range.' : null,
    config: {
      type: 'bar',
      data: {
        labels: shown.map((a) => a.name),
        datasets: [
          { label: 'Public', data: shown.map((a) => (a.kind === 'public' ? a.runs : null)), series: 'agent-public' satisfies Series },
          { label: 'Custom', data: shown.map((a) => (a.kind !== 'public' ? a.runs : null)), series: 'agent-custom' satisfies Series },
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

/** Sums per user, ranked (most first, ties: lower id first). */
function ranked(rows: { user_id: number; total: number }[]): { user_id: number; total: number }[] {
  const t = new Map<number, number>();
  for (const r of rows) t.set(r.user_id, (t.get(r.user_id) ?? 0) + r.total);
  return [...t.entries()]
    .map(([user_id, total]) => ({ user_id, total }))
    .filter((u) => u.total > 0)
    .sort((a, b) => b.total - a.total || a.user_id - b.user_id);
}

export async function topUsersByFeature(db: Knex, ws: number, r: UsageRange): Promise<ChartBody> {
  const months = monthsTouched(r);
  const versions = await monthStamp(db, ws, months);
  const key = `users-features:${ws}:${months[0]}:${months[months.length - 1]}`;
  const [[leaders, rows], users] = await Promise.all([
    memo(db, key, versions.join(','), async () => {
      const top = ranked((await monthlyRows(db, ws, months, versions)).map((r) => ({ user_id: r.user_id, total: r.g }))).slice(0, TOP_N);
      return [top, await q.userSurfaceGenerations(db, ws, months, top.map((l) => l.user_id))] as const;
    }),
    q.rosterMap(db, ws),
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
    subtitle: `Top ${TOP_N} users by generations, split by feature. Counted over whole calendar months (${monthsSubtitle(months)}), the months your range touches: per-user totals are kept by month.`,
    empty: top.length === 0 ? 'No generations by any user in these months.' : null,
    config: {
      type: 'bar',
      data: { labels: top.map((u) => u.name), datasets: used.map((s) => ({ label: SURFACE_LABELS[s], data: top.map((u) => u.m[s]), series: surfaceSeries(s) })) },
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

export async function topUsersByAgentType(db: Knex, ws: number, r: UsageRange): Promise<ChartBody> {
  const months = monthsTouched(r);
  const versions = await monthStamp(db, ws, months);
  const key = `users-agent-types:${ws}:${months[0]}:${months[months.length - 1]}`;
  const [[leaders, rows], users, agents] = await Promise.all([
    memo(db, key, versions.join(','), async () => {
      const perMonth = await Promise.all(months.map((m, i) => memo(db, `month-agent-runs:${ws}:${m}`, versions[i], () => q.monthAgentRuns(db, ws, m))));
      const top = ranked(perMonth.flat()).slice(0, TOP_N);
      return [top, await q.userAgentRuns(db, ws, months, top.map((l) => l.user_id))] as const;
    }),
    q.rosterMap(db, ws),
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
    subtitle: `Top ${TOP_N} agent users, split by the type of agent they ran. Counted over whole calendar months (${monthsSubtitle(months)}), the months your range touches: per-user totals are kept by month.`,
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

export async function groupMembership(db: Knex, ws: number): Promise<ChartBody> {
  const groups = await q.groupSizes(db, ws);
  const iqLabel = (g: q.GroupSize) => (g.knowledge && g.brandVoice ? 'Knowledge + Brand Voice' : g.knowledge ? 'Knowledge' : g.brandVoice ? 'Brand Voice' : 'No IQ');
  const series: [string, Series][] = [['Knowledge + Brand Voice', 'iq-both'], ['Knowledge', 'iq-knowledge'], ['Brand Voice', 'iq-brand-voice'], ['No IQ', 'iq-none']];
  const present = series.filter(([s]) => groups.some((g) => iqLabel(g) === s));
  return {
    subtitle: 'Active members of each active group, coloured by the Jasper IQ resources applied to the group.',
    empty: groups.length === 0 ? 'No active groups in this workspace.' : null,
    config: {
      type: 'bar',
      data: {
        labels: groups.map((g) => g.name),
        datasets: present.map(([s, key]) => ({ label: s, data: groups.map((g) => (iqLabel(g) === s ? g.members : null)), series: key })),
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
