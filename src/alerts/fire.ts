// Firing a rule: the history row, then each channel — in-app (every admin), e-mail (every admin or
// the chosen ones, through the notifications e-mail outbox), webhook and Slack (the webhook outbox).
// All in the caller's transaction, so a firing is recorded and delivered exactly when its cause commits.
import type { Knex } from 'knex';
import { toDbTime } from '../db/time';
import { notify } from '../notifications/notify';
import { enqueueEvent, workspaceRef, type EndpointKind } from '../webhooks/outbox';
import type { AlertRule, Channels } from './rules';

export interface Subject {
  type: 'workspace' | 'group' | 'user';
  id: number | null;
  name: string | null;
}

export type Channel = 'inapp' | 'email' | 'webhook' | 'slack';

/** What people are told: the notification's kind, title, body and link (also the e-mail's subject and text). */
export interface Message {
  kind: string;
  title: string;
  body: string;
  link: string;
}

export function subjectKey(s: Subject): string {
  return s.type === 'workspace' ? 'workspace' : `${s.type}:${s.id}`;
}

/** The history row of one firing, with the values at that moment (the "Recent firings" table). */
export async function recordFiring(trx: Knex, rule: AlertRule, subject: Subject, summary: string, values: Record<string, unknown>, now = new Date()): Promise<void> {
  await trx('alert_firings').insert({
    workspace_id: rule.workspace_id,
    rule_id: rule.id,
    subject: subjectKey(subject),
    summary: summary.slice(0, 500),
    values_json: JSON.stringify(values),
    fired_at: toDbTime(now),
  });
}

export async function fireRule(trx: Knex, rule: AlertRule, subject: Subject, summary: string, values: Record<string, unknown>, now = new Date()): Promise<void> {
  await recordFiring(trx, rule, subject, summary, values, now);
  await deliverToChannels(trx, rule, subject, summary, values, now);
}

function emails(ch: Channels): boolean {
  return ch.email === 'all' || ch.email.length > 0;
}

/** The webhook-outbox endpoint kinds a rule's channels choose. */
export function endpointKinds(ch: Channels): EndpointKind[] {
  const kinds: EndpointKind[] = [];
  if (ch.webhook) kinds.push('webhook');
  if (ch.slack) kinds.push('slack');
  return kinds;
}

/** The `alert.fired` event of one firing, to the endpoints of the rule's kinds subscribed to it. */
export async function enqueueAlertFired(trx: Knex, rule: AlertRule, subject: Subject, summary: string, values: Record<string, unknown>, now: Date): Promise<void> {
  const kinds = endpointKinds(rule.channels);
  if (!kinds.length) return;
  await enqueueEvent(
    trx,
    rule.workspace_id,
    'alert.fired',
    { workspace: await workspaceRef(trx, rule.workspace_id), rule: { id: rule.id, name: rule.name, condition: rule.condition }, subject, summary, values, fired_at: now.toISOString() },
    { kinds, now },
  );
}

/**
 * Tells people about rules that fired together (one charge can cross several credit levels): one
 * in-app notification for every admin made from the rules with in-app on, and one e-mail per admin
 * made from the rules that e-mail them — `message` writes each from the rules it covers. Admins
 * e-mailed by rules that all say "every admin" share one row (no recipient: every active admin when
 * it is sent), which is also the in-app one when the same rules have in-app on; other e-mail rows
 * are addressed to one admin each and are e-mail only (not listed in the console).
 */
export async function tellPeople(trx: Knex, workspaceId: number, fired: AlertRule[], message: (rules: AlertRule[]) => Message): Promise<void> {
  const key = (rules: AlertRule[]) => rules.map((r) => r.id).join(',');
  const inapp = fired.filter((r) => r.channels.inapp);
  const emailing = fired.filter((r) => emails(r.channels));
  const groups = new Map<string, { rules: AlertRule[]; admins: number[] }>();
  if (emailing.length) {
    const admins = await trx('users').select('id').where({ workspace_id: workspaceId, role: 'admin', status: 'active' }).orderBy('id');
    for (const a of admins as { id: number }[]) {
      const id = Number(a.id);
      const rules = emailing.filter((r) => r.channels.email === 'all' || r.channels.email.includes(id));
      if (!rules.length) continue;
      const g = groups.get(key(rules)) ?? { rules, admins: [] };
      g.admins.push(id);
      groups.set(key(rules), g);
    }
  }
  const shared = (g: { rules: AlertRule[] }) => g.rules.every((r) => r.channels.email === 'all');
  if (inapp.length) {
    const same = groups.get(key(inapp));
    const merged = !!same && shared(same);
    await notify(trx, { workspaceId, ...message(inapp), email: merged });
    if (merged) groups.delete(key(inapp));
  }
  for (const g of groups.values()) {
    const msg = message(g.rules);
    if (shared(g)) await notify(trx, { workspaceId, ...msg, email: true, inApp: false });
    else for (const id of g.admins) await notify(trx, { workspaceId, recipientUserId: id, ...msg, email: true, inApp: false });
  }
}

/** Sends one alert through the rule's channels (also "Send test" with a sample, through `only` that channel). */
export async function deliverToChannels(trx: Knex, rule: AlertRule, subject: Subject, summary: string, values: Record<string, unknown>, now = new Date(), only?: Channel): Promise<void> {
  const ch = rule.channels;
  const sending: AlertRule = only
    ? { ...rule, channels: { inapp: only === 'inapp' && ch.inapp, email: only === 'email' ? ch.email : [], webhook: only === 'webhook' && ch.webhook, slack: only === 'slack' && ch.slack } }
    : rule;
  const title = `${rule.name}: ${summary}`.slice(0, 200);
  await tellPeople(trx, rule.workspace_id, [sending], () => ({ kind: `alert.${rule.condition}`, title, body: summary, link: '/admin/settings/alerts' }));
  await enqueueAlertFired(trx, sending, subject, summary, values, now);
}
