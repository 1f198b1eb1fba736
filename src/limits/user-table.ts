// What User Management shows about limits, for src/users (which cannot import this feature): on
// each row the effective limit ("group Engineering, 500k inference tokens/month, hard") and the
// status badge of the user's worst limit, and for the filter and the sort every user's state and
// highest share used. Everything comes from the standings of src/limits/status.ts.
import type { Knex } from 'knex';
import { STATE_BADGES } from '../domain/limits';
import { dayLabel, formatNumber } from '../http/format';
import type { UserLimitInfo, UserLimitSource } from '../users/limit-info';
import { periodBounds } from './decide';
import { describeLimit, METRIC_LABELS } from './model';
import { standings, type LimitUse } from './status';

const pct = (share: number) => (Number.isFinite(share) ? `${Math.round(share * 100)} %` : 'all');

/** "520,000 of 500,000 inference tokens this month (104 %); group Engineering, 500k inference tokens/month, hard" */
export function standingDetail(u: LimitUse, today: string): string {
  const l = u.limit;
  const projection = u.state === 'on_track_to_exceed' ? `, ${formatNumber(u.projected)} projected by ${dayLabel(periodBounds(today, l.period).end)}` : '';
  return `${formatNumber(u.used)} of ${formatNumber(l.amount)} ${METRIC_LABELS[l.metric]} this ${l.period} (${pct(u.share)})${projection}; ${describeLimit(l)}`;
}

export const userTableLimits: UserLimitSource = {
  async of(db: Knex, ws: number, users, now: Date): Promise<Map<number, UserLimitInfo>> {
    const out = new Map<number, UserLimitInfo>();
    const byId = await standings(db, ws, users, now);
    for (const [id, { limits, standing, today }] of byId) {
      // the monthly inference limit first: it is the one the allocation column compares against
      const main = limits.find((l) => l.metric === 'inference' && l.period === 'month') ?? limits[0];
      out.set(id, {
        label: describeLimit(main) + (limits.length > 1 ? ` (+${limits.length - 1} more)` : ''),
        state: standing.state,
        badge: STATE_BADGES[standing.state],
        detail: standingDetail(standing.worst, today),
        use: standing.topShare,
      });
    }
    return out;
  },
};
