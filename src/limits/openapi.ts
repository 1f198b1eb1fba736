// The authorize call's part of the OpenAPI document (merged into src/ingest/openapi.ts).
import { CREDIT_ACTIONS } from './authorize';
import { METRICS, MODES, PERIODS, SCOPES } from './model';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const authorizeExamples = {
  request: { user: 'ada@example.com', tokens: { inference: 12000, embedding: 0 }, credits: { action: 'agent_research', quantity: 1 } },
  allow: {
    decision: 'allow',
    reasons: [],
    limits: [
      { scope: 'group', name: 'Engineering', metric: 'inference', period: 'month', limit: 500000, used: 212400, remaining: 287600, mode: 'hard', source: 'group_member', expires_at: null },
      { scope: 'workspace', name: 'Acme', metric: 'credits', period: 'week', limit: 200, used: 75, remaining: 125, mode: 'soft', source: 'workspace_default', expires_at: null },
    ],
  },
  deny: {
    decision: 'deny',
    reasons: ['Hard limit reached (user override, 1k inference tokens/day, hard: 990 used + 12,000 requested = 12,990 inference tokens, over the limit of 1,000).'],
    limits: [{ scope: 'user', name: 'ada@example.com', metric: 'inference', period: 'day', limit: 1000, used: 990, remaining: 10, mode: 'hard', source: 'user_override', expires_at: '2026-12-31T23:00:00.000Z' }],
  },
};

export function authorizePaths(curl: (method: string, path: string, body: unknown) => unknown, commonErrors: Record<string, unknown>) {
  return {
    '/authorize': {
      post: {
        operationId: 'authorize',
        summary: 'Ask before a run: may this user use these tokens or credits now?',
        description:
          'Needs a key with the `ingest` scope. Checks every limit that applies to the user — the user\'s override (or allocation), else their groups\' per-member limit, else the workspace default, plus each shared group budget — ' +
          'for the current day, week (from Monday) and month in the workspace time zone, against usage recorded through POST /events. ' +
          'Credit actions are priced by the same engine as POST /credits/quote (credit permission, pool balance, pay-as-you-go cap). ' +
          'A limit is crossed when used + requested goes past it (exactly at the limit is allowed): a hard limit denies, a soft one allows with a warning. ' +
          'Unknown and revoked users are denied with a reason. Nothing is recorded or reserved: usage counts when it is recorded.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('AuthorizeRequest'), example: authorizeExamples.request } } },
        responses: {
          '200': {
            description: 'The decision.',
            content: { 'application/json': { schema: ref('AuthorizeAnswer'), examples: { allow: { value: authorizeExamples.allow }, deny: { value: authorizeExamples.deny } } } },
          },
          '403': { description: 'The key lacks the `ingest` scope (`insufficient_scope`).', content: { 'application/json': { schema: ref('Error') } } },
          ...commonErrors,
        },
        'x-codeSamples': [curl('POST', '/authorize', authorizeExamples.request)],
      },
    },
  };
}

const count = { type: 'integer', minimum: 0, maximum: 1000000000 };

export const authorizeSchemas = {
  AuthorizeRequest: {
    type: 'object',
    required: ['user'],
    description: 'Name `tokens` and/or `credits`. A metric left out takes no part in the decision.',
    properties: {
      user: { type: 'string', maxLength: 255, description: "Email of a user of the workspace, or the identity provider's externalId of a user provisioned over SCIM." },
      tokens: { type: 'object', properties: { inference: count, embedding: count } },
      credits: {
        type: 'object',
        required: ['action'],
        properties: {
          action: { type: 'string', enum: [...CREDIT_ACTIONS], description: 'A billable category (`grid`, `api`, `agents`) or a price item of the price table.' },
          quantity: { type: 'number', minimum: 0, maximum: 1000000, default: 1, description: 'Units: rows, calls or runs.' },
          agent: { type: ['string', 'null'], description: 'For `agents`: the agent id, priced by its type.' },
        },
      },
    },
  },
  AuthorizeAnswer: {
    type: 'object',
    required: ['decision', 'reasons', 'limits'],
    properties: {
      decision: { type: 'string', enum: ['allow', 'allow_with_warning', 'deny'] },
      reasons: { type: 'array', items: { type: 'string' }, description: 'Why it is denied or warned; empty when allowed outright.' },
      limits: { type: 'array', items: ref('LimitStatus'), description: 'Every limit that applies to the user, for every metric.' },
    },
  },
  LimitStatus: {
    type: 'object',
    required: ['scope', 'name', 'metric', 'period', 'limit', 'used', 'remaining', 'mode', 'source', 'expires_at'],
    properties: {
      scope: { type: 'string', enum: [...SCOPES] },
      name: { type: 'string', description: 'The user\'s email, the group\'s name or the workspace\'s name.' },
      metric: { type: 'string', enum: [...METRICS] },
      period: { type: 'string', enum: [...PERIODS], description: 'Current day, week (Monday to Sunday) or calendar month, workspace time zone.' },
      limit: { type: 'integer' },
      used: { type: 'integer', description: 'Recorded usage in the current period (the group\'s total for a shared budget), before this request.' },
      remaining: { type: 'integer', description: 'max(0, limit - used).' },
      mode: { type: 'string', enum: [...MODES], description: '`hard` denies past the limit; `soft` allows with a warning.' },
      source: { type: 'string', enum: ['user_override', 'user_allocation', 'group_member', 'group_budget', 'workspace_default'] },
      expires_at: { type: ['string', 'null'], format: 'date-time', description: 'When a temporary limit stops applying (the next layer then applies).' },
    },
  },
};
