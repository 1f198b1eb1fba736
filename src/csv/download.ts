// One audited download: the audit row (export.download) is written before the first byte, because
// on SQLite a row stream then holds the only connection. Every export of the product goes through
// here, so every download's audit record has one shape.
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import type { Readable } from 'node:stream';
import { actorFrom, recordAudit } from '../audit/audit';
import { streamCsv } from './stream';
import type { ExportDefinition } from './definitions';

export interface DownloadOptions {
  workspaceId: number;
  filename: string;
  /** the day range the file covers, when the export takes one */
  range?: { from: string; to: string };
  /** what else narrows the file (a per-user log: the user and the filters), recorded after the range */
  scope?: Record<string, unknown>;
}

/** Audits then streams `rows` as the CSV of `def`; resolves to the number of data rows. */
export async function auditedCsvDownload<R>(
  db: Knex,
  req: Request,
  res: Response,
  def: ExportDefinition<R>,
  opts: DownloadOptions,
  rows: Readable | AsyncIterable<R> | (() => Readable | AsyncIterable<R> | Promise<Readable | AsyncIterable<R>>),
): Promise<number> {
  await recordAudit(db, {
    workspaceId: opts.workspaceId,
    actor: actorFrom(req),
    action: 'export.download',
    targetType: 'export',
    targetId: def.id,
    after: { export: def.id, file: opts.filename, path: def.path, ...(opts.range ? { from: opts.range.from, to: opts.range.to } : {}), ...opts.scope },
  });
  // a row source is opened only after the audit row is written (SQLite: one connection)
  const source = typeof rows === 'function' ? await rows() : rows;
  return streamCsv(req, res, def, opts.filename, source);
}
