// The Token Statistics fixture: a Chicago workspace with a handful of interactions placed on month
// boundaries (just before/after local midnight) and on both 2026 DST change days, users with
// awkward names, and a second workspace whose usage must never leak in. Every event carries the
// month it belongs to, worked out by hand from the wall-clock time noted next to it.
import type { Knex } from 'knex';
import type { Express } from 'express';
import { loginAs, type Agent } from '../helpers/app';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';

export { PASSWORD };

/** "Now" for the feature under test: 2026-12-10 12:00 in Chicago. This month = 2026-12, previous = 2026-11. */
export const NOW = new Date('2026-12-10T18:00:00Z');
export const TODAY = '2026-12-10';
export const THIS_MONTH = '2026-12';
export const PREV_MONTH = '2026-11';

export interface FixtureUser {
  key: string;
  email: string;
  name: string;
  role: 'admin' | 'member';
  department: string | null;
  status: 'invited' | 'active' | 'revoked';
  invitedAt: string; // UTC 'YYYY-MM-DD HH:MM:SS'
  joinedAt: string | null;
  revokedAt: string | null;
  maxInference: number;
  maxEmbedding: number;
}

export const USERS: FixtureUser[] = [
  { key: 'admin', email: 'admin@alpha.test', name: 'Alice Admin', role: 'admin', department: 'IT', status: 'active', invitedAt: '2025-11-20 15:00:00', joinedAt: '2025-11-20 16:00:00', revokedAt: null, maxInference: 0, maxEmbedding: 0 },
  { key: 'zoe', email: 'zoe@alpha.test', name: 'Zoë Ünicode 山田', role: 'member', department: 'R&D, "Labs"', status: 'active', invitedAt: '2025-11-21 09:00:00', joinedAt: '2025-11-22 10:30:00', revokedAt: null, maxInference: 1000000, maxEmbedding: 500000 },
  { key: 'quote', email: 'quote@alpha.test', name: 'O"Brien, Jr.\nSecond line', role: 'member', department: 'Sales', status: 'active', invitedAt: '2025-12-01 08:00:00', joinedAt: '2025-12-01 09:00:00', revokedAt: null, maxInference: 250000, maxEmbedding: 0 },
  { key: 'formula', email: 'formula@alpha.test', name: '=SUM(A1:A2)', role: 'member', department: '@x', status: 'active', invitedAt: '2025-12-02 08:00:00', joinedAt: '2025-12-03 09:00:00', revokedAt: null, maxInference: 5000, maxEmbedding: 100 },
  { key: 'plus', email: 'plus@alpha.test', name: '+1', role: 'member', department: '-1', status: 'invited', invitedAt: '2026-12-01 12:00:00', joinedAt: null, revokedAt: null, maxInference: 0, maxEmbedding: 0 },
  { key: 'minus', email: 'minus@alpha.test', name: '-1', role: 'member', department: null, status: 'revoked', invitedAt: '2025-12-05 08:00:00', joinedAt: '2025-12-06 08:00:00', revokedAt: '2026-06-30 17:00:00', maxInference: 10, maxEmbedding: 20 },
  { key: 'at', email: 'at@alpha.test', name: '@x', role: 'member', department: 'Tab\tInside', status: 'active', invitedAt: '2026-01-10 08:00:00', joinedAt: '2026-01-11 08:00:00', revokedAt: null, maxInference: 0, maxEmbedding: 0 },
];

export interface FixtureEvent {
  id: string;
  user: string; // key
  at: string; // UTC instant
  month: string; // the calendar month in Chicago, by hand
  kind: 'inference' | 'embedding';
  prompt: number;
  completion: number;
  model: string;
  training?: boolean;
  surface?: string;
}

export const EVENTS: FixtureEvent[] = [
  // 2025-12-15 12:00 CST
  { id: 'e1', user: 'zoe', at: '2025-12-15T18:00:00Z', month: '2025-12', kind: 'inference', prompt: 100, completion: 50, model: 'gpt-4o' },
  // 2026-01-31 23:30 CST (already February in UTC) -> January
  { id: 'e2', user: 'zoe', at: '2026-02-01T05:30:00Z', month: '2026-01', kind: 'inference', prompt: 1000, completion: 234, model: 'gpt-4o' },
  // 2026-02-01 00:30 CST -> February
  { id: 'e3', user: 'quote', at: '2026-02-01T06:30:00Z', month: '2026-02', kind: 'embedding', prompt: 5000, completion: 0, model: 'text-embed-3', training: true },
  // DST starts 2026-03-08: 01:59 CST, then 03:00 CDT one minute later
  { id: 'e4', user: 'quote', at: '2026-03-08T07:59:00Z', month: '2026-03', kind: 'inference', prompt: 200, completion: 100, model: 'claude-x' },
  { id: 'e5', user: 'formula', at: '2026-03-08T08:00:00Z', month: '2026-03', kind: 'inference', prompt: 10, completion: 5, model: 'claude-x' },
  // 2026-03-31 23:30 CDT (UTC-5) -> March; 2026-04-01 00:30 CDT -> April (UTC-6 would say March)
  { id: 'e6', user: 'formula', at: '2026-04-01T04:30:00Z', month: '2026-03', kind: 'embedding', prompt: 700, completion: 0, model: 'text-embed-3' },
  { id: 'e7', user: 'zoe', at: '2026-04-01T05:30:00Z', month: '2026-04', kind: 'inference', prompt: 40, completion: 2, model: 'gpt-4o' },
  // 2026-05-20 07:00 CDT, an inference that ingested a document
  { id: 'e8', user: 'formula', at: '2026-05-20T12:00:00Z', month: '2026-05', kind: 'inference', prompt: 500, completion: 0, model: 'gpt-4o', training: true },
  // 2026-10-31 23:30 CDT -> October
  { id: 'e9', user: 'zoe', at: '2026-11-01T04:30:00Z', month: '2026-10', kind: 'inference', prompt: 800, completion: 200, model: 'gpt-4o' },
  // DST ends 2026-11-01: 01:30 CDT, then 01:30 CST an hour later, both November 1
  { id: 'e10', user: 'quote', at: '2026-11-01T06:30:00Z', month: '2026-11', kind: 'inference', prompt: 60, completion: 40, model: 'claude-x' },
  { id: 'e11', user: 'quote', at: '2026-11-01T07:30:00Z', month: '2026-11', kind: 'embedding', prompt: 2500, completion: 0, model: 'text-embed-3', training: true },
  // 2026-11-30 23:30 CST -> November; 2026-12-01 00:30 CST -> December
  { id: 'e12', user: 'formula', at: '2026-12-01T05:30:00Z', month: '2026-11', kind: 'inference', prompt: 3000, completion: 1000, model: 'gpt-4o' },
  { id: 'e13', user: 'zoe', at: '2026-12-01T06:30:00Z', month: '2026-12', kind: 'inference', prompt: 70, completion: 30, model: 'gpt-4o' },
  { id: 'e14', user: 'at', at: '2026-12-09T12:00:00Z', month: '2026-12', kind: 'inference', prompt: 20, completion: 5, model: 'claude-x', surface: 'api' },
  { id: 'e15', user: 'minus', at: '2026-06-10T15:00:00Z', month: '2026-06', kind: 'embedding', prompt: 333, completion: 0, model: 'text-embed-3', training: true },
];

