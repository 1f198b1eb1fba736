// Badges shown in every admin page header: unread notifications and the credit meter.
import type { AppContext, SessionUser, WorkspaceInfo } from './context';
import { isCreditWorkspace, readPool, type CreditWorkspace } from '../credits/pool';
import { unreadCount } from '../notifications/notify';
import { creditState } from '../credits/state';

export async function headerExtras(ctx: AppContext, user: SessionUser, ws: WorkspaceInfo): Promise<Record<string, unknown>> {
  // Unread for this admin: read state is kept per reader (notification_reads).
  const out: Record<string, unknown> = { unreadCount: await unreadCount(ctx.db, user.workspace_id, user.id) };
  // The credit meter: available credits and PAYG headroom (null = PAYG off, Infinity = no cap).
  if (ws && isCreditWorkspace(ws)) {
    const pool = await readPool(ctx.db, ws as unknown as CreditWorkspace);
    out.creditMeter = { available: pool.available, paygHeadroom: pool.paygHeadroom, state: creditState(pool) };
  }
  return out;
}
