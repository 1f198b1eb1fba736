// Credit alerts: the workspace's "balance at or below N" and "pay-as-you-go cap reached" rules are
// the only source of every credit alert, on every channel. The credit pool calls in here inside the
// transaction that changed the balance (a charge, an admin change, settling expiries) while it holds
// the workspace's credit lock, so a firing — its history row, its notifications and e-mails (sent
// after commit), its webhook events — commits with the change that caused it, or not at all.
import type { Knex } from 'knex';
import { formatNumber } from '../http/format';
import { enqueueEvent, workspaceRef, type EndpointKind } from '../webhooks/outbox';
import { endpointKinds, enqueueAlertFired, recordFiring, tellPeople, type Message, type Subject } from './fire';
import { ensureDefaultRules, rulesWithState, setFired, type AlertRule } from './rules';

const fmt = (n: number) => formatNumber(Math.round(n * 100) / 100);

// The default rules are checked once per transaction (a charge looks at its rules before and after).
const ensured = new WeakMap<object, Set<number>>();

async function ensureCreditDefaults(trx: Knex, workspaceId: number): Promise<void> {
  const inTransaction = !!(trx as Knex.Transaction).isTransaction;
  const done = inTransaction ? ensured.get(trx) ?? new Set<number>() : new Set<number>();
  if (done.has(workspaceId)) return;
  await ensureDefaultRules(trx, workspaceId, true, 'credits');
  done.add(workspaceId);
  if (inTransaction) ensured.set(trx, done);
}

const WORKSPACE: Subject = { type: 'workspace', id: null, name: null };

