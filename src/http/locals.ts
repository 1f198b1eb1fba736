// Per-request view locals: the signed-in user, their workspace, the CSRF token, header badges.
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from './context';
import { badgeDefaults, loadBadges, type HeaderBadge } from './header-badges';
import { isHtmx, notFound } from './errors';
import type { Workspace } from '../workspaces/workspace';
import { findWorkspace } from '../workspaces/queries';
import { timeTag, timestamp } from './format';
import { DEFAULT_TIME_ZONE } from '../db/time';

/** `badges`: the header badges features registered when the app was built (src/app.ts). */
export function viewLocals(ctx: AppContext, badges: readonly HeaderBadge[] = []) {
  const defaults = badgeDefaults(badges);
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      // Pages hold workspace data and a CSRF token: never stored by the browser or a proxy, so Back
      // after Sign out shows nothing. An htmx fragment and the full page share one URL (pushed into
      // history), so caches must also key on HX-Request.
      res.set('Cache-Control', 'no-store');
      res.vary('HX-Request');
      res.locals.currentPath = req.path;
      res.locals.user = req.user ?? null;
      // The token is made when a page first shows it, and only for a signed-in user (or a session
      // that already holds one): storing it is what creates a session row, so anonymous pages without
      // a form (404s, error pages, redirects) write nothing. The login form asks for its own token.
      Object.defineProperty(res.locals, 'csrfToken', {
        configurable: true,
        enumerable: true,
        get: () => (req.user || typeof (req.session as { csrfToken?: unknown } | undefined)?.csrfToken === 'string' ? (req.csrfToken?.() ?? '') : ''),
        set: (v: unknown) => Object.defineProperty(res.locals, 'csrfToken', { value: v, writable: true, configurable: true, enumerable: true }),
      });
      res.locals.workspace = null;
      Object.assign(res.locals, defaults);
      res.locals.title = 'Usage Console';
      // Full date-times in the workspace's zone, one format on every page: <%- timeTag(at) %>.
      const zone = () => (res.locals.workspace as Workspace | null)?.time_zone ?? DEFAULT_TIME_ZONE;
      res.locals.stamp = (v: string | Date | null | undefined) => timestamp(v, zone());
      res.locals.timeTag = (v: string | Date | null | undefined, ifNone?: string) => timeTag(v, zone(), ifNone);
      if (req.user) {
        res.locals.workspace = await findWorkspace(ctx.db, req.user.workspace_id);
        // The header badges are only drawn with the layout: an htmx fragment (a chart, a filtered
        // list) skips their queries. Boosted and full-page htmx requests render the layout.
        const fragment = isHtmx(req) && req.get('HX-Request-Type') !== 'full' && !req.get('HX-Boosted');
        if (req.user.role === 'admin' && !fragment) {
          const user = req.user;
          const workspace = res.locals.workspace;
          if (req.method === 'GET') Object.assign(res.locals, await loadBadges(badges, ctx.db, user, workspace));
          // A form post usually redirects; when it re-renders its page (an error), renderPage loads the
          // badges first, so the header keeps its meter and bell.
          else res.locals.loadHeaderBadges = async () => Object.assign(res.locals, await loadBadges(badges, ctx.db, user, workspace));
        }
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** The signed-in user's workspace, loaded once per request by viewLocals (routes behind requireUser). */
export function workspaceOf(res: Response): Workspace {
  const ws = res.locals.workspace as Workspace | null;
  if (!ws) throw notFound('Workspace not found');
  return ws;
}
