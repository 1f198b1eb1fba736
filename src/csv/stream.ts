// Streaming CSV: rows flow from the database to the response in large batches with back-pressure,
// formatted by json2csv's formatters (RFC 4180 quoting) behind a formula-injection guard.
import type { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import { number as numberFormatter, string as stringFormatter } from '@json2csv/formatters';
import type { ExportColumn, ExportDefinition, ColumnType } from './definitions';
import { segmentField } from './database-cells';

const quoteString = stringFormatter({ quote: '"', escapedQuote: '""' });
const formatNumber = numberFormatter();

const FORMULA_START = /^[=+\-@\t\r]/;

/** Text cells that a spreadsheet would run as a formula get a leading apostrophe. */
export function formulaSafe(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function formatCell(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined || value === '') return '';
  switch (type) {
    case 'integer':
    case 'decimal': {
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(n) ? formatNumber(n) : quoteString(formulaSafe(String(value)));
    }
    case 'boolean':
      return value === true || value === 1 || value === '1' || value === 'true' ? 'true' : 'false';
    default:
      return quoteString(formulaSafe(String(value)));
  }
}

type CellFormatter = (value: unknown) => string;

/** A column's formatter with formatCell's exact output, minus the per-cell type dispatch. */
function cellFormatter(type: ColumnType): CellFormatter {
  switch (type) {
    case 'integer':
    case 'decimal':
      return (value) => {
        if (value === null || value === undefined || value === '') return '';
        if (typeof value === 'number') return Number.isFinite(value) ? formatNumber(value) : quoteString(formulaSafe(String(value)));
        const n = Number(value);
        return Number.isFinite(n) ? formatNumber(n) : quoteString(formulaSafe(String(value)));
      };
    case 'boolean':
      return (value) => {
        if (value === null || value === undefined || value === '') return '';
        return value === true || value === 1 || value === '1' || value === 'true' ? 'true' : 'false';
      };
    default:
      return (value) => {
        if (value === null || value === undefined || value === '') return '';
        const text = typeof value === 'string' ? value : String(value);
        // formulaSafe without the regex: = + - @ \t \r
        const c = text.charCodeAt(0);
        return quoteString(c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 ? `'${text}` : text);
      };
  }
}

type RowFormatter<R> = (row: R) => string;

/** Most distinct keys a `cacheBy` column remembers (a roster's users); past it cells are formatted per row. */
const CELL_CACHE_MAX = 200_000;

/** A column's cell of a row: its getter and formatter. */
function columnCell<R>(c: ExportColumn<R>): (row: R) => string {
  const get = c.value ?? ((row: R) => (row as Record<string, unknown>)[c.key]);
  const format = cellFormatter(c.type);
  return (row) => format(get(row));
}

/**
 * The cells of a run of columns that share one `cacheBy` function (a user's e-mail and name): formatted
 * together once per key per download and reused, instead of a look-up and a quoting per cell per row.
 */
function cachedRun<R>(run: ExportColumn<R>[]): (row: R) => string {
  const cells = run.map((c) => columnCell(c));
  const by = run[0].cacheBy!;
  const cache = new Map<unknown, string>();
  return (row) => {
    const k = by(row);
    let text = cache.get(k);
    if (text === undefined) {
      text = cells[0](row);
      for (let i = 1; i < cells.length; i++) text += ',' + cells[i](row);
      if (cache.size < CELL_CACHE_MAX) cache.set(k, text);
    }
    return text;
  };
}

/**
 * A definition's row as parts, each one or more cells: a run of `stored` columns that the database
 * formatted (its segment field, when the definition is `formattedBy: 'database'`), a run of columns
 * cached by the same key, or a single column.
 */
function rowParts<R>(def: ExportDefinition<R>): ((row: R) => string)[] {
  const parts: ((row: R) => string)[] = [];
  const cols = def.columns;
  // a column whose cell arrives in a segment field (the definition's rows come from databaseFormatted)
  const fromDb = (c: ExportColumn<R>) => def.formattedBy === 'database' && c.stored !== undefined;
  let segments = 0;
  for (let i = 0; i < cols.length; ) {
    let j = i + 1;
    if (fromDb(cols[i])) {
      while (j < cols.length && fromDb(cols[j])) j++;
      const field = segmentField(segments++);
      parts.push((row) => {
        const text = (row as Record<string, string | null | undefined>)[field];
        // the SELECT never yields NULL here (database-cells.ts): a missing field is a query that
        // does not match the definition, and must not become the text "null" in a download
        if (text == null) throw new Error(`${def.id}: the row has no ${field} (select the definition's databaseFormatted columns)`);
        return text;
      });
    } else if (cols[i].cacheBy) {
      while (j < cols.length && cols[j].cacheBy === cols[i].cacheBy && !fromDb(cols[j])) j++;
      parts.push(cachedRun(cols.slice(i, j)));
    } else {
      parts.push(columnCell(cols[i]));
    }
    i = j;
  }
  return parts;
}

const compiled = new WeakMap<ExportDefinition<any>, RowFormatter<any>>();

/**
 * The row formatter of a definition, built once per definition: one function per part (see
 * rowParts), so formatting a row is a flat loop with no type dispatch or object lookups per cell.
 */
export function rowFormatter<R>(def: ExportDefinition<R>): RowFormatter<R> {
  let f = compiled.get(def) as RowFormatter<R> | undefined;
  if (f) return f;
  const parts = rowParts(def);
  const n = parts.length;
  f = (row: R) => {
    let line = parts[0](row);
    for (let i = 1; i < n; i++) line += ',' + parts[i](row);
    return line;
  };
  if (n === 0) f = () => '';
  compiled.set(def, f);
  return f;
}

/** One CSV line (without the line break) for a row object. */
export function formatRow<R>(def: ExportDefinition<R>, row: R): string {
  return rowFormatter(def)(row);
}

export function headerRow(def: ExportDefinition<unknown>): string {
  return def.columns.map((c) => quoteString(c.key)).join(',');
}

const BATCH_BYTES = 64 * 1024;

function waitDrain(res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', closed);
      resolve();
    };
    const closed = () => {
      res.off('drain', done);
      reject(new Error('client closed the download'));
    };
    res.on('drain', done);
    res.on('close', closed);
  });
}

