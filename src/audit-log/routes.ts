// Audit log page: GET /admin/audit-log.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { auditLogHandlers } from './handlers';

export function auditLogRouter(ctx: AppContext): Router {
  const router = Router();
  const h = auditLogHandlers(ctx);
  router.get('/admin/audit-log', requireAdmin, h.showAuditLog);
  return router;
}