/** A login only (no interaction) for the invited user: their last activity. */
export const LOGINS = [{ user: 'plus', at: '2026-12-05T10:00:00Z' }];

/** The month the workspace was created (2025-11-20 09:00 CST): the first month of its history. */
export const WORKSPACE_CREATED = '2025-11-20 15:00:00.000';
export const FIRST_MONTH = '2025-11';

const emailOf = (key: string) => USERS.find((u) => u.key === key)!.email;
const toDb = (s: string | null) => (s ? new Date(s.replace(' ', 'T') + 'Z') : null);

export async function buildFixture(db: Knex) {
  const alpha = await createWorkspace(db, { slug: 'alpha', name: 'Alpha Inc', time_zone: 'America/Chicago', created_at: WORKSPACE_CREATED });
  const beta = await createWorkspace(db, { slug: 'beta', name: 'Beta LLC', time_zone: 'America/Chicago', created_at: '2024-01-01 00:00:00.000' });
  const ids: Record<string, number> = {};
  for (const u of USERS) {
    ids[u.key] = await createUser(db, alpha.id, {
      email: u.email,
      name: u.name,
      role: u.role,
      department: u.department,
      status: u.status,
      invitedAt: toDb(u.invitedAt),
      joinedAt: toDb(u.joinedAt),
      revokedAt: toDb(u.revokedAt),
      maxInferenceTokens: u.maxInference,
      maxEmbeddingTokens: u.maxEmbedding,
    });
  }
  await createUser(db, beta.id, { email: 'admin@beta.test', name: 'Bea Admin', role: 'admin' });
  await createUser(db, beta.id, { email: 'other@beta.test', name: 'Beta Person' });

  const result = await recordInteractions(
    db,
    alpha.id,
    EVENTS.map((e) => ({
      id: e.id,
      user: emailOf(e.user),
      occurredAt: new Date(e.at),
      kind: e.kind,
      surface: e.surface ?? 'chat',
      model: e.model,
      promptTokens: e.prompt,
      completionTokens: e.completion,
      training: !!e.training,
    })),
  );
  if (result.accepted !== EVENTS.length) throw new Error(`fixture: ${JSON.stringify(result)}`);
  await recordLogins(db, alpha.id, LOGINS.map((l) => ({ user: emailOf(l.user), occurredAt: new Date(l.at) })));
  // The other workspace: its usage must never appear in alpha's figures.
  await recordInteractions(db, beta.id, [
    { id: 'b1', user: 'other@beta.test', occurredAt: new Date('2026-06-15T15:00:00Z'), kind: 'inference', model: 'gpt-4o', promptTokens: 90000, completionTokens: 9999 },
    { id: 'b2', user: 'other@beta.test', occurredAt: new Date('2026-12-02T15:00:00Z'), kind: 'embedding', model: 'text-embed-3', promptTokens: 77777, completionTokens: 0, training: true },
  ]);
  return { alpha, beta, ids };
}

// ---- expectations, computed straight from the table above ----

export const tokensOf = (e: FixtureEvent) => e.prompt + e.completion;

export function monthsFrom(a: string, b: string): string[] {
  const out: string[] = [];
  let [y, m] = a.split('-').map(Number);
  const [by, bm] = b.split('-').map(Number);
  while (y < by || (y === by && m <= bm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m++;
    if (m === 13) {
      m = 1;
      y++;
    }
  }
  return out;
}

export function expectedMonth(month: string, events: FixtureEvent[] = EVENTS) {
  let inference = 0;
  let embedding = 0;
  for (const e of events) {
    if (e.month !== month) continue;
    if (e.kind === 'inference') inference += tokensOf(e);
    else embedding += tokensOf(e);
  }
  return { inference, embedding, total: inference + embedding };
}

/** Signs in through the real login form; these tests only read, so no CSRF token is fetched. */
export function signIn(app: Express, email: string): Promise<Agent> {
  return loginAs(app, email, PASSWORD, { csrf: false });
}
