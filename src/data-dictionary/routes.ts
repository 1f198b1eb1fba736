// The data dictionary: GET /admin/data-dictionary (every export's columns, types, meanings and
// examples, plus the product definitions) and the same as files,
// /admin/data-dictionary.csv and /admin/data-dictionary.pdf.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { dictionaryHandlers } from './handlers';

export function dataDictionaryRouter(ctx: AppContext): Router {
  const router = Router();
  const h = dictionaryHandlers(ctx);
  router.get('/admin/data-dictionary', requireAdmin, h.showDictionary);
  router.get('/admin/data-dictionary.csv', requireAdmin, h.downloadDictionary);
  router.get('/admin/data-dictionary.pdf', requireAdmin, h.downloadDictionaryPdf);
  return router;
}
