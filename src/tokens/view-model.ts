// Token Statistics view models: the monthly history (every month since the workspace began, zeros
// included), the Token Usage tab (monthly chart, shares, models, interactive vs ingestion) and the
// Monthly Data table. Pure arithmetic over the rows src/tokens/queries.ts reads from rollups.
import { changeKind, type ChangeKind } from '../reports/change';
import type { Knex } from 'knex';
import { addMonths, firstDayOfMonth, fromDbTime, monthOf, monthsBetween, today } from '../db/time';
import type { MonthRow } from './export-defs';
import { modelTotals, monthlyTotals, type MonthKindTotal } from './queries';
import { memo, workspaceTableVersion } from '../reports/memo';
import { usageNow } from '../reports/clock';
import { monthLabel } from '../usage/format';
import type { Workspace } from '../workspaces/workspace';
import type { Series } from '../http/chart-series';


export type WorkspaceLike = Pick<Workspace, 'id' | 'time_zone' | 'created_at'>;

export type UsageRange = '12m' | 'all';

export function currentMonth(zone: string, now: Date = usageNow()): string {
  return monthOf(now, zone);
}

export function todayIn(zone: string, now: Date = usageNow()): string {
  return today(zone, now);
}


interface MonthAgg {
  inference: number;
  embedding: number;
  training: number;
  interactions: number;
}

function aggregate(rows: MonthKindTotal[]): Map<string, MonthAgg> {
  const out = new Map<string, MonthAgg>();
  for (const r of rows) {
    let a = out.get(r.month);
    if (!a) out.set(r.month, (a = { inference: 0, embedding: 0, training: 0, interactions: 0 }));
    if (r.token_kind === 'embedding') a.embedding += r.total_tokens;
    else a.inference += r.total_tokens;
    a.training += r.training_tokens;
    a.interactions += r.interactions;
  }
  return out;
}

/**
 * Every month from the month the workspace began (the earlier of its first month with usage and
 * the month it was created) to the current month, oldest first; months without usage are zeros.
 */
export async function monthlyHistory(db: Knex, ws: WorkspaceLike, now: Date = usageNow()): Promise<{ months: MonthRow[]; current: string }> {
  return historyFrom(aggregate(await monthlyTotals(db, ws.id)), ws, now);
}

function historyFrom(byMonth: Map<string, MonthAgg>, ws: WorkspaceLike, now: Date): { months: MonthRow[]; current: string } {
  const current = currentMonth(ws.time_zone, now);
  const created = fromDbTime(ws.created_at);
  const dataMonths = [...byMonth.keys()].sort();
  let start = created ? monthOf(created, ws.time_zone) : current;
  if (dataMonths.length && dataMonths[0] < start) start = dataMonths[0];
  if (start > current) start = current;
  let end = current;
  if (dataMonths.length && dataMonths[dataMonths.length - 1] > end) end = dataMonths[dataMonths.length - 1];
  const months = monthsBetween(start, end).map((period) => {
    const a = byMonth.get(period);
    return { period, inference: a?.inference ?? 0, embedding: a?.embedding ?? 0 };
  });
  return { months, current };
}

export interface MonthlyTableRow extends MonthRow {
  label: string;
  total: number;
  change: number | null; // total - previous month's total; null for the first month
  changePct: number | null; // null when the previous month had no usage
  /** how to word the change: the current month is month to date; 0 before is "new"; a tiny base has no comparable data */
  changeKind: 'first' | 'to-date' | ChangeKind;
  current: boolean;
}

export interface MonthlyView {
  rows: MonthlyTableRow[]; // newest first
  totals: { inference: number; embedding: number; total: number };
  years: { year: string; inference: number; embedding: number; total: number }[]; // newest first
  hasUsage: boolean;
}

export function monthlyView(months: MonthRow[], current: string): MonthlyView {
  const rows: MonthlyTableRow[] = months.map((m, i) => {
    const total = m.inference + m.embedding;
    const prev = i > 0 ? months[i - 1].inference + months[i - 1].embedding : null;
    return {
      ...m,
      label: monthLabel(m.period),
      total,
      change: prev === null ? null : total - prev,
      changePct: prev === null || prev === 0 ? null : ((total - prev) / prev) * 100,
      changeKind: prev === null ? 'first' : m.period === current ? 'to-date' : changeKind(total, prev),
      current: m.period === current,
    };
  });
  // Leading months before any usage are left out (the CSV keeps the whole history); with no usage at
  // all, only the current month is listed.
  const firstUsed = rows.findIndex((r) => r.total > 0);
  const shown = firstUsed === -1 ? rows.filter((r) => r.current).slice(-1) : rows.slice(firstUsed);
  if (shown.length && shown[0].changeKind !== 'to-date') {
    shown[0] = { ...shown[0], change: null, changePct: null, changeKind: 'first' };
  }
  const totals = { inference: 0, embedding: 0, total: 0 };
  const years = new Map<string, { year: string; inference: number; embedding: number; total: number }>();
  for (const r of shown) {
    totals.inference += r.inference;
    totals.embedding += r.embedding;
    totals.total += r.total;
    const y = r.period.slice(0, 4);
    let yr = years.get(y);
    if (!yr) years.set(y, (yr = { year: y, inference: 0, embedding: 0, total: 0 }));
    yr.inference += r.inference;
    yr.embedding += r.embedding;
    yr.total += r.total;
  }
  return {
    rows: shown.reverse(),
    totals,
    years: [...years.values()].sort((a, b) => (a.year < b.year ? 1 : -1)),
    hasUsage: totals.total > 0,
  };
}

export interface ModelRow {
  model: string;
  inference: number;
  embedding: number;
  training: number;
  total: number;
  interactions: number;
  share: number | null;
}

