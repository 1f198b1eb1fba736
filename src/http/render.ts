// Renders a page inside the layout, or just the partial when htmx asks for a fragment.
import type { Request, Response } from 'express';
import { isHtmx } from './errors';

export function renderPage(res: Response, view: string, locals: Record<string, unknown> = {}, status = 200) {
  const loadBadges = res.locals.loadHeaderBadges as (() => Promise<unknown>) | undefined;
  if (typeof loadBadges === 'function') {
    delete res.locals.loadHeaderBadges;
    loadBadges().then(
      () => renderPage(res, view, locals, status),
      (err) => res.req.next!(err),
    );
    return;
  }
  res.status(status);
  res.render(view, locals, (err: Error | null, body?: string) => {
    if (err) return res.req.next!(err);
    res.render('layout', { ...locals, body }, (layoutErr: Error | null, html?: string) => {
      if (layoutErr) return res.req.next!(layoutErr);
      res.send(html);
    });
  });
}

/**
 * The first paint and an htmx refresh render the same markup: a full page includes its partial;
 * an htmx request (not a boosted navigation) gets only the partial.
 */
export function renderPageOrPartial(req: Request, res: Response, page: string, partial: string, locals: Record<string, unknown> = {}, status = 200) {
  if (isHtmx(req) && req.get('HX-Request-Type') !== 'full' && !req.get('HX-Boosted')) {
    return res.status(status).render(partial, locals);
  }
  renderPage(res, page, locals, status);
}
