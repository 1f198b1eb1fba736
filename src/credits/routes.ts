// Routes of the Credits page (/admin/credits): the pool, packs, PAYG, prices, usage, people, requests.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { creditsHandlers } from './handlers';

export function creditsRouter(ctx: AppContext): Router {
  const router = Router();
  const h = creditsHandlers(ctx);
  router.get('/admin/credits', requireAdmin, h.page);
  router.get('/admin/credits/usage', requireAdmin, h.usage);
  router.get('/admin/credits/people', requireAdmin, h.people);
  router.get('/admin/credits/ledger', requireAdmin, h.ledger);
  router.get('/admin/credits/ledger.csv', requireAdmin, h.ledgerCsv);
  router.post('/admin/credits/packs', requireAdmin, h.addPack);
  router.post('/admin/credits/adjustments', requireAdmin, h.removePack);
  router.post('/admin/credits/settings', requireAdmin, h.saveSettings);
  router.post('/admin/credits/prices', requireAdmin, h.savePrices);
  router.post('/admin/credits/users/:id/access', requireAdmin, h.setAccess);
  router.post('/admin/credits/requests/:id/approve', requireAdmin, h.decide(true));
  router.post('/admin/credits/requests/:id/deny', requireAdmin, h.decide(false));
  return router;
}
