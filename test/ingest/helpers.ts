// Shared fixture of the ingestion API tests: two workspaces with keys, and small event builders.
import request from 'supertest';
import type { Express } from 'express';
import type { Knex } from 'knex';
import { createApiKey } from '../../src/apikeys/keys';

export async function keyFor(db: Knex, workspaceId: number, name = 'test key'): Promise<string> {
  return (await createApiKey(db, workspaceId, name, null)).key;
}

/** Noon UTC `n` days ago: the same calendar day in America/Chicago (06:00 or 07:00 there). */
export function daysAgoNoon(n: number): { iso: string; day: string } {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - n);
  return { iso: d.toISOString(), day: d.toISOString().slice(0, 10) };
}

export function event(id: string, fields: Record<string, unknown> = {}) {
  return {
    id,
    user: 'member@alpha.test',
    occurred_at: daysAgoNoon(3).iso,
    kind: 'inference',
    surface: 'chat',
    output: 'text',
    model: 'gpt-4o',
    prompt_tokens: 100,
    completion_tokens: 50,
    ...fields,
  };
}

export function post(app: Express, path: string, key: string | null, body: unknown) {
  const r = request(app).post(`/api/v1${path}`);
  if (key) r.set('Authorization', `Bearer ${key}`);
  return r.set('Content-Type', 'application/json').send(JSON.stringify(body));
}

export function put(app: Express, path: string, key: string | null, body: unknown) {
  const r = request(app).put(`/api/v1${path}`);
  if (key) r.set('Authorization', `Bearer ${key}`);
  return r.set('Content-Type', 'application/json').send(JSON.stringify(body));
}

export async function count(db: Knex, table: string, where: Record<string, unknown> = {}): Promise<number> {
  const row = await db(table).where(where).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function sum(db: Knex, table: string, column: string, where: Record<string, unknown> = {}): Promise<number> {
  const row = await db(table).where(where).sum({ s: column }).first();
  return Number(row?.s ?? 0);
}
