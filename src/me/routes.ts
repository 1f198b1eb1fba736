// A member's own page (placeholder until the feature lands).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireUser } from '../http/guards';
import { comingSoon } from '../shell/coming-soon';

export function meRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get('/me', requireUser, comingSoon('My usage', 'Your own usage and credit access.'));
  return router;
}
