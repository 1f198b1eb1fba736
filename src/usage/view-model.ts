// View model of the Usage page as a whole: the locals every render shares (range, presets, the
// hours-saved table, the exports) and the page URL of a heatmap view. The parts have their own
// modules: cards.ts, charts.ts (with chart-registry.ts), heatmap.ts, format.ts.
import type { Workspace } from '../workspaces/workspace';
import { SURFACES, SURFACE_LABELS } from '../ingest/model';
import { HOURS_SAVED_MINUTES } from './definitions';
import { presetsFor, rangeQuery, type UsageRange } from './range';
import { USAGE_EXPORTS } from './export-defs';
import { dayLabel } from './format';
import type { HeatmapParams } from './heatmap';

/** The Usage page URL that shows this heatmap state (pushed into history by htmx). */
export function heatmapPageUrl(r: UsageRange, p: HeatmapParams): string {
  return `/admin/usage?${rangeQuery(r, { q: p.q, sort: p.sort, dir: p.dir, after: p.after })}`;
}

export function baseLocals(ws: Workspace, r: UsageRange) {
  return {
    title: 'Usage',
    charts: true,
    range: r,
    presets: presetsFor(r.today, r.lastDay, r.windowStart),
    rangeQuery,
    timeZone: ws.time_zone,
    dayLabel,
    minutesTable: SURFACES.map((s) => ({ label: SURFACE_LABELS[s], minutes: HOURS_SAVED_MINUTES[s] })),
    exports: USAGE_EXPORTS,
  };
}
