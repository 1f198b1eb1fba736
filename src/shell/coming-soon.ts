// An honest placeholder for a page that a later change fills in.
import type { Request, Response } from 'express';
import { renderPage } from '../http/render';

export function comingSoon(title: string, summary: string) {
  return (_req: Request, res: Response) => renderPage(res, 'pages/shell/coming-soon', { title, summary });
}
