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
import { dictionaryPdf } from './pdf';
import { actorFrom, recordAudit } from '../audit/audit';

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

    /** The dictionary as a PDF, audited like every download (same audit shape as the CSV exports). */
    async downloadDictionaryPdf(req: Request, res: Response) {
      const ws = workspaceOf(res);
      const day = today(ws.time_zone, usageNow());
      const filename = `${ws.slug}-data-dictionary-${day}.pdf`.replace(/[^A-Za-z0-9._-]/g, '_');
      await recordAudit(ctx.db, {
        workspaceId: ws.id,
        actor: actorFrom(req),
        action: 'export.download',
        targetType: 'export',
        targetId: 'data-dictionary-pdf',
        after: { export: 'data-dictionary-pdf', file: filename, path: '/admin/data-dictionary.pdf' },
      });
      res.setHeader('Content-Type', 'application/pdf');
      res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
      const doc = dictionaryPdf({ workspaceName: ws.name, day });
      doc.pipe(res);
      doc.end();
      await new Promise<void>((resolve, reject) => {
        res.on('finish', resolve);
        res.on('close', resolve);
        doc.on('error', reject);
      });
    },
  };
}
