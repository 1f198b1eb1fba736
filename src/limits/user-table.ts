// What User Management shows about limits, for src/users (which cannot import this feature): on
// each row the effective limit ("group Engineering, 500k inference tokens/month, hard") and the
// status badge of the user's worst limit, and for the filter and the sort every user's state and
// highest share used. Everything comes from the standings of src/limits/status.ts.
import type { Knex } from 'knex';
import { STATE_BADGES, type LimitState } from '../domain/limits';
import { dayLabel, formatNumber } from '../http/format';
import type { UserLimitInfo, UserLimitSource } from '../users/limit-info';
import { periodBounds } from './decide';
import { describeLimit, METRIC_LABELS } from './model';
import { standings, workspaceStates, type LimitUse, type UserStanding } from './status';

const pct = (share: number) => (Number.isFinite(share) ? `${Math.round(share * 100)} %` : 'all');

/** "520,000 of 500,000 inference tokens this month (104 %); group Engineering, 500k inference tokens/month, hard" */
export function standingDetail(u: LimitUse, today: string): string {
  const l = u.limit;
  const projection = u.state === 'on_track_to_exceed' ? `, ${formatNumber(u.projected)} projected by ${dayLabel(periodBounds(today, l.period).end)}` : '';
  return `${formatNumber(u.used)} of ${formatNumber(l.amount)} ${METRIC_LABELS[l.metric]} this ${l.period} (${pct(u.share)})${projection}; ${describeLimit(l)}`;
}

/** A user's limits as a row shows them (the words are made when the row is drawn). */
class TableLimits implements UserLimitInfo {
  readonly state: LimitState;
  readonly badge: string | null;
  readonly use: number;
  constructor(private readonly s: UserStanding) {
    this.state = s.standing.state;
    this.badge = STATE_BADGES[this.state];
    this.use = s.standing.topShare;
  }
  get label(): string {
    // the monthly inference limit first: it is the one the allocation column compares against
    const limits = this.s.limits;
    const main = limits.find((l) => l.metric === 'inference' && l.period === 'month') ?? limits[0];
    return describeLimit(main) + (limits.length > 1 ? ` (+${limits.length - 1} more)` : '');
  }
  get detail(): string {
    return standingDetail(this.s.standing.worst, this.s.today);
  }
}

export const userTableLimits: UserLimitSource = {
  async of(db: Knex, ws: number, users, now: Date, known?: { interactions: number }): Promise<Map<number, UserLimitInfo>> {
    const out = new Map<number, UserLimitInfo>();
    for (const [id, s] of await standings(db, ws, users, now, known)) out.set(id, new TableLimits(s));
    return out;
  },
  states: workspaceStates,
};
