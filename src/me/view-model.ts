// View model of /me: the user's last months of usage, their credits this month, the shared pool
// (credit workspaces), their latest access request and the outcomes they were told about.
import type { Knex } from 'knex';
import type { SessionUser } from '../http/context';
import { formatNumber } from '../http/format';
import { addMonths, monthOf } from '../db/time';
import type { Workspace } from '../workspaces/workspace';
import { latestRequest } from '../credits/access-requests';
import { isCreditWorkspace, readPool } from '../credits/pool';
import { creditBanner } from '../credits/state';
import { memberNotifications } from '../notifications/notify';
import { findMe, myCredits, myMonthlyUsage } from './queries';

export async function myPage(db: Knex, ws: Workspace, user: SessionUser) {
  const me = await findMe(db, user.id);
  const now = new Date();
  const month = monthOf(now, ws.time_zone);
  const credits = isCreditWorkspace(ws);
  const pool = credits ? await readPool(db, ws, now) : null;
  return {
    title: 'My usage',
    ws,
    me: { ...me, may_spend_credits: !!me.may_spend_credits },
    month,
    previousMonth: addMonths(month, -1),
    usage: await myMonthlyUsage(db, user.workspace_id, user.id, month),
    myCredits: credits ? await myCredits(db, user.workspace_id, user.id, month) : null,
    pool,
    banner: pool ? creditBanner(pool) : null,
    request: await latestRequest(db, user.workspace_id, user.id),
    outcomes: await memberNotifications(db, user.workspace_id, user.id),
    fmt: formatNumber,
  };
}
