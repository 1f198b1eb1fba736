// The OpenAPI 3.1 description of the ingestion API v1, served at GET /api/v1/openapi.json and
// rendered on /admin/api-keys/docs. Keep it in step with schemas.ts (a test checks the basics).
import { CREDIT_CATEGORIES, IQ_LAYERS, OUTPUTS, ROLES, SURFACES, TOKEN_KINDS, USER_STATUSES } from '../domain/model';
import { openApiWebhooks } from '../webhooks/event-types';
import { authorizePaths, authorizeSchemas } from '../limits/openapi';
import { MAX_BATCH_ITEMS, AGENT_KINDS, AGENT_VISIBILITIES, RECORD_STATUSES, MAX_GROUP_MEMBERS } from './schemas';
import { readApiPaths, readApiSchemas } from './openapi-read';

const BASE = 'https://console.example.com';
const AUTH = '-H "Authorization: Bearer $UC_API_KEY"';
const JSONH = '-H "Content-Type: application/json"';

function curl(method: string, path: string, body: unknown): { lang: string; label: string; source: string } {
  const json = JSON.stringify(body, null, 2).replace(/'/g, "'\\''");
  return { lang: 'shell', label: 'curl', source: `curl -sS -X ${method} ${BASE}/api/v1${path} \\\n  ${AUTH} \\\n  ${JSONH} \\\n  --data '${json}'` };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });

const commonErrors = {
  '400': errorResponse('Malformed JSON.'),
  '401': errorResponse('Missing, invalid or revoked API key.'),
  '413': errorResponse('Body larger than 10 MB, or more than 1000 items in a batch.'),
  '415': errorResponse('Content-Type is not application/json.'),
  '422': errorResponse('The body does not match the schema; `message` names each field.'),
  '429': {
    description: 'Rate limit of the key exceeded; retry after `Retry-After` seconds.',
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } },
    content: { 'application/json': { schema: ref('Error') } },
  },
  '503': {
    description: 'The database failed mid-request; nothing from the request was stored. Retry (the same ids stay idempotent).',
    headers: { 'Retry-After': { schema: { type: 'integer' } } },
    content: { 'application/json': { schema: ref('Error') } },
  },
};

