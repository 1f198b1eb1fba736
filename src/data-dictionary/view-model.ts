// View model of the data dictionary page: exports by area, the product's metric definitions (the
// wording every page and export follows), the hours-saved table and the CSV type notes.
import { HOURS_SAVED_MINUTES } from '../usage/definitions';
import { SURFACES, SURFACE_LABELS } from '../domain/model';
import { exportsByArea } from './registry';
import { DATA_DICTIONARY_EXPORT, isPathTemplate, pathTemplate } from './export-defs';
import { DEFAULT_CREDIT_LEVELS } from '../alerts/rules';

const levels = DEFAULT_CREDIT_LEVELS.map((t) => t.toLocaleString('en-US'));

/** The metric definitions every page and export uses (the product's wording; shown on the data dictionary page). */
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
    definition: `Come from the workspace's alert rules (Workspace settings > Alerts): by default when the credit balance falls to or below ${levels.slice(0, -1).join(', ')} and ${levels[levels.length - 1]} credits, and when the pay-as-you-go cap is reached. Each fires once per crossing; a top-up re-arms it.`,
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

/** Everything the page renders. */
export function dictionaryPage() {
  const groups = exportsByArea();
  return {
    title: 'Data dictionary',
    groups,
    columnCount: groups.reduce((n, g) => n + g.exports.reduce((m, d) => m + d.columns.length, 0), 0),
    definitions: DEFINITIONS,
    hoursSaved: hoursSavedTable(),
    typeNotes: TYPE_NOTES,
    dictionaryExport: DATA_DICTIONARY_EXPORT,
    pathTemplate,
    isPathTemplate,
  };
}
