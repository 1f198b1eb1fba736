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
  /**
   * The cell depends only on this key (a looked-up user or agent): the formatted cell is computed
   * once per key per download and reused, instead of a look-up and a quoting per row.
   */
  cacheBy?: (row: R) => unknown;
  /**
   * The cell is this stored column's value as is, with no look-up: an `integer` unchanged, a `date`
   * as 'YYYY-MM-DD', a `datetime` through utcCell (`value` must give exactly that from a plain row).
   * The database may then format it instead (src/csv/database-cells.ts).
   */
  stored?: string;
}

export interface ExportDefinition<R = any> {
  id: string; // e.g. 'generation-log'
  file: string; // e.g. 'generation-log.csv'
  path: string; // e.g. '/admin/exports/generation-log.csv'
  title: string;
  description: string;
  /** where the export lives in the product (section of the data dictionary) */
  area: 'Usage' | 'Token Statistics' | 'Activity Logs' | 'Credits' | 'Limits';
  columns: ExportColumn<R>[];
  /** set by databaseFormatted: the rows carry the `stored` columns as ready CSV segments */
  formattedBy?: 'database';
}

export function defineExport<R>(def: ExportDefinition<R>): ExportDefinition<R> {
  return def;
}

/**
 * 'YYYY-MM-DD HH:MM:SS.mmm' (UTC, as stored) -> ISO 8601 UTC 'YYYY-MM-DDTHH:MM:SS.mmmZ': the
 * datetime cell of every export; empty for a missing value.
 */
export function utcCell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const s = String(value);
  // the stored shape (every row of a large export): no parsing
  if (s.length === 23 && s.charCodeAt(10) === 32) return `${s.slice(0, 10)}T${s.slice(11)}Z`;
  const [date, time = '00:00:00'] = s.replace(' ', 'T').replace(/Z$/, '').split('T');
  const [hms, ms = '000'] = time.split('.');
  return `${date}T${hms}.${ms.padEnd(3, '0').slice(0, 3)}Z`;
}

/** A user of the roster as the user exports select it (timestamps are UTC DB strings). */
export interface RosterRow {
  id: number;
  email: string;
  name: string;
  role: string;
  department: string | null;
  status: string;
  invited_at: string | null;
  joined_at: string | null;
  revoked_at: string | null;
}