export interface UsageView {
  range: UsageRange;
  fromMonth: string;
  toMonth: string;
  months: (MonthRow & { label: string; total: number })[];
  totals: { inference: number; embedding: number; total: number; interactions: number };
  shares: { inference: number | null; embedding: number | null };
  split: { interactive: number; ingestion: number; interactiveShare: number | null; ingestionShare: number | null };
  models: ModelRow[];
  hasUsage: boolean;
}

export const pct = (part: number, whole: number): number | null => (whole > 0 ? (part / whole) * 100 : null);

/** The Token Usage tab over the rolling 12 months (this month and the 11 before it) or the account life. */
export async function usageView(db: Knex, ws: WorkspaceLike, range: UsageRange, now: Date = usageNow()): Promise<UsageView> {
  const current = currentMonth(ws.time_zone, now);
  let monthRows: MonthRow[];
  const fromMonth = addMonths(current, -11);
  const fromDay = range === '12m' ? firstDayOfMonth(fromMonth) : undefined;
  // Both reads are small rollup scans; run them together, memoised until this workspace's usage changes.
  const version = String(await workspaceTableVersion(db, 'interactions', ws.id));
  const [monthTotals, modelRowsRaw] = await memo(db, `tokens:${ws.id}:${fromDay ?? 'all'}`, version, () =>
    Promise.all([monthlyTotals(db, ws.id, fromDay), modelTotals(db, ws.id, fromDay)]),
  );
  const rawMonths = aggregate(monthTotals);
  if (range === '12m') {
    const last = [...rawMonths.keys()].sort().pop();
    monthRows = monthsBetween(fromMonth, last && last > current ? last : current).map((period) => ({
      period,
      inference: rawMonths.get(period)?.inference ?? 0,
      embedding: rawMonths.get(period)?.embedding ?? 0,
    }));
  } else {
    monthRows = historyFrom(rawMonths, ws, now).months;
  }
  const totals = { inference: 0, embedding: 0, total: 0, interactions: 0 };
  let ingestion = 0;
  for (const a of rawMonths.values()) {
    totals.inference += a.inference;
    totals.embedding += a.embedding;
    totals.interactions += a.interactions;
    ingestion += a.training;
  }
  totals.total = totals.inference + totals.embedding;

  const models = new Map<string, ModelRow>();
  for (const r of modelRowsRaw) {
    let m = models.get(r.model);
    if (!m) models.set(r.model, (m = { model: r.model, inference: 0, embedding: 0, training: 0, total: 0, interactions: 0, share: null }));
    if (r.token_kind === 'embedding') m.embedding += r.total_tokens;
    else m.inference += r.total_tokens;
    if (r.training) m.training += r.total_tokens;
    m.total += r.total_tokens;
    m.interactions += r.interactions;
  }
  const modelRows = [...models.values()].sort((a, b) => b.total - a.total || (a.model < b.model ? -1 : 1));
  for (const m of modelRows) m.share = pct(m.total, totals.total);

  const interactive = totals.total - ingestion;
  return {
    range,
    fromMonth: monthRows[0]?.period ?? current,
    toMonth: monthRows[monthRows.length - 1]?.period ?? current,
    months: monthRows.map((m) => ({ ...m, label: monthLabel(m.period), total: m.inference + m.embedding })),
    totals,
    shares: { inference: pct(totals.inference, totals.total), embedding: pct(totals.embedding, totals.total) },
    split: { interactive, ingestion, interactiveShare: pct(interactive, totals.total), ingestionShare: pct(ingestion, totals.total) },
    models: modelRows,
    hasUsage: totals.total > 0,
  };
}

/** Chart.js configs (drawn by public/js/charts.js from a JSON block). */
export function usageCharts(v: UsageView) {
  // Value axes use short tick labels (35M); tooltips and the table twins keep the exact numbers.
  const stackedScales = { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { format: 'compact' } } };
  const topModels = v.models.slice(0, 12);
  return {
    monthly: {
      type: 'bar',
      data: {
        labels: v.months.map((m) => m.label),
        datasets: [
          { label: 'Inference', data: v.months.map((m) => m.inference), series: 'inference' satisfies Series, unit: ' tokens' },
          { label: 'Embedding', data: v.months.map((m) => m.embedding), series: 'embedding' satisfies Series, unit: ' tokens' },
        ],
      },
      options: { scales: stackedScales, plugins: { legend: { position: 'bottom' } } },
    },
    models: {
      type: 'bar',
      data: {
        labels: topModels.map((m) => m.model),
        datasets: [
          { label: 'Inference', data: topModels.map((m) => m.inference), series: 'inference' satisfies Series, unit: ' tokens' },
          { label: 'Embedding', data: topModels.map((m) => m.embedding), series: 'embedding' satisfies Series, unit: ' tokens' },
        ],
      },
      // every model named on its own row (no skipped labels); the box grows with the count
      options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, ticks: { format: 'compact' } }, y: { stacked: true, ticks: { autoSkip: false } } }, plugins: { legend: { position: 'bottom' } } },
    },
    split: {
      type: 'doughnut',
      data: {
        labels: ['Chat, agents & API (interactive)', 'Document ingestion & training'],
        datasets: [{ label: 'Tokens', data: [v.split.interactive, v.split.ingestion], series: ['interactive', 'ingestion'] satisfies Series[], unit: ' tokens' }],
      },
      options: { plugins: { legend: { position: 'bottom' } } },
    },
  };
}

export { formatNumber, jsonForScript } from '../http/format';
export const formatPct = (p: number | null, digits = 1) => (p === null ? '—' : `${p.toFixed(digits)}%`);
