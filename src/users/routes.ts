// User Management routes: the list (summary + table), the row actions, invite and bulk allocation.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import * as h from './handlers';
import type { UserLimitSource } from './limit-info';

/** `options.limits`: what rows show and the list filters about limits (src/limits provides it). */
export function usersRouter(ctx: AppContext, options: { limits?: UserLimitSource } = {}): Router {
  const router = Router();
  const u = h.userHandlers(ctx, options.limits);
  router.get('/admin/users', requireAdmin, u.listUsers);
  router.get('/admin/users/summary', requireAdmin, u.showSummary);
  router.get('/admin/users/new', requireAdmin, u.showInvite);
  router.post('/admin/users', requireAdmin, u.inviteUser);
  router.post('/admin/users/bulk-allocation', requireAdmin, u.bulkAllocation);
  router.get('/admin/users/:id/row', requireAdmin, u.showRow);
  router.get('/admin/users/:id/allocation', requireAdmin, u.editAllocation);
  router.post('/admin/users/:id/allocation', requireAdmin, u.updateAllocation);
  router.post('/admin/users/:id/credit-access', requireAdmin, u.updateCreditAccess);
  router.post('/admin/users/:id/role', requireAdmin, u.updateRole);
  router.post('/admin/users/:id/revoke', requireAdmin, u.revokeAccess);
  router.post('/admin/users/:id/restore', requireAdmin, u.restoreAccess);
  return router;
}
