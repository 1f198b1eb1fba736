// The Usage page's small fixture, written through the real write path with fixed timestamps.
// "Now" is pinned to 2026-11-25 12:00 in Chicago: today = 2026-11-25, yesterday = 2026-11-24.
// Chicago is UTC-5 (CDT) until 2026-11-01 07:00 UTC, then UTC-6 (CST).
import type { Knex } from 'knex';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import { upsertAgent, upsertGroup } from '../../src/ingest/roster';
import type { InteractionInput } from '../../src/domain/model';

export const NOW = new Date('2026-11-25T18:00:00Z');
export const FILLERS = 26;

export interface UsageWorld {
  ws: number;
  seatWs: number;
  ids: Record<string, number>;
}

type Ev = Partial<InteractionInput> & { id: string; user: string; at: string };

/**
 * id   user  UTC instant            Chicago day  kind       surface   output agent  IQ                     billable
 * e1   ann   2026-11-01T04:30Z      2026-10-31   inference  chat      text   -      brand_voice            -
 * e2   ann   2026-11-01T05:30Z      2026-11-01   inference  agent     text   cus1   -                      agents x1
 * e3   bob   2026-11-02T05:30Z      2026-11-01   inference  (weird)   text   -      knowledge              -        (CST: still Sunday)
 * e4   ann   2026-11-02T06:30Z      2026-11-02   inference  (none)    image  -      -                      -        (Monday)
 * e5   ann   2026-01-01T03:00Z      2025-12-31   inference  chat      text   -      -                      -
 * e6   bob   2026-01-04T12:00Z      2026-01-04   inference  ask       text   -      audience               -
 * e7   ann   2026-01-05T07:00Z      2026-01-05   inference  grid      text   -      -                      grid x3
 * e8   cat   2026-11-25T15:00Z      2026-11-25   inference  chat      text   -      -                      -        (today)
 * e9   bob   2026-11-25T05:30Z      2026-11-24   inference  agent     text   pub1   brand_voice,knowledge  -        (yesterday)
 * e10  cat   2026-10-25T17:00Z      2026-10-25   inference  api       image  -      -                      api x2
 * e11  ann   2026-11-10T15:00Z      2026-11-10   embedding  chat      text   -      -                      -
 * e12  dan   2026-10-20T15:00Z      2026-10-20   inference  chat      text   -      -                      -
 */
export const EVENTS: Ev[] = [
  { id: 'e1', user: 'ann@acme.test', at: '2026-11-01T04:30:00Z', surface: 'chat', iqLayers: ['brand_voice'], promptTokens: 10, completionTokens: 5 },
  { id: 'e2', user: 'ann@acme.test', at: '2026-11-01T05:30:00Z', surface: 'agent', agent: 'cus1', billable: { category: 'agents', units: 1 }, promptTokens: 20, completionTokens: 7 },
  { id: 'e3', user: 'bob@acme.test', at: '2026-11-02T05:30:00Z', surface: 'teleport', iqLayers: ['knowledge'], promptTokens: 1, completionTokens: 1 },
  { id: 'e4', user: 'ann@acme.test', at: '2026-11-02T06:30:00Z', surface: null, output: 'image', promptTokens: 3, completionTokens: 0 },
  { id: 'e5', user: 'ann@acme.test', at: '2026-01-01T03:00:00Z', surface: 'chat', promptTokens: 1, completionTokens: 1 },
  { id: 'e6', user: 'bob@acme.test', at: '2026-01-04T12:00:00Z', surface: 'ask', iqLayers: ['audience'], promptTokens: 1, completionTokens: 1 },
  { id: 'e7', user: 'ann@acme.test', at: '2026-01-05T07:00:00Z', surface: 'grid', billable: { category: 'grid', units: 3 }, promptTokens: 1, completionTokens: 1 },
  { id: 'e8', user: 'cat@acme.test', at: '2026-11-25T15:00:00Z', surface: 'chat', promptTokens: 1, completionTokens: 1 },
  { id: 'e9', user: 'bob@acme.test', at: '2026-11-25T05:30:00Z', surface: 'agent', agent: 'pub1', iqLayers: ['knowledge', 'brand_voice'], promptTokens: 100, completionTokens: 50 },
  { id: 'e10', user: 'cat@acme.test', at: '2026-10-25T17:00:00Z', surface: 'api', output: 'image', billable: { category: 'api', units: 2 }, promptTokens: 1, completionTokens: 1 },
  { id: 'e11', user: 'ann@acme.test', at: '2026-11-10T15:00:00Z', surface: 'chat', kind: 'embedding', promptTokens: 500, completionTokens: 0 },
  { id: 'e12', user: 'dan@acme.test', at: '2026-10-20T15:00:00Z', surface: 'chat', promptTokens: 1, completionTokens: 1 },
];

