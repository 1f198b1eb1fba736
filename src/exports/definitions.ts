// What an export is: its file, its columns (name, type, meaning, example). The exporters and the
// data dictionary both read these, so a column cannot be exported without a description.

export type ColumnType = 'string' | 'integer' | 'decimal' | 'boolean' | 'date' | 'datetime';

export interface ExportColumn<R = any> {
  key: string;
  type: ColumnType;
  description: string;
  example: string;
  /** derive the cell from the row; default: row[key] */
  value?: (row: R) => unknown;
}

export interface ExportDefinition<R = any> {
  id: string; // e.g. 'generation-log'
  file: string; // e.g. 'generation-log.csv'
  path: string; // e.g. '/admin/exports/generation-log.csv'
  title: string;
  description: string;
  /** where the export lives in the product (section of the data dictionary) */
  area: 'Usage' | 'Token Statistics' | 'Activity Logs' | 'Credits';
  columns: ExportColumn<R>[];
}

export function defineExport<R>(def: ExportDefinition<R>): ExportDefinition<R> {
  return def;
}
