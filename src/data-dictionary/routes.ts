// The data dictionary: GET /admin/data-dictionary (every export's columns, types, meanings and
// examples, plus the product definitions) and the same as a file, /admin/data-dictionary.csv.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { notFound } from '../http/errors';
import { renderPage } from '../http/render';
import { today } from '../db/time';
import { usageNow } from '../reports/clock';
import { csvFilename } from '../csv/stream';
import { auditedCsvDownload } from '../csv/download';
import { DATA_DICTIONARY_EXPORT, DEFINITIONS, TYPE_NOTES, dictionaryRows, exportsByArea, hoursSavedTable, isPathTemplate, pathTemplate } from './registry';

async function* rows() {
  yield* dictionaryRows();
}

export function exportsRouter(ctx: AppContext): Router {
  const router = Router();

  router.get('/admin/data-dictionary', requireAdmin, (_req, res) => {
    const groups = exportsByArea();
    renderPage(res, 'pages/data-dictionary/index', {
      title: 'Data dictionary',
      groups,
      columnCount: groups.reduce((n, g) => n + g.exports.reduce((m, d) => m + d.columns.length, 0), 0),
      definitions: DEFINITIONS,
      hoursSaved: hoursSavedTable(),
      typeNotes: TYPE_NOTES,
      dictionaryExport: DATA_DICTIONARY_EXPORT,
      pathTemplate,
      isPathTemplate,
    });
  });

  router.get('/admin/data-dictionary.csv', requireAdmin, async (req, res) => {
    const ws = await ctx.db('workspaces').select('id', 'slug', 'time_zone').where('id', req.user!.workspace_id).first();
    if (!ws) throw notFound('Workspace not found');
    const filename = csvFilename(ws.slug, DATA_DICTIONARY_EXPORT.id, today(ws.time_zone, usageNow()));
    await auditedCsvDownload(ctx.db, req, res, DATA_DICTIONARY_EXPORT, { workspaceId: ws.id, filename }, rows());
  });

  return router;
}
