// Routes of this feature (placeholder until the feature lands).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { comingSoon } from '../shell/coming-soon';

export function auditRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/audit-log', requireAdmin, comingSoon('Audit log', 'Every admin action, with who, when, before and after.'));
  return router;
}
