// Routes of the Credits section (/admin/credits/...): one sub-page per tab, the forms' POSTs, the
// ledger CSV. Only credit-billed workspaces have them (seat-billed: 404).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { creditsHandlers, requireCreditWorkspace } from './handlers';

export function creditsRouter(ctx: AppContext): Router {
  const router = Router();
  const h = creditsHandlers(ctx);
  const credits = requireCreditWorkspace(ctx);
  router.get('/admin/credits', requireAdmin, credits, h.overview);
  router.get('/admin/credits/usage', requireAdmin, credits, h.tab('usage'));
  router.get('/admin/credits/packs', requireAdmin, credits, h.tab('packs'));
  router.get('/admin/credits/payg', requireAdmin, credits, h.tab('payg'));
  router.get('/admin/credits/people', requireAdmin, credits, h.tab('people'));
  router.get('/admin/credits/ledger', requireAdmin, credits, h.tab('ledger'));
  router.get('/admin/credits/estimate', requireAdmin, credits, h.estimate);
  router.get('/admin/credits/ledger.csv', requireAdmin, credits, h.ledgerCsv);
  router.post('/admin/credits/packs', requireAdmin, credits, h.addPack);
  router.post('/admin/credits/adjustments', requireAdmin, credits, h.removePack);
  router.post('/admin/credits/settings', requireAdmin, credits, h.saveSettings);
  router.post('/admin/credits/prices', requireAdmin, credits, h.savePrices);
  router.post('/admin/credits/users/:id/access', requireAdmin, credits, h.setAccess);
  router.post('/admin/credits/requests/:id/approve', requireAdmin, credits, h.decide(true));
  router.post('/admin/credits/requests/:id/deny', requireAdmin, credits, h.decide(false));
  return router;
}
