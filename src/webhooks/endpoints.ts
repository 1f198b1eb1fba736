// Webhook and Slack endpoints of a workspace, and their deliveries (all SQL of the Webhooks pages).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { toDbTime } from '../db/time';
import { secretBox } from '../crypto/secret-box';
import { enqueueEvent, parseEventTypes, workspaceRef, type EndpointKind } from './outbox';
import { TEST_EVENT_TYPE } from './event-types';

export interface EndpointRow {
  id: number;
  workspace_id: number;
  kind: EndpointKind;
  description: string;
  url: string;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: string | null;
  created_at: string;
}

export interface EndpointInput {
  kind: EndpointKind;
  url: string;
  description: string;
  eventTypes: string[];
}

const COLUMNS = ['id', 'workspace_id', 'kind', 'description', 'url', 'event_types', 'enabled', 'disabled_reason', 'failing_since', 'created_at'];

function toRow(r: Record<string, unknown>): EndpointRow {
  return { ...(r as unknown as EndpointRow), id: Number(r.id), enabled: !!r.enabled, event_types: parseEventTypes(r.event_types as string) };
}

/** A Standard Webhooks secret: "whsec_" + base64 of 24 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString('base64')}`;
}

export async function listEndpoints(db: Knex, workspaceId: number): Promise<EndpointRow[]> {
  return (await db('webhook_endpoints').select(COLUMNS).where({ workspace_id: workspaceId }).orderBy('id')).map(toRow);
}

export async function getEndpoint(db: Knex, workspaceId: number, id: number): Promise<EndpointRow | null> {
  const r = await db('webhook_endpoints').select(COLUMNS).where({ workspace_id: workspaceId, id }).first();
  return r ? toRow(r) : null;
}

/** Creates an endpoint; the secret is returned once and stored only sealed. */
export async function createEndpoint(db: Knex, encryptionKey: string, workspaceId: number, input: EndpointInput): Promise<{ row: EndpointRow; secret: string }> {
  const secret = newSigningSecret();
  const now = toDbTime(new Date());
  const [id] = await db('webhook_endpoints').insert({
    workspace_id: workspaceId,
    kind: input.kind,
    description: input.description,
    url: input.url,
    event_types: JSON.stringify(input.eventTypes),
    secret_sealed: secretBox(encryptionKey).seal(secret),
    enabled: true,
    created_at: now,
    updated_at: now,
  });
  return { row: (await getEndpoint(db, workspaceId, Number(id)))!, secret };
}

export async function updateEndpoint(db: Knex, workspaceId: number, id: number, input: Omit<EndpointInput, 'kind'> & { enabled: boolean }): Promise<void> {
  const patch: Record<string, unknown> = { url: input.url, description: input.description, event_types: JSON.stringify(input.eventTypes), enabled: input.enabled, updated_at: toDbTime(new Date()) };
  // Enabling again starts a fresh failure window.
  if (input.enabled) Object.assign(patch, { disabled_reason: null, failing_since: null, failure_notified_at: null });
  await db('webhook_endpoints').where({ workspace_id: workspaceId, id }).update(patch);
}

export async function rotateSecret(db: Knex, encryptionKey: string, workspaceId: number, id: number): Promise<string> {
  const secret = newSigningSecret();
  await db('webhook_endpoints').where({ workspace_id: workspaceId, id }).update({ secret_sealed: secretBox(encryptionKey).seal(secret), updated_at: toDbTime(new Date()) });
  return secret;
}

export async function deleteEndpoint(db: Knex, workspaceId: number, id: number): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('webhook_deliveries').where({ endpoint_id: id, workspace_id: workspaceId }).delete();
    await trx('webhook_endpoints').where({ workspace_id: workspaceId, id }).delete();
  });
}

/** Queues a `webhook.test` message for this endpoint only. */
export async function sendTest(db: Knex, workspaceId: number, endpointId: number): Promise<number | null> {
  return db.transaction(async (trx) =>
    enqueueEvent(trx, workspaceId, TEST_EVENT_TYPE, { workspace: await workspaceRef(trx, workspaceId), message: 'Test message from Usage Console' }, { endpointId }),
  );
}

export interface DeliveryRow {
  id: number;
  event_id: number;
  msg_id: string;
  type: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  response_status: number | null;
  response_ms: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

/** An endpoint's deliveries, newest first, keyset on id. */
export async function listDeliveries(db: Knex, workspaceId: number, endpointId: number, before?: number, limit = 25): Promise<{ rows: DeliveryRow[]; nextBefore: number | null }> {
  const q = db('webhook_deliveries as d')
    .join('webhook_events as e', 'e.id', 'd.event_id')
    .select('d.id', 'd.event_id', 'e.msg_id', 'e.type', 'e.payload', 'd.status', 'd.attempts', 'd.next_attempt_at', 'd.response_status', 'd.response_ms', 'd.last_error', 'd.last_attempt_at', 'd.delivered_at', 'd.created_at')
    .where({ 'd.workspace_id': workspaceId, 'd.endpoint_id': endpointId })
    .orderBy('d.id', 'desc')
    .limit(limit + 1);
  if (before) q.where('d.id', '<', before);
  const rows = (await q) as DeliveryRow[];
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  return { rows: page, nextBefore: more ? Number(page[page.length - 1].id) : null };
}

/** Sends a delivery's event again to the same endpoint, as a new delivery (history is kept); returns the endpoint id. */
export async function resendDelivery(db: Knex, workspaceId: number, deliveryId: number): Promise<number | null> {
  const d = await db('webhook_deliveries').where({ id: deliveryId, workspace_id: workspaceId }).first();
  if (!d) return null;
  const at = toDbTime(new Date());
  await db('webhook_deliveries').insert({ workspace_id: workspaceId, event_id: d.event_id, endpoint_id: d.endpoint_id, status: 'pending', attempts: 0, next_attempt_at: at, created_at: at });
  return Number(d.endpoint_id);
}
