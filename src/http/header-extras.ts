// Badges shown in every admin page header: unread notifications and the credit meter.
import type { AppContext, SessionUser, WorkspaceInfo } from './context';
import { isCreditWorkspace, readPool, type CreditWorkspace } from '../credits/pool';

export async function headerExtras(ctx: AppContext, user: SessionUser, ws: WorkspaceInfo): Promise<Record<string, unknown>> {
  const row = await ctx.db('notifications')
    .where({ workspace_id: user.workspace_id })
    .whereNull('read_at')
    .where((q) => q.whereNull('recipient_user_id').orWhere('recipient_user_id', user.id))
    .count({ n: '*' })
    .first();
  const out: Record<string, unknown> = { unreadCount: Number(row?.n ?? 0) };
  // The credit meter: available credits and PAYG headroom (null = PAYG off, Infinity = no cap).
  if (ws && isCreditWorkspace(ws)) {
    const pool = await readPool(ctx.db, ws as unknown as CreditWorkspace);
    out.creditMeter = { available: pool.available, paygHeadroom: pool.paygHeadroom };
  }
  return out;
}
