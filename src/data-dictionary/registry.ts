// Every export of the product, grouped by the area of the console it lives in (each feature keeps
// its own definitions in its export-defs.ts; this list is where a new one is registered).
import type { ExportDefinition } from '../csv/definitions';
import { USAGE_EXPORTS } from '../usage/export-defs';
import { TOKEN_EXPORTS } from '../tokens/export-defs';
import { ACTIVITY_EXPORTS } from '../activity/export-defs';
import { CREDIT_EXPORTS } from '../credits/export-defs';
import { LIMITS_EXPORTS } from '../limits/export-defs';

export function allExports(): ExportDefinition[] {
  return [...USAGE_EXPORTS, ...TOKEN_EXPORTS, ...ACTIVITY_EXPORTS, ...CREDIT_EXPORTS, ...LIMITS_EXPORTS];
}

/** Areas of the dictionary, in page order. */
export const AREAS: ExportDefinition['area'][] = ['Usage', 'Token Statistics', 'Activity Logs', 'Credits', 'Limits'];

export const areaSlug = (area: string) => `area-${area.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

export function exportsByArea(): { area: ExportDefinition['area']; slug: string; exports: ExportDefinition[] }[] {
  const all = allExports();
  return AREAS.map((area) => ({ area, slug: areaSlug(area), exports: all.filter((d) => d.area === area) })).filter((g) => g.exports.length > 0);
}
