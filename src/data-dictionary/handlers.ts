// Data dictionary handlers: the page, and the same content as an audited CSV download.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { renderPage } from '../http/render';
import { workspaceOf } from '../http/locals';
import { today } from '../db/time';
import { usageNow } from '../reports/clock';
import { csvFilename } from '../csv/stream';
import { auditedCsvDownload } from '../csv/download';
import { DATA_DICTIONARY_EXPORT, dictionaryRows } from './export-defs';
import { dictionaryPage } from './view-model';

async function* rows() {
  yield* dictionaryRows();
}

export function dictionaryHandlers(ctx: AppContext) {
  return {
    showDictionary(_req: Request, res: Response) {
      renderPage(res, 'pages/data-dictionary/index', dictionaryPage());
    },

    async downloadDictionary(req: Request, res: Response) {
      const ws = workspaceOf(res);
      const filename = csvFilename(ws.slug, DATA_DICTIONARY_EXPORT.id, today(ws.time_zone, usageNow()));
      await auditedCsvDownload(ctx.db, req, res, DATA_DICTIONARY_EXPORT, { workspaceId: ws.id, filename }, rows());
    },
  };
}
