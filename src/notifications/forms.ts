// Inputs of the notifications list: which ones to show and the page cursor (an opaque token).
import { z } from 'zod';
import type { NotificationCursor } from './notify';

export const querySchema = z.object({
  show: z.enum(['all', 'unread']).catch('all').default('all'),
  // An over-long or unreadable cursor shows the first page (cursors are opaque; nobody types one).
  before: z.string().max(300).optional().catch(undefined),
  /** the notification just decided (its confirmation is shown next to it) */
  decided: z.coerce.number().int().positive().max(2 ** 53).optional().catch(undefined),
  already: z.enum(['1']).optional().catch(undefined),
});

export function decodeCursor(s: string | undefined): NotificationCursor | null {
  if (!s) return null;
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (typeof v?.at === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,3})?$/.test(v.at) && Number.isInteger(v.id)) return v;
  } catch {
    /* an unreadable cursor shows the first page */
  }
  return null;
}

export function encodeCursor(c: NotificationCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}
