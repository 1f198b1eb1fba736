// Slack incoming-webhook messages: one line an admin reads in a channel, per event type.
import { formatNumber } from '../http/format';

type Data = Record<string, any>;

/** One sentence per event (Slack text, also the fallback for notifications). */
export function describeEvent(type: string, data: Data): string {
  const n = (v: unknown) => formatNumber(Number(v ?? 0));
  switch (type) {
    case 'alert.fired':
      return `Alert "${data.rule?.name}": ${data.summary}`;
    case 'credits.threshold_crossed':
      return Number(data.threshold) === 0 ? `Credits used up: the pool balance is ${n(data.balance)}` : `Credit balance below ${n(data.threshold)}: ${n(data.balance)} left`;
    case 'credits.cap_reached':
      return `Pay-as-you-go cap of ${n(data.cap)} credits reached for ${data.month}`;
    case 'access_request.created':
      return `${data.user?.name ?? data.user?.email} asks for credit access${data.note ? `: “${data.note}”` : ''}`;
    case 'access_request.decided':
      return `Credit access request of ${data.user?.email} ${data.decision}${data.decided_by ? ` by ${data.decided_by}` : ''}`;
    case 'user.revoked':
      return `${data.user?.email} was revoked${data.revoked_by ? ` by ${data.revoked_by}` : ''}`;
    case 'limit.exceeded':
      return `${data.subject?.name ?? data.subject?.type} used ${n(data.used)} of ${n(data.limit)} ${String(data.metric).replace('_', ' ')} in ${data.period}`;
    case 'webhook.test':
      return 'Test message from Usage Console: this endpoint is set up.';
    default:
      return type;
  }
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The body posted to a Slack incoming webhook for an event payload ({type, timestamp, data}). */
export function slackMessage(payload: string): string {
  const p = JSON.parse(payload) as { type: string; timestamp: string; data: Data };
  const text = slackEscape(describeEvent(p.type, p.data ?? {}));
  const ws = p.data?.workspace?.slug ? ` · ${slackEscape(String(p.data.workspace.slug))}` : '';
  return JSON.stringify({
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Usage Console${ws} · \`${slackEscape(p.type)}\` · ${slackEscape(p.timestamp)}` }] },
    ],
  });
}