/** "a", "a and b", "a, b and c" */
function list(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export interface PoolReading {
  /** prepaid credits available now */
  available: number;
  paygEnabled: boolean;
}

/** The in-app notification and e-mail for pool rules that fired together: one, naming the lowest level. */
function balanceMessage(rules: AlertRule[], pool: PoolReading): Message {
  const levels = [...new Set(rules.map((r) => Number(r.params.threshold ?? 0)))].sort((a, b) => b - a);
  const t = levels[levels.length - 1];
  const also = levels.slice(0, -1);
  const passed = also.length ? ` It passed the ${list(also.map(fmt))} alert level${also.length === 1 ? '' : 's'} on the way.` : '';
  const at = `Balance when this alert fired: ${fmt(pool.available)} credits`;
  if (t === 0) {
    const effect = pool.paygEnabled
      ? 'Prepaid credits are used up: premium actions now draw on pay-as-you-go until credits are added.'
      : 'Prepaid credits are used up and pay-as-you-go is off: Grid, API and agent runs are paused until credits are added or pay-as-you-go is turned on.';
    return { kind: 'credits.threshold.0', title: `Credits used up: balance is ${fmt(pool.available)}`, body: `${at}.${passed} ${effect}`, link: '/admin/credits' };
  }
  return {
    kind: `credits.threshold.${t}`,
    title: `Credit balance below ${fmt(t)}: ${fmt(pool.available)} left`,
    body: `${at} (alert level ${fmt(t)}).${passed} Add credits or review pay-as-you-go on the Credits page.`,
    link: '/admin/credits',
  };
}

/** Webhook events of the firings: `alert.fired` per rule, and the credit event once per value (to the union of the kinds that asked for it). */
async function sendEvents(trx: Knex, workspaceId: number, fired: { rule: AlertRule; summary: string; values: Record<string, unknown> }[], creditEvent: 'credits.threshold_crossed' | 'credits.cap_reached', dataOf: (rule: AlertRule) => Record<string, unknown>, now: Date): Promise<void> {
  const byValue = new Map<string, { data: Record<string, unknown>; kinds: Set<EndpointKind> }>();
  for (const f of fired) {
    await enqueueAlertFired(trx, f.rule, WORKSPACE, f.summary, f.values, now);
    const kinds = endpointKinds(f.rule.channels);
    if (!kinds.length) continue;
    const data = dataOf(f.rule);
    const e = byValue.get(JSON.stringify(data)) ?? { data, kinds: new Set<EndpointKind>() };
    for (const k of kinds) e.kinds.add(k);
    byValue.set(JSON.stringify(data), e);
  }
  if (!byValue.size) return;
  const workspace = await workspaceRef(trx, workspaceId);
  for (const e of byValue.values()) await enqueueEvent(trx, workspaceId, creditEvent, { workspace, ...e.data }, { kinds: [...e.kinds], now });
}

/**
 * After the pool's balance may have changed (called before and after every change, under the lock).
 * Each enabled "balance at or below N" rule fires once when the balance falls to or below N and is
 * re-armed when the balance is above N again. A rule not checked yet (new, edited, or a default just
 * given to the workspace) only records where the balance stands: nothing fires for a level the pool
 * was already at or below. Levels passed together are one notification and one e-mail naming the
 * lowest; each rule still gets its own firing row, `alert.fired` event and state.
 */
export async function onCreditBalance(trx: Knex, workspaceId: number, pool: PoolReading, now = new Date()): Promise<void> {
  await ensureCreditDefaults(trx, workspaceId);
  const fired: { rule: AlertRule; summary: string; values: Record<string, unknown> }[] = [];
  for (const { rule, fired: was } of await rulesWithState(trx, workspaceId, 'pool_below', 'workspace')) {
    const n = Number(rule.params.threshold ?? 0);
    const below = pool.available <= n;
    if (was === null) await setFired(trx, rule.id, 'workspace', below);
    else if (below && !was) {
      const summary = n === 0 ? `the credit pool is used up (balance ${fmt(pool.available)})` : `the credit pool balance is ${fmt(pool.available)}, at or below ${fmt(n)}`;
      const values = { balance: pool.available, threshold: n, payg_enabled: pool.paygEnabled };
      await recordFiring(trx, rule, WORKSPACE, summary, values, now);
      await setFired(trx, rule.id, 'workspace', true);
      fired.push({ rule, summary, values });
    } else if (!below && was) await setFired(trx, rule.id, 'workspace', false);
  }
  if (!fired.length) return;
  await tellPeople(
    trx,
    workspaceId,
    fired.map((f) => f.rule),
    (rules) => balanceMessage(rules, pool),
  );
  await sendEvents(trx, workspaceId, fired, 'credits.threshold_crossed', (rule) => ({ threshold: Number(rule.params.threshold ?? 0), balance: pool.available, payg_enabled: pool.paygEnabled }), now);
}

export interface PaygUse {
  /** the reporting month (YYYY-MM) the pay-as-you-go use counts against */
  month: string;
  paygEnabled: boolean;
  /** the monthly cap; null = no cap */
  cap: number | null;
  /** pay-as-you-go credits used in that month */
  paygUsed: number;
}

/**
 * After pay-as-you-go use or the cap changed: each enabled "cap reached" rule fires once per month
 * and cap value when the month's use is at or above the cap — on the charge that reaches it, or when
 * an admin lowers the cap to (or below) what was already used. Switching PAYG off and on again with
 * the same cap does not fire again.
 */
export async function onPaygUse(trx: Knex, workspaceId: number, use: PaygUse, now = new Date()): Promise<void> {
  if (!use.paygEnabled || use.cap == null || use.paygUsed < use.cap) return;
  const cap = use.cap;
  await ensureCreditDefaults(trx, workspaceId);
  const key = `month:${use.month}:cap:${cap}`;
  const fired: { rule: AlertRule; summary: string; values: Record<string, unknown> }[] = [];
  for (const { rule, fired: was } of await rulesWithState(trx, workspaceId, 'cap_reached', key)) {
    if (was) continue;
    const summary = `pay-as-you-go use reached the monthly cap of ${fmt(cap)} credits for ${use.month}`;
    const values = { month: use.month, cap, payg_used: use.paygUsed };
    await recordFiring(trx, rule, WORKSPACE, summary, values, now);
    await setFired(trx, rule.id, key, true);
    fired.push({ rule, summary, values });
  }
  if (!fired.length) return;
  await tellPeople(
    trx,
    workspaceId,
    fired.map((f) => f.rule),
    () => ({
      kind: 'credits.payg_cap',
      title: `Pay-as-you-go cap reached for ${use.month}`,
      body: `This month's pay-as-you-go use reached the cap of ${fmt(cap)} credits (${fmt(use.paygUsed)} used). Premium actions are paused until credits are added or the cap is raised.`,
      link: '/admin/credits/payg',
    }),
  );
  await sendEvents(trx, workspaceId, fired, 'credits.cap_reached', () => ({ month: use.month, cap, payg_used: use.paygUsed }), now);
}
