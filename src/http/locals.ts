// Per-request view locals: the signed-in user, their workspace, the CSRF token, header badges.
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from './context';
import { headerExtras } from './header-extras';
import { isHtmx } from './errors';

export function viewLocals(ctx: AppContext) {
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
      res.locals.unreadCount = 0;
      res.locals.creditMeter = null;
      res.locals.title = 'Usage Console';
      if (req.user) {
        res.locals.workspace = await ctx.db('workspaces').where({ id: req.user.workspace_id }).first();
        // The header badges are only drawn with the layout: an htmx fragment (a chart, a filtered
        // list) skips their queries. Boosted and full-page htmx requests render the layout.
        const fragment = isHtmx(req) && req.get('HX-Request-Type') !== 'full' && !req.get('HX-Boosted');
        if (req.user.role === 'admin' && req.method === 'GET' && !fragment) Object.assign(res.locals, await headerExtras(ctx, req.user, res.locals.workspace));
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
