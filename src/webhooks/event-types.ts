// The webhook event types: one specification read by the outbox (valid types), the endpoint form
// (checkboxes), the OpenAPI document (`webhooks`), the Slack formatter and the docs' examples.

const workspace = {
  type: 'object',
  required: ['id', 'slug'],
  properties: { id: { type: 'integer' }, slug: { type: 'string' } },
} as const;

const userRef = {
  type: 'object',
  required: ['id', 'email'],
  properties: { id: { type: 'integer' }, email: { type: 'string', format: 'email' }, name: { type: 'string' } },
} as const;

const subject = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', enum: ['workspace', 'group', 'user'] },
    id: { type: ['integer', 'null'] },
    name: { type: ['string', 'null'], description: 'User e-mail, group name or workspace name.' },
  },
} as const;

export interface EventTypeSpec {
  type: string;
  summary: string;
  /** JSON schema of `data` */
  schema: Record<string, unknown>;
  example: Record<string, unknown>;
}

const ws = { id: 1, slug: 'acme' };

export const EVENT_TYPES: EventTypeSpec[] = [
  {
    type: 'alert.fired',
    summary: 'An alert rule fired (once per crossing; it fires again only after the condition cleared).',
    schema: {
      type: 'object',
      required: ['workspace', 'rule', 'subject', 'summary', 'values', 'fired_at'],
      properties: {
        workspace,
        rule: { type: 'object', required: ['id', 'name', 'condition'], properties: { id: { type: 'integer' }, name: { type: 'string' }, condition: { type: 'string', enum: ['pool_below', 'cap_reached', 'allocation_above', 'usage_spike'] } } },
        subject,
        summary: { type: 'string' },
        values: { type: 'object', additionalProperties: true, description: 'The numbers at the moment it fired (balance, percent, value, mean, stddev...).' },
        fired_at: { type: 'string', format: 'date-time' },
      },
    },
    example: {
      workspace: ws,
      rule: { id: 7, name: 'Daily token spike', condition: 'usage_spike' },
      subject: { type: 'user', id: 42, name: 'ada@example.com' },
      summary: 'ada@example.com used 182,000 tokens on 2026-12-06, 4.1 standard deviations above the 28-day mean of 21,500',
      values: { day: '2026-12-06', metric: 'tokens', value: 182000, mean: 21500, stddev: 39100, k: 3 },
      fired_at: '2026-12-07T06:00:04.120Z',
    },
  },
  {
    type: 'credits.threshold_crossed',
    summary: "The shared credit pool fell to or below the level of one of the workspace's \"balance at or below\" alert rules that sends to webhooks or Slack; one event per level crossed.",
    schema: {
      type: 'object',
      required: ['workspace', 'threshold', 'balance', 'payg_enabled'],
      properties: { workspace, threshold: { type: 'number' }, balance: { type: 'number' }, payg_enabled: { type: 'boolean' } },
    },
    example: { workspace: ws, threshold: 1000, balance: 912.5, payg_enabled: false },
  },
  {
    type: 'credits.cap_reached',
    summary: "This month's pay-as-you-go use reached the monthly cap (sent by the workspace's \"cap reached\" alert rules that send to webhooks or Slack).",
    schema: {
      type: 'object',
      required: ['workspace', 'month', 'cap', 'payg_used'],
      properties: { workspace, month: { type: 'string', pattern: '^\\d{4}-\\d{2}$' }, cap: { type: 'number' }, payg_used: { type: 'number' } },
    },
    example: { workspace: ws, month: '2026-12', cap: 5000, payg_used: 5012 },
  },
  {
    type: 'access_request.created',
    summary: 'A member asked for permission to spend credits.',
    schema: {
      type: 'object',
      required: ['workspace', 'request_id', 'user', 'note'],
      properties: { workspace, request_id: { type: 'integer' }, user: userRef, note: { type: ['string', 'null'] } },
    },
    example: { workspace: ws, request_id: 15, user: { id: 42, email: 'ada@example.com', name: 'Ada Lovelace' }, note: 'For the Q1 research agent runs' },
  },
  {
    type: 'access_request.decided',
    summary: 'An admin approved or denied a credit access request.',
    schema: {
      type: 'object',
      required: ['workspace', 'request_id', 'user', 'decision', 'decided_by'],
      properties: { workspace, request_id: { type: 'integer' }, user: userRef, decision: { type: 'string', enum: ['approved', 'denied'] }, decided_by: { type: ['string', 'null'] } },
    },
    example: { workspace: ws, request_id: 15, user: { id: 42, email: 'ada@example.com', name: 'Ada Lovelace' }, decision: 'approved', decided_by: 'admin@example.com' },
  },
  {
    type: 'user.revoked',
    summary: "A user's access was revoked (they can no longer sign in; their history stays).",
    schema: {
      type: 'object',
      required: ['workspace', 'user', 'revoked_by'],
      properties: { workspace, user: userRef, revoked_by: { type: ['string', 'null'] } },
    },
    example: { workspace: ws, user: { id: 42, email: 'ada@example.com', name: 'Ada Lovelace' }, revoked_by: 'admin@example.com' },
  },
  {
    type: 'limit.exceeded',
    summary: 'A user, group or the workspace reached a limit: a monthly allocation, or a layered limit per day, week or month (once per limit, subject and period).',
    schema: {
      type: 'object',
      required: ['workspace', 'subject', 'metric', 'period', 'limit', 'used'],
      properties: {
        workspace,
        subject,
        metric: { type: 'string', enum: ['inference_tokens', 'embedding_tokens', 'credits'] },
        period: { type: 'string', description: 'YYYY-MM for a month, otherwise the YYYY-MM-DD the day or (Monday) week starts (workspace time zone)' },
        limit_period: { type: 'string', enum: ['day', 'week', 'month'], description: 'layered limits only' },
        mode: { type: 'string', enum: ['soft', 'hard'], description: 'layered limits only' },
        limit: { type: 'number' },
        used: { type: 'number' },
      },
    },
    example: { workspace: ws, subject: { type: 'user', id: 42, name: 'ada@example.com' }, metric: 'inference_tokens', period: '2026-12', limit: 1000000, used: 1000412 },
  },
];

/** Sent only by "Send test"; endpoints need not subscribe to it. */
export const TEST_EVENT_TYPE = 'webhook.test';

export const EVENT_TYPE_NAMES = EVENT_TYPES.map((e) => e.type);
export type EventType = (typeof EVENT_TYPES)[number]['type'];

export function isEventType(t: string): boolean {
  return EVENT_TYPE_NAMES.includes(t);
}

/** The `webhooks` section of the OpenAPI 3.1 document: one POST per event type. */
export function openApiWebhooks(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of EVENT_TYPES) {
    out[e.type] = {
      post: {
        summary: e.summary,
        description:
          'Signed per Standard Webhooks: `webhook-id` (the same on every retry: deduplicate on it), `webhook-timestamp` (Unix seconds), ' +
          '`webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` under the endpoint secret). Answer 2xx within 10 seconds; anything else is retried with backoff for about a day.',
        parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({ name, in: 'header', required: true, schema: { type: 'string' } })),
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['type', 'timestamp', 'data'],
                properties: { type: { type: 'string', const: e.type }, timestamp: { type: 'string', format: 'date-time' }, data: e.schema },
              },
              example: { type: e.type, timestamp: '2026-12-07T06:00:04.120Z', data: e.example },
            },
          },
        },
        responses: { '2XX': { description: 'Received; not sent again.' } },
      },
    };
  }
  return out;
}
