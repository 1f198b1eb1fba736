// Routes of this feature (placeholder until the feature lands).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { comingSoon } from '../shell/coming-soon';

export function usersRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/users', requireAdmin, comingSoon('User Management', 'Users, their token allocations and usage, with search, filters and the row menu.'));
  return router;
}
