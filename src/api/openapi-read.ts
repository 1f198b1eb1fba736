// The read API's part of the OpenAPI document (merged into src/ingest/openapi.ts): GET /usage,
// GET /users, GET /users/{id}/interactions, with parameters, response schemas and examples.
import { SURFACES, TOKEN_KINDS, USER_STATUSES } from '../domain/model';
import { BUCKETS, DIMENSIONS, METRICS, USAGE_SOURCES, sourceDimensions } from './usage-spec';
import { USAGE_DEFAULT_LIMIT, USAGE_MAX_DAYS, USAGE_MAX_LIMIT } from './usage';
import { INTERACTION_COLUMNS, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, USER_COLUMNS } from './users';
import type { OutputColumn } from './output';

const BASE = 'https://console.example.com';
const AUTH = '-H "Authorization: Bearer $UC_API_KEY"';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const err = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });

function curlGet(pathAndQuery: string, accept?: string): { lang: string; label: string; source: string } {
  return { lang: 'shell', label: 'curl', source: `curl -sS ${AUTH}${accept ? ` \\\n  -H "Accept: ${accept}"` : ''} \\\n  '${BASE}/api/v1${pathAndQuery}'` };
}

const readErrors = {
  '400': err('A parameter is invalid (the message names it), the cursor belongs to another query (`invalid_cursor`), or the combination has no rollup (`unsupported_combination`).'),
  '401': err('Missing, invalid or revoked API key.'),
  '403': err('The key lacks the `read` scope (`insufficient_scope`).'),
  '406': err('The Accept header names none of application/json, application/x-ndjson, text/csv.'),
  '429': { description: 'Rate limit of the key exceeded; retry after `Retry-After` seconds.', headers: { 'Retry-After': { schema: { type: 'integer' } } }, content: { 'application/json': { schema: ref('Error') } } },
};

const pageHeaders = {
  'X-Next-Cursor': { schema: { type: 'string' }, description: 'The next page\'s cursor (also `next_cursor` in JSON); absent on the last page.' },
  Link: { schema: { type: 'string' }, description: '`<...&cursor=...>; rel="next"` when more rows follow.' },
};

const formats = (schema: unknown, example: unknown, csv: string) => ({
  'application/json': { schema, example },
  'application/x-ndjson': { schema: { type: 'string' }, description: 'One JSON row per line (the objects of `data`).' },
  'text/csv': { schema: { type: 'string' }, example: csv },
});

const q = (name: string, description: string, schema: Record<string, unknown>, example?: unknown) => ({ name, in: 'query', required: false, description, schema, ...(example !== undefined ? { example } : {}) });
const common = (defaultLimit: number, maxLimit: number) => [
  q('cursor', 'The `next_cursor` of the previous page; repeat the other parameters unchanged.', { type: 'string' }),
  q('limit', `Rows per page (default ${defaultLimit}, at most ${maxLimit}).`, { type: 'integer', minimum: 1, maximum: maxLimit, default: defaultLimit }),
  q('format', 'Output format; overrides the Accept header.', { type: 'string', enum: ['json', 'ndjson', 'csv'] }),
];

function rowSchema(cols: OutputColumn[]) {
  const t = (c: OutputColumn) =>
    c.type === 'integer' ? { type: 'integer' } : c.type === 'boolean' ? { type: 'boolean' } : c.type === 'datetime' ? { type: ['string', 'null'], format: 'date-time' } : c.type === 'date' ? { type: 'string', format: 'date' } : { type: ['string', 'null'] };
  return { type: 'object', properties: Object.fromEntries(cols.map((c) => [c.key, { ...t(c), description: c.description }])) };
}

const combos = METRICS.map((m) => {
  const sets = USAGE_SOURCES.filter((s) => s.metrics[m]).map((s) => `{${sourceDimensions(s).join(', ')}}`);
  return `\`${m}\`: ${sets.join(' or ')}`;
}).join('; ');

