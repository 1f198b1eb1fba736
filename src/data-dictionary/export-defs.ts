// The data dictionary as a file (/admin/data-dictionary.csv): one row per column of every export.
import { defineExport } from '../csv/definitions';
import { allExports } from './registry';

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
