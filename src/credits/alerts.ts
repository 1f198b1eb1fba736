// Low-balance and PAYG-cap alerts: each threshold fires once when the balance crosses it, and is
// re-armed when a top-up lifts the balance back above it. State lives on the locked credit_state row.
import type { Knex } from 'knex';
import { toDbTime } from '../db/time';
import { notify } from '../notifications/notify';
import type { LockedPool, PoolState } from './pool';
import { formatNumber } from '../http/format';
import { onCapReached, onCreditBalance } from '../alerts/evaluate';

export const THRESHOLDS = [10_000, 5_000, 1_000, 0] as const;

const fmt = formatNumber;

function parseArmed(s: string | null): Set<number> | null {
  if (s == null) return null;
  return new Set(s.split(',').filter(Boolean).map(Number));
}

function serialize(armed: Set<number>): string {
  return THRESHOLDS.filter((t) => armed.has(t)).join(',');
}

/**
 * Fires the armed thresholds the balance is now at or below, and re-arms those it is above.
 * The first call for a workspace only arms (nothing was crossed yet).
 */
export async function reconcileAlerts(trx: Knex, locked: LockedPool, pool: Pick<PoolState, 'available' | 'paygEnabled'>): Promise<void> {
  const { ws, state } = locked;
  const armed = parseArmed(state.armed_thresholds);
  const next = new Set<number>();
  const fire: number[] = [];
  for (const t of THRESHOLDS) {
    const above = pool.available > t;
    if (armed == null) {
      if (above) next.add(t);
    } else if (armed.has(t)) {
      if (above) next.add(t);
      else fire.push(t);
    } else if (above) next.add(t); // a top-up lifted the balance back above it
  }
  // Levels passed together (6,159 -> 0 passes 5,000, 1,000 and 0) are one alert naming the lowest;
  // each of them is disarmed all the same, so none fires again until a top-up re-arms it.
  if (fire.length) {
    const t = Math.min(...fire);
    const also = fire.filter((x) => x !== t).sort((a, b) => b - a);
    const passed = also.length ? ` It passed the ${also.map(fmt).join(' and ')} alert level${also.length === 1 ? '' : 's'} on the way.` : '';
    const zero = t === 0;
    await notify(trx, {
      workspaceId: ws.id,
      kind: `credits.threshold.${t}`,
      title: zero ? 'Credits used up: balance is 0' : `Credit balance below ${fmt(t)}: ${fmt(pool.available)} left`,
      body: zero
        ? pool.paygEnabled
          ? `Balance when this alert fired: ${fmt(pool.available)} credits.${passed} Prepaid credits are used up: premium actions now draw on pay-as-you-go until credits are added.`
          : `Balance when this alert fired: ${fmt(pool.available)} credits.${passed} Prepaid credits are used up and pay-as-you-go is off: Grid, API and agent runs are paused until credits are added or pay-as-you-go is turned on.`
        : `Balance when this alert fired: ${fmt(pool.available)} credits (alert level ${fmt(t)}).${passed} Add credits or review pay-as-you-go on the Credits page.`,
      link: '/admin/credits',
      email: true,
    });
  }
  // Webhook/Slack events for the levels fired, and the workspace's alert rules (same transaction).
  await onCreditBalance(trx, ws.id, pool.available, !!pool.paygEnabled, fire);
  const serialized = serialize(next);
  if (serialized !== state.armed_thresholds) {
    await trx('credit_state').where({ workspace_id: ws.id }).update({ armed_thresholds: serialized, updated_at: toDbTime(new Date()) });
    state.armed_thresholds = serialized;
  }
}

/** Fires the PAYG-cap alert once per month and cap value, when this month's PAYG use has reached the cap. */
export async function reconcileCapAlert(trx: Knex, locked: LockedPool, month: string, paygUsed: number): Promise<void> {
  const { ws, state } = locked;
  if (!ws.payg_enabled || ws.payg_monthly_cap == null) return;
  const cap = Number(ws.payg_monthly_cap);
  if (paygUsed < cap) return;
  const key = `${month}:${cap}`;
  if (state.cap_alert_key === key) return;
  await notify(trx, {
    workspaceId: ws.id,
    kind: 'credits.payg_cap',
    title: `Pay-as-you-go cap reached for ${month}`,
    body: `This month's pay-as-you-go use reached the cap of ${fmt(cap)} credits (${fmt(paygUsed)} used). Premium actions are paused until credits are added or the cap is raised.`,
    link: '/admin/credits/payg',
    email: true,
  });
  await onCapReached(trx, ws.id, month, cap, paygUsed);
  await trx('credit_state').where({ workspace_id: ws.id }).update({ cap_alert_key: key, updated_at: toDbTime(new Date()) });
  state.cap_alert_key = key;
}
