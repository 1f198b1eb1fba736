// Streaming CSV: rows flow from the database to the response in large batches with back-pressure,
// formatted by json2csv's formatters (RFC 4180 quoting) behind a formula-injection guard.
import type { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import { number as numberFormatter, string as stringFormatter } from '@json2csv/formatters';
import type { ExportDefinition, ColumnType } from './definitions';

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

/** One CSV line (without the line break) for a row object. */
export function formatRow<R>(def: ExportDefinition<R>, row: R): string {
  const cols = def.columns;
  let line = '';
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i];
    const v = c.value ? c.value(row) : (row as Record<string, unknown>)[c.key];
    line += (i ? ',' : '') + formatCell(v, c.type);
  }
  return line;
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
  const source = rows as AsyncIterable<R> & Partial<Readable>;
  req.on('close', () => {
    if (!res.writableFinished) source.destroy?.();
  });
  try {
    for await (const row of source) {
      batch += formatRow(def, row) + '\r\n';
      count++;
      if (batch.length >= BATCH_BYTES) {
        const ok = res.write(batch);
        batch = '';
        if (!ok) await waitDrain(res);
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
