// GET /admin/settings: the Workspace settings home, one card per section (src/settings/sections.ts).
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { renderPage } from '../http/render';
import { workspaceOf } from '../http/locals';
import { sectionsFor } from './sections';

export function settingsRouter(_ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/settings', requireAdmin, (_req, res) => {
    renderPage(res, 'pages/settings/index', { title: 'Workspace settings', sections: sectionsFor(workspaceOf(res)) });
  });
  return router;
}
