// Every chart of the Usage page, once: id (its URL, /admin/usage/charts/:id), title, which
// workspaces see it, and its builder (which returns the Chart.js config and its table twin). The
// page, the chart partial route and the tests all read this list; display order is its order,
// except that the wide heatmap table is drawn last.
import type { Knex } from 'knex';
import type { Workspace } from '../workspaces/workspace';
import { isCreditWorkspace } from '../credits/pool';
import type { UsageRange } from './range';
import {
  creditConsumption,
  generationsByFeature,
  groupMembership,
  topAgents,
  topUsersByAgentType,
  topUsersByFeature,
  weeklyGenerations,
  weeklyLogins,
  withBarLimits,
  type ChartBody,
  type ChartModel,
} from './charts';

export interface ChartEntry {
  id: string;
  title: string;
  /** Builds the chart and its table twin; absent for the heatmap, which has its own model (heatmap.ts). */
  build?: (db: Knex, ws: number, r: UsageRange) => Promise<ChartBody>;
  /** Only some workspaces see the chart; the others get this 404 message. */
  onlyFor?: { shown: (ws: Pick<Workspace, 'billing_mode'>) => boolean; message: string };
}

export const CHARTS = [
  { id: 'weekly-generations', title: 'Weekly generations and IQ adoption', build: weeklyGenerations },
  { id: 'weekly-logins', title: 'Weekly user logins', build: weeklyLogins },
  {
    id: 'credits',
    title: 'Credit consumption',
    build: creditConsumption,
    onlyFor: { shown: isCreditWorkspace, message: 'Credit consumption is only shown for workspaces on credit billing.' },
  },
  { id: 'features', title: 'Generations by feature', build: generationsByFeature },
  { id: 'agents', title: 'Top agents used', build: topAgents },
  { id: 'heatmap', title: 'Monthly generations by user' },
  { id: 'users-features', title: 'Top users by feature', build: topUsersByFeature },
  { id: 'users-agent-types', title: 'Top users by agent type', build: topUsersByAgentType },
  { id: 'groups', title: 'Group membership', build: (db, ws) => groupMembership(db, ws) },
] as const satisfies readonly ChartEntry[];

export type ChartId = (typeof CHARTS)[number]['id'];

export const CHART_IDS: readonly ChartId[] = CHARTS.map((c) => c.id);

/** id -> title (the page's lazy-loading placeholders). */
export const CHART_TITLES = Object.fromEntries(CHARTS.map((c) => [c.id, c.title])) as Record<ChartId, string>;

export function chartTitle(id: ChartId): string {
  return CHART_TITLES[id];
}

export function findChart(id: string): ChartEntry | undefined {
  return (CHARTS as readonly ChartEntry[]).find((c) => c.id === id);
}

export function isShownFor(entry: ChartEntry, ws: Pick<Workspace, 'billing_mode'>): boolean {
  return !entry.onlyFor || entry.onlyFor.shown(ws);
}

/** The charts of the page in display order: the half-width charts pair up, the wide heatmap table comes last. */
export function chartsFor(ws: Pick<Workspace, 'billing_mode'>): ChartId[] {
  const ids = (CHARTS as readonly ChartEntry[]).filter((c) => isShownFor(c, ws)).map((c) => c.id as ChartId);
  return [...ids.filter((id) => id !== 'heatmap'), 'heatmap'];
}

/** Runs an entry's builder and gives the chart its id and title. */
export async function buildChart(entry: ChartEntry, db: Knex, ws: number, r: UsageRange): Promise<ChartModel> {
  const body = await entry.build!(db, ws, r);
  const chart: ChartModel = { id: entry.id, title: entry.title, ...body };
  if (chart.config) withBarLimits(chart.config);
  return chart;
}