export function csvFilename(slug: string, exportId: string, date: string): string {
  return `${slug}-${exportId}-${date}.csv`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Streams `rows` (an object-mode Readable or any async iterable of row objects) as CSV.
 * Memory stays flat: rows are formatted into ~64 KB chunks and writing waits for 'drain'.
 */
export async function streamCsv<R>(
  req: Request,
  res: Response,
  def: ExportDefinition<R>,
  filename: string,
  rows: Readable | AsyncIterable<R>,
): Promise<number> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  let batch = headerRow(def as ExportDefinition<unknown>) + '\r\n';
  let count = 0;
  const format = rowFormatter(def);
  const source = rows as AsyncIterable<R> & Partial<Readable>;
  req.on('close', () => {
    if (!res.writableFinished) source.destroy?.();
  });
  try {
    if (typeof source.on === 'function' && typeof source.pause === 'function') {
      // A Readable: consume it with 'data' events and pause/resume (no promise per row, unlike
      // for-await), formatting into ~64 KB chunks and pausing the source while the socket drains.
      count = await new Promise<number>((resolve, reject) => {
        const readable = source as Readable;
        let n = 0;
        let settled = false;
        const finish = (err?: Error) => {
          if (settled) return;
          settled = true;
          readable.off('data', onData);
          res.off('drain', onDrain);
          res.off('close', onClose);
          if (err) reject(err);
          else resolve(n);
        };
        const onDrain = () => readable.resume();
        const onClose = () => {
          if (!res.writableFinished) finish(new Error('client closed the download'));
        };
        const onData = (row: R) => {
          try {
            batch += format(row) + '\r\n';
          } catch (err) {
            return finish(err as Error);
          }
          n++;
          if (batch.length >= BATCH_BYTES) {
            const ok = res.write(batch);
            batch = '';
            if (!ok) readable.pause();
          }
        };
        res.on('drain', onDrain);
        res.on('close', onClose);
        readable.on('data', onData);
        readable.once('end', () => finish());
        readable.once('error', (err) => finish(err));
        readable.once('close', () => {
          // destroyed without 'end' (for example by the client closing the download)
          if (!readable.readableEnded) finish(new Error('client closed the download'));
        });
      });
    } else {
      for await (const row of source) {
        batch += format(row) + '\r\n';
        count++;
        if (batch.length >= BATCH_BYTES) {
          const ok = res.write(batch);
          batch = '';
          if (!ok) await waitDrain(res);
        }
      }
    }
    res.end(batch);
  } catch (err) {
    source.destroy?.();
    if (!res.headersSent) throw err;
    res.destroy(err as Error); // the download is visibly incomplete, never silently truncated
    if (!/client closed/.test((err as Error).message)) throw err;
  }
  return count;
}
