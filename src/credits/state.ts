// The credit state of a pool in words and levels: what the header meter colours, when the
// "paused" wording applies, and the banner on the Credits overview and /me.
//
// The meter's colour steps are a fixed scale: the default alert levels (DEFAULT_CREDIT_LEVELS),
// not the workspace's rules. Rules decide who is told what; the meter shows everyone, members too,
// the same three steps (a class per step in public/css), whatever an admin did to the rules.
import type { PoolState } from './pool';
import { DEFAULT_CREDIT_LEVELS } from '../alerts/rules';
import { formatNumber } from '../http/format';

type Step = Exclude<(typeof DEFAULT_CREDIT_LEVELS)[number], 0>;
/** The meter's steps above 0, highest first. */
const STEPS = DEFAULT_CREDIT_LEVELS.filter((t): t is Step => t > 0);
/** The lowest step: "low" on the meter and the banner from here down. */
const LOW: Step = STEPS[STEPS.length - 1];

/** ok = above every step; below-N = at or below that step; zero = no prepaid credits but PAYG headroom; paused = neither. */
export type CreditLevel = 'ok' | `below-${Step}` | 'zero' | 'paused';

export interface CreditState {
  level: CreditLevel;
  paused: boolean;
  /** Short wording for the header meter ("paused", "low", ...), empty when all is well. */
  label: string;
}

type PoolLike = Pick<PoolState, 'available' | 'paygEnabled' | 'paygHeadroom'>;

/** The level the balance is at: the lowest step it is at or below (compared as alerts are: at or below). */
export function creditState(pool: PoolLike): CreditState {
  const headroom = pool.paygHeadroom ?? 0;
  if (pool.available <= 0) {
    return headroom > 0 ? { level: 'zero', paused: false, label: 'on pay-as-you-go' } : { level: 'paused', paused: true, label: 'paused' };
  }
  // STEPS descend: the last one the balance is at or below wins.
  let level: CreditLevel = 'ok';
  for (const t of STEPS) if (pool.available <= t) level = `below-${t}`;
  return { level, paused: false, label: level === `below-${LOW}` ? 'low' : '' };
}

export interface CreditBanner {
  tone: 'warn' | 'danger';
  title: string;
  /** what is (or will be) paused */
  effect: string;
  /** what an admin can do */
  remedy: string;
}

const PREMIUM = 'Grid rows beyond the free test rows, API and MCP calls, and research and optimization agent runs';

/** The state banner: at or below the lowest step, and at 0. Null above it. */
export function creditBanner(pool: PoolLike & Pick<PoolState, 'paygCap'>): CreditBanner | null {
  const fmt = formatNumber;
  const s = creditState(pool);
  if (s.level === 'paused') {
    const why = !pool.paygEnabled ? 'no prepaid credits are left and pay-as-you-go is off' : `no prepaid credits are left and this month's pay-as-you-go cap of ${fmt(pool.paygCap ?? 0)} credits is reached`;
    return {
      tone: 'danger',
      title: 'Premium actions are paused',
      effect: `${PREMIUM} will not run: ${why}. Chat, Apps, Studio and IQ keep working.`,
      remedy: !pool.paygEnabled ? 'An admin can add credits or turn on pay-as-you-go.' : 'An admin can add credits or raise the pay-as-you-go cap.',
    };
  }
  if (s.level === 'zero') {
    const left = pool.paygHeadroom === Infinity ? 'without a cap' : `until ${fmt(pool.paygHeadroom ?? 0)} more credits reach this month's cap`;
    return {
      tone: 'danger',
      title: 'Prepaid credits are used up',
      effect: `${PREMIUM} are now billed as pay-as-you-go overage, ${left}.`,
      remedy: 'An admin can add credits to stop the overage, or change the pay-as-you-go cap.',
    };
  }
  if (s.level === `below-${LOW}`) {
    const then = pool.paygHeadroom == null
      ? `When they run out, ${PREMIUM} pause (pay-as-you-go is off).`
      : `When they run out, premium actions are billed as pay-as-you-go${pool.paygHeadroom === Infinity ? '' : ` up to ${fmt(pool.paygHeadroom)} more credits this month`}.`;
    return {
      tone: 'warn',
      title: `Credits are low: ${fmt(pool.available)} left`,
      effect: then,
      remedy: pool.paygHeadroom == null ? 'An admin can add credits or turn on pay-as-you-go.' : 'An admin can add credits or raise the pay-as-you-go cap.',
    };
  }
  return null;
}
