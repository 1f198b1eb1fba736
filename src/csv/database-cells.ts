// Cells the database formats. The largest export (the generation log: millions of rows) spent most
// of its time turning each row's fields into JavaScript values and back into CSV text. A column that
// is a stored date, UTC timestamp or integer shown as is can be formatted by the SELECT instead: each
// run of such columns arrives as one field that is already its CSV cells, so the app parses fewer
// fields per row and formats only the text cells (from its per-value caches) and the cells it looks
// up (users, agents). For the column shapes a `stored` column promises (see ExportColumn.stored:
// an integer as is, a date as 'YYYY-MM-DD', a timestamp through utcCell) the SQL yields exactly the
// bytes the app's formatter yields; test/bench/csv.test.ts holds the two side by side on both engines.
import type { Knex } from 'knex';
import { isSQLite } from '../db/dialect';
import type { ColumnType, ExportColumn, ExportDefinition } from './definitions';

/** The field of a row that carries the n-th run of database-formatted cells. */
export const segmentField = (n: number): string => `_csv${n}`;

/**
 * Column types the database formats cheaply, with formatCell's exact output and no quoting to do
 * (their text cannot hold a quote or start a formula). Text cells stay with the app: measured on
 * MariaDB 10.11 over the 4.5M-row generation log, the quoting and formula guard in SQL cost the
 * server about 0.8 us per cell per row, more than the app's per-value cache of formatted cells;
 * a date, a timestamp or an integer costs it about 0.1 us. A decimal's text differs between the two.
 */
const FORMATTABLE: ReadonlySet<ColumnType> = new Set(['date', 'datetime', 'integer']);

/** A stored column identifier: letters, digits and underscores only (it is written into SQL). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** SQL yielding the app's cell for the stored column `col` (utcCell for a timestamp), never NULL. */
function cellSql(sqlite: boolean, col: string, type: ColumnType): string {
  const x = sqlite ? `"${col}"` : `\`${col}\``;
  switch (type) {
    case 'integer':
      return sqlite ? `COALESCE(CAST(${x} AS TEXT), '')` : `COALESCE(CAST(${x} AS CHAR), '')`;
    case 'datetime':
      // utcCell: 'YYYY-MM-DDTHH:MM:SS.mmmZ', quoted
      return sqlite
        ? `CASE WHEN ${x} IS NULL OR ${x} = '' THEN '' ELSE '"' || strftime('%Y-%m-%dT%H:%M:%fZ', ${x}) || '"' END`
        : `CASE WHEN ${x} IS NULL THEN '' ELSE CONCAT('"', REPLACE(CAST(${x} AS DATETIME(3)), ' ', 'T'), 'Z"') END`;
    default:
      // 'YYYY-MM-DD', quoted
      return sqlite
        ? `CASE WHEN ${x} IS NULL OR ${x} = '' THEN '' ELSE '"' || date(${x}) || '"' END`
        : `CASE WHEN ${x} IS NULL THEN '' ELSE CONCAT('"', CAST(${x} AS DATE), '"') END`;
  }
}

/** The cells of a run of columns joined by commas, as one SQL expression. */
function runSql(sqlite: boolean, run: ExportColumn[]): string {
  const cells = run.map((c) => cellSql(sqlite, c.stored!, c.type));
  return sqlite ? cells.join(` || ',' || `) : `CONCAT(${cells.join(`, ',', `)})`;
}

export interface DatabaseFormatted<R> {
  /** the definition, marked so its row formatter reads each run from its segment field */
  def: ExportDefinition<R>;
  /** the SELECT expressions of the runs, aliased to their segment fields */
  select: Knex.Raw[];
}

/**
 * The runs of consecutive `stored` columns of `def` as SELECT expressions, and the definition that
 * reads them: its rows then carry `_csv0`, `_csv1` ... in place of those columns' values.
 */
export function databaseFormatted<R>(db: Knex, def: ExportDefinition<R>): DatabaseFormatted<R> {
  const sqlite = isSQLite(db);
  const select: Knex.Raw[] = [];
  let run: ExportColumn<R>[] = [];
  const flush = () => {
    if (run.length) select.push(db.raw(`${runSql(sqlite, run)} AS ${segmentField(select.length)}`));
    run = [];
  };
  for (const c of def.columns) {
    if (c.stored === undefined) {
      flush();
      continue;
    }
    if (!IDENTIFIER.test(c.stored)) throw new Error(`${def.id}.${c.key}: stored column ${c.stored} is not a plain identifier`);
    if (!FORMATTABLE.has(c.type)) throw new Error(`${def.id}.${c.key}: a ${c.type} cell cannot be formatted by the database`);
    run.push(c);
  }
  flush();
  return { def: { ...def, formattedBy: 'database' }, select };
}
