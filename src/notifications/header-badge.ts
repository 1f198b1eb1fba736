// The bell's badge in the admin header: notifications this admin has not read (read state is kept
// per reader, in notification_reads).
import type { HeaderBadge } from '../http/header-badges';
import { unreadCount } from './notify';

export const unreadBadge: HeaderBadge = {
  defaults: { unreadCount: 0 },
  load: async (db, user) => ({ unreadCount: await unreadCount(db, user.workspace_id, user.id) }),
};
