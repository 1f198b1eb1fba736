// Every export of the product, for the data dictionary (each feature keeps its own definitions),
// the product definitions of DESIGN.md section 7, and the dictionary's own CSV download.
import type { ExportDefinition } from './definitions';
import { defineExport } from './definitions';
import { USAGE_EXPORTS } from '../usage/export-defs';
import { TOKEN_EXPORTS } from '../tokens/export-defs';
import { ACTIVITY_EXPORTS } from '../activity/export-defs';
import { CREDIT_EXPORTS } from '../credits/export-defs';
import { LIMITS_EXPORTS } from '../limits/export-defs';
import { HOURS_SAVED_MINUTES } from '../usage/definitions';
import { SURFACES, SURFACE_LABELS } from '../ingest/model';

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

/** The metric definitions every page and export uses (DESIGN.md section 7). */
export const DEFINITIONS: { term: string; definition: string }[] = [
  { term: 'Total generations', definition: 'Interactions of kind inference in the range, text and image outputs alike.' },
  { term: 'IQ adoption', definition: 'Share of those generations with at least one IQ layer applied (brand voice, knowledge, audience, style guide, visual guidelines).' },
  {
    term: 'Hours saved',
    definition:
      'Sum over generations of the minutes saved per generation on its surface (table below), divided by 60. A directional estimate for trends, not a measurement.',
  },
  { term: 'Active licenses', definition: 'Users whose status is active now.' },
  { term: 'Active users', definition: 'Distinct users with at least one generation in the last 30 days ending yesterday, whatever range is selected.' },
  { term: 'Active user rate', definition: 'Active users divided by active licenses.' },
  { term: 'Inference tokens', definition: 'Prompt + completion tokens of inference interactions (generations: chat, agents, API and the other surfaces).' },
  { term: 'Embedding tokens', definition: 'Tokens of embedding interactions: document ingestion and training runs, and embeddings of queries.' },
  {
    term: 'Document ingestion (training)',
    definition: 'Interactions the platform flags as training: a dataset or document was ingested. Everything else is interactive use.',
  },
  { term: 'Monthly inference tokens', definition: 'Inference tokens of this calendar month (workspace time zone), month to date; the previous month likewise.' },
  { term: 'Total usage', definition: 'All tokens a user consumed since the account was created: inference + embedding combined.' },
  {
    term: 'Days, weeks and months',
    definition:
      'Every event is stored in UTC and bucketed into the reporting day of the workspace time zone (default America/Chicago) when it is recorded, so DST days (23 or 25 hours) still land on the right day. Weeks start on Monday; months are calendar months of those days.',
  },
  { term: 'Reporting window', definition: 'Rolling 12 months, through yesterday (today can be included on request where a page offers it).' },
  {
    term: 'Credit alerts',
    definition: 'Fire once per crossing of 10,000, 5,000, 1,000 and 0 credits, and when the pay-as-you-go cap is reached; a top-up re-arms them.',
  },
];

/** The hours-saved table as rows (minutes per generation, per surface). */
export function hoursSavedTable(): { surface: string; label: string; minutes: number }[] {
  return SURFACES.map((s) => ({ surface: s, label: SURFACE_LABELS[s], minutes: HOURS_SAVED_MINUTES[s] }));
}

/** The type names used in the dictionary. */
export const TYPE_NOTES: { type: string; meaning: string }[] = [
  { type: 'string', meaning: 'Text. Text that begins with = + - @, a tab or a carriage return is written with a leading apostrophe (formula-injection guard).' },
  { type: 'integer', meaning: 'Whole number, no thousands separators.' },
  { type: 'decimal', meaning: 'Number with a decimal point (.), no thousands separators.' },
  { type: 'boolean', meaning: 'true or false.' },
  { type: 'date', meaning: 'Calendar day YYYY-MM-DD in the workspace time zone.' },
  { type: 'datetime', meaning: 'Instant in UTC, ISO 8601 (YYYY-MM-DDTHH:MM:SS.mmmZ).' },
];

export interface DictionaryRow {
  area: string;
  export: string;
  file: string;
  column: string;
  type: string;
  description: string;
  example: string;
}

/** The data dictionary as a file: one row per column of every export. */
export const DATA_DICTIONARY_EXPORT = defineExport<DictionaryRow>({
  id: 'data-dictionary',
  file: 'data-dictionary.csv',
  path: '/admin/data-dictionary.csv',
  title: 'Data dictionary',
  description: 'This dictionary as a file: one row per column of every export.',
  area: 'Usage',
  columns: [
    { key: 'area', type: 'string', description: 'Where the export lives in the console.', example: 'Token Statistics' },
    { key: 'export', type: 'string', description: 'Name of the export.', example: 'Token usage by month' },
    { key: 'file', type: 'string', description: 'Download path of the export; {id} stands for a user id in per-user exports.', example: '/admin/exports/token-usage.csv' },
    { key: 'column', type: 'string', description: 'Column name, as in the export’s header row.', example: 'inference_tokens' },
    { key: 'type', type: 'string', description: 'string, integer, decimal, boolean, date or datetime.', example: 'integer' },
    { key: 'description', type: 'string', description: 'What the column means.', example: 'Tokens of inference interactions (prompt + completion) in the month.' },
    { key: 'example', type: 'string', description: 'An example value.', example: '1523400' },
  ],
});

/** Route parameters (`:id`) are not a usable address: show them as a template, `{id}` (page and file alike). */
export function pathTemplate(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

export function isPathTemplate(path: string): boolean {
  return /:[A-Za-z_]/.test(path);
}

export function* dictionaryRows(): Iterable<DictionaryRow> {
  for (const def of allExports()) {
    for (const c of def.columns) {
      yield { area: def.area, export: def.title, file: pathTemplate(def.path), column: c.key, type: c.type, description: c.description, example: c.example };
    }
  }
}
