// The transactional outbox: an event row and one delivery row per subscribed endpoint, written with
// the caller's transaction, so a rolled-back change sends nothing and a committed one is delivered
// even if this process dies right after the commit (the delivery worker picks the rows up).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { toDbTime } from '../db/time';
import { isEventType, TEST_EVENT_TYPE } from './event-types';

export type EndpointKind = 'webhook' | 'slack';

export interface EnqueueOptions {
  /** only endpoints of these kinds (an alert rule's channels choose webhook and/or Slack) */
  kinds?: EndpointKind[];
  /** only this endpoint, whatever it subscribes to ("Send test") */
  endpointId?: number;
  now?: Date;
}

/** A Standard Webhooks message id: unique, the same on every retry. */
export function newMessageId(): string {
  return `msg_${crypto.randomBytes(12).toString('base64url')}`;
}

export function parseEventTypes(json: string | null | undefined): string[] {
  try {
    const v = JSON.parse(json ?? '[]');
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Writes the event and its deliveries inside `trx` (the transaction of the change that caused it).
 * Returns the event id, or null when no endpoint wants it (then nothing is written).
 */
export async function enqueueEvent(trx: Knex, workspaceId: number, type: string, data: Record<string, unknown>, opts: EnqueueOptions = {}): Promise<number | null> {
  if (type !== TEST_EVENT_TYPE && !isEventType(type)) throw new Error(`unknown webhook event type ${type}`);
  const q = trx('webhook_endpoints').select('id', 'kind', 'event_types').where({ workspace_id: workspaceId, enabled: true });
  if (opts.endpointId != null) q.where({ id: opts.endpointId });
  if (opts.kinds) q.whereIn('kind', opts.kinds);
  const endpoints = (await q).filter((e: { event_types: string }) => opts.endpointId != null || parseEventTypes(e.event_types).includes(type));
  if (endpoints.length === 0) return null;
  const now = opts.now ?? new Date();
  const at = toDbTime(now);
  const payload = JSON.stringify({ type, timestamp: now.toISOString(), data });
  const [eventId] = await trx('webhook_events').insert({ workspace_id: workspaceId, msg_id: newMessageId(), type, payload, created_at: at });
  await trx('webhook_deliveries').insert(
    endpoints.map((e: { id: number }) => ({ workspace_id: workspaceId, event_id: eventId, endpoint_id: e.id, status: 'pending', attempts: 0, next_attempt_at: at, created_at: at })),
  );
  return Number(eventId);
}

/** The `workspace` object every event's data carries. */
export async function workspaceRef(db: Knex, workspaceId: number): Promise<{ id: number; slug: string }> {
  const ws = await db('workspaces').select('id', 'slug').where({ id: workspaceId }).first();
  return { id: workspaceId, slug: ws?.slug ?? '' };
}
