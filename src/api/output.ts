// Output of the read API: one page of flat rows as JSON ({"data", "next_cursor"}), NDJSON or CSV
// (the formula-safe streaming CSV writer), chosen by `format=` or the Accept header. NDJSON and CSV
// carry the same fields; their next cursor travels in the `X-Next-Cursor` and `Link` headers.
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { HttpError } from '../http/errors';
import { streamCsv } from '../csv/stream';
import type { ColumnType, ExportDefinition } from '../csv/definitions';

export const FORMATS = ['json', 'ndjson', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

const MEDIA: Record<Format, string> = { json: 'application/json', ndjson: 'application/x-ndjson', csv: 'text/csv' };

/** `format=` wins; else the Accept header (JSON when it accepts anything, 406 when it accepts none of the three). */
export function chooseFormat(req: Request, explicit: Format | undefined): Format {
  if (explicit) return explicit;
  if (!req.get('Accept')) return 'json';
  const best = req.accepts([MEDIA.json, MEDIA.ndjson, MEDIA.csv]);
  if (!best) throw new HttpError(406, 'Accept one of application/json, application/x-ndjson or text/csv (or pass format=json|ndjson|csv).', 'not_acceptable');
  return (Object.keys(MEDIA) as Format[]).find((f) => MEDIA[f] === best)!;
}

/** Opaque keyset cursor: the last row's key plus a fingerprint of the query it belongs to. */
export function encodeCursor(key: unknown[], fingerprint: string): string {
  return Buffer.from(JSON.stringify({ k: key, f: fingerprint })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, fingerprint: string): unknown[] | null {
  if (!cursor) return null;
  let parsed: { k?: unknown; f?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new HttpError(400, 'cursor: not a cursor returned by this API.', 'invalid_cursor');
  }
  if (!parsed || !Array.isArray(parsed.k)) throw new HttpError(400, 'cursor: not a cursor returned by this API.', 'invalid_cursor');
  if (parsed.f !== fingerprint) throw new HttpError(400, 'cursor: it belongs to a request with other parameters; repeat the same parameters with next_cursor.', 'invalid_cursor');
  return parsed.k;
}

export function fingerprintOf(parts: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

export interface OutputColumn {
  key: string;
  type: ColumnType;
  description: string;
}

function nextUrl(req: Request, cursor: string): string {
  const url = new URL(req.originalUrl, 'http://x');
  url.searchParams.set('cursor', cursor);
  return `${url.pathname}${url.search}`;
}

/** Sends one page of rows in the chosen format. */
export async function sendPage(
  req: Request,
  res: Response,
  format: Format,
  opts: { columns: OutputColumn[]; rows: Record<string, unknown>[]; nextCursor: string | null; filename: string },
): Promise<void> {
  res.set('Cache-Control', 'no-store');
  if (opts.nextCursor) {
    res.set('X-Next-Cursor', opts.nextCursor);
    res.set('Link', `<${nextUrl(req, opts.nextCursor)}>; rel="next"`);
  }
  if (format === 'json') {
    res.json({ data: opts.rows, next_cursor: opts.nextCursor });
    return;
  }
  if (format === 'ndjson') {
    res.status(200).type(MEDIA.ndjson);
    res.send(opts.rows.map((r) => JSON.stringify(r)).join('\n') + (opts.rows.length ? '\n' : ''));
    return;
  }
  const def: ExportDefinition<Record<string, unknown>> = {
    id: 'read-api',
    file: opts.filename,
    path: req.path,
    title: 'Read API page',
    description: 'One page of a read API answer.',
    area: 'Usage',
    columns: opts.columns.map((c) => ({ ...c, example: '' })),
  };
  await streamCsv(req, res, def, opts.filename, (async function* () {
    yield* opts.rows;
  })());
}
