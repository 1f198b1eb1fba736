// Firing a rule: the history row, then each channel — in-app (every admin), e-mail (the chosen
// admins, through the notifications e-mail outbox), webhook and Slack (the webhook outbox). All in
// the caller's transaction, so a firing is recorded and delivered exactly when its cause commits.
import type { Knex } from 'knex';
import { toDbTime } from '../db/time';
import { notify } from '../notifications/notify';
import { enqueueEvent, workspaceRef, type EndpointKind } from '../webhooks/outbox';
import type { AlertRule } from './rules';

export interface Subject {
  type: 'workspace' | 'group' | 'user';
  id: number | null;
  name: string | null;
}

export function subjectKey(s: Subject): string {
  return s.type === 'workspace' ? 'workspace' : `${s.type}:${s.id}`;
}

export async function fireRule(trx: Knex, rule: AlertRule, subject: Subject, summary: string, values: Record<string, unknown>, now = new Date()): Promise<void> {
  const ws = rule.workspace_id;
  await trx('alert_firings').insert({
    workspace_id: ws,
    rule_id: rule.id,
    subject: subjectKey(subject),
    summary: summary.slice(0, 500),
    values_json: JSON.stringify(values),
    fired_at: toDbTime(now),
  });
  await deliverToChannels(trx, rule, subject, summary, values, now);
}

/** Sends one alert through the rule's channels (also used by "Send test" with a sample). */
export async function deliverToChannels(trx: Knex, rule: AlertRule, subject: Subject, summary: string, values: Record<string, unknown>, now = new Date(), only?: 'inapp' | 'email' | 'webhook' | 'slack'): Promise<void> {
  const ws = rule.workspace_id;
  const title = `${rule.name}: ${summary}`.slice(0, 200);
  const ch = rule.channels;
  if (ch.inapp && (!only || only === 'inapp')) {
    await notify(trx, { workspaceId: ws, kind: `alert.${rule.condition}`, title, body: summary, link: '/admin/settings/alerts' });
  }
  if (ch.email.length && (!only || only === 'email')) {
    const admins = await trx('users').select('id').where({ workspace_id: ws, role: 'admin', status: 'active' }).whereIn('id', ch.email);
    for (const a of admins) {
      await notify(trx, { workspaceId: ws, recipientUserId: Number(a.id), kind: `alert.${rule.condition}`, title, body: summary, link: '/admin/settings/alerts', email: true });
    }
  }
  const kinds: EndpointKind[] = [];
  if (ch.webhook && (!only || only === 'webhook')) kinds.push('webhook');
  if (ch.slack && (!only || only === 'slack')) kinds.push('slack');
  if (kinds.length) {
    await enqueueEvent(
      trx,
      ws,
      'alert.fired',
      {
        workspace: await workspaceRef(trx, ws),
        rule: { id: rule.id, name: rule.name, condition: rule.condition },
        subject,
        summary,
        values,
        fired_at: now.toISOString(),
      },
      { kinds, now },
    );
  }
}