export function readApiPaths() {
  return {
    '/usage': {
      get: {
        operationId: 'getUsage',
        summary: 'Usage totals from the rollups (read scope)',
        description:
          'Tokens, interactions, credits, active users or logins over a range of reporting days (workspace time zone), optionally grouped by dimensions and bucketed by day, Monday-start week or month. ' +
          'Read from the daily and monthly rollups (never raw events), so the numbers equal the Usage page and Token Statistics for the same range. ' +
          `Rows are sorted by bucket, then by the dimensions in \`group_by\` order; rows whose value is 0 are left out. A dimension may be grouped and filtered together only where one rollup holds it: ${combos}. Any other combination is a 400 \`unsupported_combination\` naming it. ` +
          '`group` and `department` are the user\'s current ones (a user in two groups counts in both); `active_users` counts distinct users with at least one interaction in each bucket, so buckets do not add up. ' +
          'Bucket labels are the first day of the bucket, also when the range starts inside it.',
        parameters: [
          q('metric', 'What to measure.', { type: 'string', enum: [...METRICS], default: 'tokens' }, 'tokens'),
          q('group_by', `Comma-separated dimensions: ${DIMENSIONS.join(', ')}.`, { type: 'string' }, 'user,token_kind'),
          q('bucket', 'Time bucket; `none` returns totals over the range (no `bucket` field).', { type: 'string', enum: [...BUCKETS], default: 'none' }, 'month'),
          q('from', 'First reporting day (YYYY-MM-DD, workspace time zone). Default: the start of the rolling 12 months ending `to`.', { type: 'string', format: 'date' }, '2026-01-01'),
          q('to', `Last reporting day, inclusive. Default: yesterday. At most ${USAGE_MAX_DAYS} days per request.`, { type: 'string', format: 'date' }, '2026-12-31'),
          q('user', 'Filter: emails, comma-separated.', { type: 'string' }),
          q('group', 'Filter: platform group ids (members now).', { type: 'string' }),
          q('department', 'Filter: departments.', { type: 'string' }),
          q('model', 'Filter: models.', { type: 'string' }),
          q('surface', `Filter: ${SURFACES.join(', ')}.`, { type: 'string' }),
          q('agent', 'Filter: platform agent ids.', { type: 'string' }),
          q('token_kind', `Filter: ${TOKEN_KINDS.join(', ')}.`, { type: 'string' }),
          ...common(USAGE_DEFAULT_LIMIT, USAGE_MAX_LIMIT),
        ],
        responses: {
          '200': {
            description: 'One page of rows. NDJSON and CSV carry the same fields (`bucket` when bucketed, one column per `group_by` dimension, `value`).',
            headers: pageHeaders,
            content: formats(
              ref('UsagePage'),
              { data: [{ bucket: '2026-11-01', user: 'ada@example.com', value: 182340 }, { bucket: '2026-11-01', user: 'grace@example.com', value: 90211 }], next_cursor: 'eyJrIjpbIjIwMjYtMTEtMDEiLCJncmFjZUBleGFtcGxlLmNvbSJdLCJmIjoiYWJjIn0' },
              'bucket,user,value\r\n2026-11-01,"ada@example.com",182340\r\n',
            ),
          },
          ...readErrors,
        },
        'x-codeSamples': [curlGet('/usage?metric=tokens&group_by=user&bucket=month&from=2026-01-01&to=2026-12-31')],
      },
    },
    '/users': {
      get: {
        operationId: 'listUsers',
        summary: 'The roster (read scope)',
        description: 'Every user of the workspace in id order, with their last activity; keyset-paged.',
        parameters: [q('status', 'Filter by status.', { type: 'string', enum: [...USER_STATUSES] }), ...common(LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT)],
        responses: {
          '200': {
            description: 'One page of users.',
            headers: pageHeaders,
            content: formats(
              { type: 'object', properties: { data: { type: 'array', items: ref('ApiUser') }, next_cursor: { type: ['string', 'null'] } } },
              { data: [{ id: 42, email: 'ada@example.com', name: 'Ada Lovelace', role: 'member', department: 'Engineering', status: 'active', invited_at: '2026-01-05T15:00:00.000Z', joined_at: '2026-01-06T09:12:00.000Z', revoked_at: null, last_active_at: '2026-12-06T17:40:03.120Z' }], next_cursor: null },
              'id,email,name,role,department,status,invited_at,joined_at,revoked_at,last_active_at\r\n',
            ),
          },
          ...readErrors,
        },
        'x-codeSamples': [curlGet('/users?status=active&limit=500')],
      },
    },
    '/users/{id}/interactions': {
      get: {
        operationId: 'listUserInteractions',
        summary: 'One user\'s interactions (read scope)',
        description:
          'The activity log of one user, newest first, keyset-paged: the same columns as the Activity Logs page and its CSV. `{id}` is the user id from GET /users, or the email. ' +
          'Prompt text removed by the workspace\'s retention policy is `null` with `prompt_removed: true`; interactions older than the raw-row retention are no longer listed (their totals stay in GET /usage).',
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'User id or email.' },
          q('from', 'First reporting day (workspace time zone).', { type: 'string', format: 'date' }),
          q('to', 'Last reporting day, inclusive.', { type: 'string', format: 'date' }),
          q('model', 'Only this model.', { type: 'string' }),
          q('surface', 'Only this surface.', { type: 'string', enum: [...SURFACES] }),
          q('token_kind', 'Only this kind.', { type: 'string', enum: [...TOKEN_KINDS] }),
          q('training', 'Only training runs (true) or only the others (false).', { type: 'string', enum: ['true', 'false'] }),
          ...common(LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT),
        ],
        responses: {
          '200': {
            description: 'One page of interactions.',
            headers: pageHeaders,
            content: formats(
              { type: 'object', properties: { data: { type: 'array', items: ref('ApiInteraction') }, next_cursor: { type: ['string', 'null'] } } },
              { data: [{ id: 918273, occurred_at: '2026-12-06T17:40:03.120Z', occurred_at_local: '2026-12-06 11:40:03', day: '2026-12-06', surface: 'chat', token_kind: 'inference', output: 'text', model: 'gpt-4o', agent: null, prompt: 'Summarise the Q3 report', prompt_removed: false, prompt_tokens: 812, completion_tokens: 240, total_tokens: 1052, training: false, iq_layers: 'brand_voice', credits_charged: 0, ip: '203.0.113.7' }], next_cursor: null },
              INTERACTION_COLUMNS.map((c) => c.key).join(',') + '\r\n',
            ),
          },
          '404': err('No user with this id or email in the key\'s workspace.'),
          ...readErrors,
        },
        'x-codeSamples': [curlGet('/users/ada@example.com/interactions?from=2026-12-01&limit=200', 'application/x-ndjson')],
      },
    },
  };
}

export function readApiSchemas() {
  return {
    UsageRow: {
      type: 'object',
      required: ['value'],
      properties: {
        bucket: { type: 'string', format: 'date', description: 'First day of the bucket (absent without a bucket).' },
        ...Object.fromEntries(DIMENSIONS.map((d) => [d, { type: ['string', 'null'], description: `Present when grouped by ${d}.` }])),
        value: { type: 'integer', description: 'The metric for the row.' },
      },
    },
    UsagePage: {
      type: 'object',
      required: ['data', 'next_cursor'],
      properties: { data: { type: 'array', items: ref('UsageRow') }, next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last page.' } },
    },
    ApiUser: rowSchema(USER_COLUMNS),
    ApiInteraction: rowSchema(INTERACTION_COLUMNS),
  };
}