/** Logins: bob's 2026-11-02T05:30Z login is Sunday 1 Nov in Chicago (week of 26 Oct). */
export const LOGINS = [
  { user: 'ann@acme.test', at: '2026-11-03T15:00:00Z' },
  { user: 'ann@acme.test', at: '2026-11-03T20:00:00Z' },
  { user: 'ann@acme.test', at: '2026-11-05T15:00:00Z' },
  { user: 'bob@acme.test', at: '2026-11-04T15:00:00Z' },
  { user: 'bob@acme.test', at: '2026-11-02T05:30:00Z' },
  { user: 'cat@acme.test', at: '2026-11-25T15:00:00Z' }, // today: not in "through yesterday" ranges
];

export async function buildUsageWorld(db: Knex): Promise<UsageWorld> {
  const acme = await createWorkspace(db, { slug: 'acme', name: 'Acme Corp', billing_mode: 'credits', time_zone: 'America/Chicago' });
  const seat = await createWorkspace(db, { slug: 'seaty', name: 'Seat Co', billing_mode: 'seat', time_zone: 'America/Chicago' });
  const ids: Record<string, number> = {};
  ids.admin = await createUser(db, acme.id, { email: 'admin@acme.test', name: 'Ada Admin', role: 'admin', department: 'IT' });
  ids.ann = await createUser(db, acme.id, { email: 'ann@acme.test', name: 'Ann Able', department: 'Marketing' });
  ids.bob = await createUser(db, acme.id, { email: 'bob@acme.test', name: 'Bob Baker', department: 'Sales' });
  ids.cat = await createUser(db, acme.id, { email: 'cat@acme.test', name: 'Cat Cole' });
  ids.dan = await createUser(db, acme.id, { email: 'dan@acme.test', name: 'Dan Drop', status: 'revoked', revokedAt: new Date('2026-10-01T12:00:00Z') });
  ids.eve = await createUser(db, acme.id, { email: 'eve@acme.test', name: '=HYPERLINK("x")', status: 'invited', joinedAt: null, invitedAt: new Date('2026-11-20T12:00:00Z') });
  for (let i = 1; i <= FILLERS; i++) ids[`f${i}`] = await createUser(db, acme.id, { email: `filler${String(i).padStart(2, '0')}@acme.test`, name: `Filler ${String(i).padStart(2, '0')}` });
  ids.seatAdmin = await createUser(db, seat.id, { email: 'admin@seat.test', name: 'Sam Seat', role: 'admin' });
  ids.seatUser = await createUser(db, seat.id, { email: 'zed@seat.test', name: 'Zed Seat' });

  ids.pub1 = (await upsertAgent(db, acme.id, { externalId: 'pub1', name: 'Public Writer', kind: 'public', type: 'content' })).id;
  ids.cus1 = (await upsertAgent(db, acme.id, { externalId: 'cus1', name: 'Custom SEO', kind: 'custom', type: 'seo', visibility: 'shared', creatorEmail: 'ann@acme.test' })).id;
  ids.cus2 = (await upsertAgent(db, acme.id, { externalId: 'cus2', name: 'Unused Researcher', kind: 'custom', type: 'research', visibility: 'private', creatorEmail: 'bob@acme.test' })).id;
  ids.cus3 = (await upsertAgent(db, acme.id, { externalId: 'cus3', name: 'Archived Helper', kind: 'custom', type: 'general', status: 'archived' })).id;

  await upsertGroup(db, acme.id, { externalId: 'g1', name: 'Marketing', knowledgeApplied: true, brandVoiceApplied: true, members: ['ann@acme.test', 'bob@acme.test', 'dan@acme.test'] });
  await upsertGroup(db, acme.id, { externalId: 'g2', name: 'Sales', members: ['cat@acme.test', 'eve@acme.test'] });
  await upsertGroup(db, acme.id, { externalId: 'g3', name: 'Old Team', status: 'archived', knowledgeApplied: true, members: ['ann@acme.test'] });

  const inputs: InteractionInput[] = EVENTS.map((e) => ({
    id: e.id,
    user: e.user,
    occurredAt: new Date(e.at),
    kind: e.kind ?? 'inference',
    surface: e.surface,
    output: e.output ?? 'text',
    agent: e.agent ?? null,
    iqLayers: e.iqLayers ?? [],
    model: 'gpt-test',
    promptTokens: e.promptTokens ?? 1,
    completionTokens: e.completionTokens ?? 1,
    billable: e.billable ?? null,
  }));
  const res = await recordInteractions(db, acme.id, inputs);
  if (res.accepted !== EVENTS.length) throw new Error(`fixture: ${JSON.stringify(res)}`);
  const lres = await recordLogins(db, acme.id, LOGINS.map((l) => ({ user: l.user, occurredAt: new Date(l.at) })));
  if (lres.accepted !== LOGINS.length) throw new Error(`fixture logins: ${JSON.stringify(lres)}`);
  // The seat workspace has one generation yesterday (isolation checks).
  await recordInteractions(db, seat.id, [{ id: 's1', user: 'zed@seat.test', occurredAt: new Date('2026-11-24T18:00:00Z'), kind: 'inference', surface: 'chat', model: 'm', promptTokens: 1, completionTokens: 1 }]);
  return { ws: acme.id, seatWs: seat.id, ids };
}