const exampleEvent = {
  id: 'evt_01JD8Z6Q2W',
  user: 'ada@example.com',
  occurred_at: '2026-11-24T15:04:05-06:00',
  kind: 'inference',
  surface: 'chat',
  output: 'text',
  agent: 'seo-writer',
  iq_layers: ['brand_voice', 'knowledge'],
  model: 'gpt-4o',
  prompt_tokens: 812,
  completion_tokens: 356,
  training: false,
  ip: '203.0.113.7',
  prompt: 'Write a product description for ...',
  billable: { category: 'agents', units: 1 },
};

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Usage Console ingestion API',
      version: '1.0.0',
      description:
        'How the AI platform feeds the Usage Console: usage events, logins, the user roster, agents and groups, and credit quotes. ' +
        'Every call carries `Authorization: Bearer <key>`; a key belongs to one workspace and only reads or writes that workspace. ' +
        'Bodies are JSON (`Content-Type: application/json`, at most 10 MB). Errors are `{"error": {"code", "message", "details"}}`. ' +
        'Each key carries scopes: `ingest` for the write endpoints, `read` for GET /usage, GET /users and GET /users/{id}/interactions (BI tools); a key outside its scope gets 403 `insufficient_scope`. Identity providers provision users and groups through SCIM 2.0 at `/scim/v2` (a key with the `scim` scope; see externalDocs).',
    },
    externalDocs: { description: 'SCIM 2.0 provisioning (/scim/v2: Users, Groups, ServiceProviderConfig, Schemas, ResourceTypes) and single sign-on: docs/identity.md', url: '/admin/settings/sign-in#scim' },
    servers: [{ url: '/api/v1', description: 'This console' }],
    security: [{ bearerAuth: [] }],
    paths: {
      '/events': {
        post: {
          operationId: 'postEvents',
          summary: 'Record usage events (AI interactions)',
          description:
            `At most ${MAX_BATCH_ITEMS} events per call. Each event is validated on its own: valid events are stored even when others in the batch are rejected. ` +
            'An `id` already seen in this workspace (in this batch, an earlier one, or through another key) counts as a duplicate and changes nothing, so retrying a batch is safe. ' +
            '`occurred_at` must carry a UTC offset, lie no more than 5 minutes in the future and no earlier than the same day one year ago (workspace time zone). ' +
            'Unknown users are rejected unless the workspace invites unknown users automatically. The valid events of a call, their rollups and their credit charges are stored in one transaction.',
          requestBody: { required: true, content: { 'application/json': { schema: ref('EventBatch'), example: { events: [exampleEvent] } } } },
          responses: { '200': { description: 'Batch processed.', content: { 'application/json': { schema: ref('BatchResult') } } }, ...commonErrors },
          'x-codeSamples': [curl('POST', '/events', { events: [exampleEvent] })],
        },
      },
      '/logins': {
        post: {
          operationId: 'postLogins',
          summary: 'Record platform web-app logins',
          description: `At most ${MAX_BATCH_ITEMS} logins per call; a repeated (user, occurred_at) is a duplicate. Same time window and answer as events (rejections carry \`id: null\`).`,
          requestBody: { required: true, content: { 'application/json': { schema: ref('LoginBatch') } } },
          responses: { '200': { description: 'Batch processed.', content: { 'application/json': { schema: ref('BatchResult') } } }, ...commonErrors },
          'x-codeSamples': [curl('POST', '/logins', { logins: [{ user: 'ada@example.com', occurred_at: '2026-11-24T08:30:00Z', ip: '203.0.113.7' }] })],
        },
      },
      '/users/{email}': {
        put: {
          operationId: 'putUser',
          summary: 'Create or update a user of the roster',
          description:
            'Upsert by email (case-insensitive). Fields left out keep their value (new users: member, invited, name from the email). ' +
            'Setting `status` to `active` stamps `joined_at` the first time; `revoked` stamps `revoked_at`. Changes are written to the audit log as `api-key:<prefix>`.',
          parameters: [{ name: 'email', in: 'path', required: true, schema: { type: 'string', format: 'email' } }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('UserUpsert') } } },
          responses: {
            '200': { description: 'Updated.', content: { 'application/json': { schema: ref('UserResult') } } },
            '201': { description: 'Created.', content: { 'application/json': { schema: ref('UserResult') } } },
            ...commonErrors,
          },
          'x-codeSamples': [curl('PUT', '/users/ada@example.com', { name: 'Ada Lovelace', department: 'Engineering', status: 'active', max_inference_tokens: 2000000 })],
        },
      },
      '/agents/{id}': {
        put: {
          operationId: 'putAgent',
          summary: 'Create or update an agent',
          description: 'Upsert by the platform\'s agent id. Events refer to agents by this id.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: ref('ExternalId') }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('AgentUpsert') } } },
          responses: {
            '200': { description: 'Updated.', content: { 'application/json': { schema: ref('AgentResult') } } },
            '201': { description: 'Created.', content: { 'application/json': { schema: ref('AgentResult') } } },
            ...commonErrors,
          },
          'x-codeSamples': [curl('PUT', '/agents/seo-writer', { name: 'SEO Writer', kind: 'custom', type: 'seo', visibility: 'shared', creator: 'ada@example.com' })],
        },
      },
      '/groups/{id}': {
        put: {
          operationId: 'putGroup',
          summary: 'Create or update a group and its members',
          description: 'Upsert by the platform\'s group id. `members`, when given, replaces the membership; every member must already be a user of the workspace (422 lists unknown emails, nothing is changed).',
          parameters: [{ name: 'id', in: 'path', required: true, schema: ref('ExternalId') }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('GroupUpsert') } } },
          responses: {
            '200': { description: 'Updated.', content: { 'application/json': { schema: ref('GroupResult') } } },
            '201': { description: 'Created.', content: { 'application/json': { schema: ref('GroupResult') } } },
            ...commonErrors,
          },
          'x-codeSamples': [curl('PUT', '/groups/marketing', { name: 'Marketing', knowledge_applied: true, brand_voice_applied: true, members: ['ada@example.com', 'grace@example.com'] })],
        },
      },
      '/credits/quote': {
        post: {
          operationId: 'quoteCredits',
          summary: 'Quote the credit cost of an action before it runs',
          description: 'Returns what the action would cost and whether it may run now (user permission, pool balance, pay-as-you-go cap). Nothing is charged.',
          requestBody: { required: true, content: { 'application/json': { schema: ref('QuoteRequest') } } },
          responses: { '200': { description: 'The quote.', content: { 'application/json': { schema: ref('Quote') } } }, ...commonErrors },
          'x-codeSamples': [curl('POST', '/credits/quote', { user: 'ada@example.com', billable: { category: 'agents', units: 1, agent: 'seo-writer' } })],
        },
      },
      ...readApiPaths(),
      ...authorizePaths(curl, commonErrors),
    },
    // Events the console POSTs to admins' endpoints (Standard Webhooks), one schema per type.
    webhooks: openApiWebhooks(),
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A key from Admin > API keys, e.g. `uc_k3j9x0a1b2c3_...`.' } },
      schemas: {
        ExternalId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$', description: 'The platform\'s id (1-128 characters).' },
        Timestamp: { type: 'string', format: 'date-time', description: 'ISO 8601 with a UTC offset (`Z` or `±hh:mm`).', examples: ['2026-11-24T15:04:05Z'] },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: {
                code: { type: 'string', examples: ['unauthorized', 'malformed_json', 'validation_failed', 'too_many_items', 'payload_too_large', 'unsupported_media_type', 'rate_limited', 'unavailable'] },
                message: { type: 'string', description: 'Human-readable; names the offending field.' },
                details: { description: 'Field -> message, or other structured detail; null when none.' },
              },
            },
          },
        },
        Billable: {
          type: 'object',
          required: ['category', 'units'],
          properties: { category: { type: 'string', enum: [...CREDIT_CATEGORIES] }, units: { type: 'number', minimum: 0, maximum: 1000000, description: 'Billable units (rows, calls, runs).' } },
        },
        Event: {
          type: 'object',
          required: ['id', 'user', 'occurred_at', 'kind', 'model', 'prompt_tokens', 'completion_tokens'],
          properties: {
            id: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$', description: 'Client event id (printable ASCII, no spaces): the idempotency key, unique per workspace, forever. Make ids unique regardless of letter case (MySQL/MariaDB compare them case-insensitively).' },
            user: { type: 'string', format: 'email', description: 'Email of a user of the workspace.' },
            occurred_at: ref('Timestamp'),
            kind: { type: 'string', enum: [...TOKEN_KINDS] },
            surface: { type: ['string', 'null'], maxLength: 64, description: `One of ${SURFACES.join(', ')}; anything else is stored as other.` },
            output: { type: ['string', 'null'], enum: [...OUTPUTS, null], default: 'text' },
            agent: { type: ['string', 'null'], description: 'Id of an agent sent with PUT /agents/{id}.' },
            iq_layers: { type: ['array', 'null'], items: { type: 'string', enum: [...IQ_LAYERS] } },
            model: { type: 'string', minLength: 1, maxLength: 64 },
            prompt_tokens: { type: 'integer', minimum: 0, maximum: 1000000000 },
            completion_tokens: { type: 'integer', minimum: 0, maximum: 1000000000 },
            training: { type: ['boolean', 'null'], default: false, description: 'An embedding/training run.' },
            ip: { type: ['string', 'null'], description: 'IPv4 or IPv6 address of the end user.' },
            prompt: { type: ['string', 'null'], maxLength: 200000, description: 'Full prompt text; the first 500 characters are stored.' },
            billable: { oneOf: [ref('Billable'), { type: 'null' }] },
          },
        },
        EventBatch: { type: 'object', required: ['events'], properties: { events: { type: 'array', maxItems: MAX_BATCH_ITEMS, items: ref('Event') } } },
        Login: {
          type: 'object',
          required: ['user', 'occurred_at'],
          properties: { user: { type: 'string', format: 'email' }, occurred_at: ref('Timestamp'), ip: { type: ['string', 'null'] } },
        },
        LoginBatch: { type: 'object', required: ['logins'], properties: { logins: { type: 'array', maxItems: MAX_BATCH_ITEMS, items: ref('Login') } } },
        BatchResult: {
          type: 'object',
          required: ['accepted', 'duplicates', 'rejected'],
          properties: {
            accepted: { type: 'integer', description: 'Items stored by this call.' },
            duplicates: { type: 'integer', description: 'Items already stored before (or repeated in this batch): ignored.' },
            rejected: {
              type: 'array',
              description: 'Items not stored, each with its position, id and the reason (naming the field).',
              items: {
                type: 'object',
                required: ['index', 'id', 'error'],
                properties: {
                  index: { type: 'integer', description: 'Position in the request array (0-based).' },
                  id: { type: ['string', 'null'] },
                  error: { type: 'string', examples: ['occurred_at: not an ISO 8601 timestamp with offset (e.g. 2026-11-24T15:04:05Z)'] },
                },
              },
            },
          },
          examples: [{ accepted: 998, duplicates: 1, rejected: [{ index: 17, id: 'evt_17', error: 'user: no user with email ghost@example.com in this workspace' }] }],
        },
        UserUpsert: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            role: { type: 'string', enum: [...ROLES] },
            department: { type: ['string', 'null'], maxLength: 100 },
            status: { type: 'string', enum: [...USER_STATUSES] },
            max_inference_tokens: { type: 'integer', minimum: 0, description: 'Monthly inference token allocation (0 = none set).' },
            max_embedding_tokens: { type: 'integer', minimum: 0 },
            may_spend_credits: { type: 'boolean' },
          },
        },
        User: {
          type: 'object',
          properties: {
            email: { type: 'string' },
            name: { type: 'string' },
            role: { type: 'string', enum: [...ROLES] },
            department: { type: ['string', 'null'] },
            status: { type: 'string', enum: [...USER_STATUSES] },
            invited_at: { type: ['string', 'null'], format: 'date-time' },
            joined_at: { type: ['string', 'null'], format: 'date-time' },
            revoked_at: { type: ['string', 'null'], format: 'date-time' },
            max_inference_tokens: { type: 'integer' },
            max_embedding_tokens: { type: 'integer' },
            may_spend_credits: { type: 'boolean' },
          },
        },
        UserResult: { type: 'object', properties: { created: { type: 'boolean' }, user: ref('User') } },
        AgentUpsert: {
          type: 'object',
          required: ['name', 'kind'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            kind: { type: 'string', enum: [...AGENT_KINDS], description: 'public = platform-provided, custom = created in the workspace.' },
            type: { type: 'string', maxLength: 32, examples: ['research', 'seo', 'content'] },
            visibility: { type: 'string', enum: [...AGENT_VISIBILITIES] },
            creator: { type: ['string', 'null'], format: 'email' },
            status: { type: 'string', enum: [...RECORD_STATUSES] },
            created_at: ref('Timestamp'),
          },
        },
        AgentResult: { type: 'object', properties: { created: { type: 'boolean' }, agent: { type: 'object' } } },
        GroupUpsert: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            status: { type: 'string', enum: [...RECORD_STATUSES] },
            knowledge_applied: { type: 'boolean' },
            brand_voice_applied: { type: 'boolean' },
            members: { type: 'array', maxItems: MAX_GROUP_MEMBERS, items: { type: 'string', format: 'email' }, description: 'Replaces the membership when given.' },
          },
        },
        GroupResult: { type: 'object', properties: { created: { type: 'boolean' }, group: { type: 'object' } } },
        QuoteRequest: {
          type: 'object',
          required: ['user', 'billable'],
          properties: {
            user: { type: 'string', format: 'email' },
            billable: {
              type: 'object',
              required: ['category', 'units'],
              properties: {
                category: { type: 'string', enum: [...CREDIT_CATEGORIES] },
                units: { type: 'number', minimum: 0, maximum: 1000000, description: 'Billable units (rows, calls, runs).' },
                agent: {
                  type: ['string', 'null'],
                  minLength: 1,
                  maxLength: 128,
                  description: 'For category `agents`: id of the agent (sent with PUT /agents/{id}) the run goes through. Agent runs are priced by the agent\'s type (research, optimization, other); without it the "other agent run" price applies. An unknown id is a 422.',
                },
              },
            },
          },
        },
        ...authorizeSchemas,
        Quote: {
          type: 'object',
          required: ['credits', 'allowed', 'reason'],
          properties: { credits: { type: 'number' }, allowed: { type: 'boolean' }, reason: { type: ['string', 'null'], description: 'Why the action may not run, or null.' } },
        },
        ...readApiSchemas(),
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
