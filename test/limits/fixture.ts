// The limits fixture: a Chicago workspace with groups, layered policies and usage written through
// the real write path at fixed instants around the 2026 DST change (Sunday 8 March 2026, 02:00 CST).
import type { Knex } from 'knex';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { recordInteractions } from '../../src/ingest/write-path';
import { upsertGroup } from '../../src/ingest/roster';
import { insertPolicy, type PolicyInput } from '../../src/limits/queries';
import type { InteractionInput } from '../../src/domain/model';

/** Tuesday 10 March 2026, 13:00 in Chicago (CDT, UTC-5): today = 2026-03-10, week 9-15 March. */
export const NOW = new Date('2026-03-10T18:00:00Z');

let seq = 0;
export function ev(user: string, at: string, tokens: number, kind: 'inference' | 'embedding' = 'inference'): InteractionInput {
  return { id: `lim-${++seq}`, user, occurredAt: new Date(at), kind, surface: 'chat', model: 'gpt-test', promptTokens: tokens, completionTokens: 0 };
}

export function policy(p: Partial<PolicyInput> & Pick<PolicyInput, 'scope' | 'metric' | 'period' | 'amount' | 'mode'>): PolicyInput {
  return { groupId: null, userId: null, appliesTo: 'member', expiresAt: null, note: null, ...p };
}

export async function limitsWorld(db: Knex) {
  const ws = await createWorkspace(db, { slug: 'lim', name: 'Limits Co', time_zone: 'America/Chicago' });
  const email = (who: string) => `${who}@lim.test`;
  const ids: Record<string, number> = {};
  ids.admin = await createUser(db, ws.id, { email: email('admin'), role: 'admin' });
  for (const who of ['ada', 'bob', 'eve', 'fay']) ids[who] = await createUser(db, ws.id, { email: email(who) });
  ids.cy = await createUser(db, ws.id, { email: email('cy'), maxInferenceTokens: 5000 });
  ids.dee = await createUser(db, ws.id, { email: email('dee'), status: 'revoked', revokedAt: new Date('2026-02-01T00:00:00Z') });
  const eng = (await upsertGroup(db, ws.id, { externalId: 'eng', name: 'Engineering', members: [email('ada'), email('bob'), email('eve')] })).id;
  const research = (await upsertGroup(db, ws.id, { externalId: 'res', name: 'Research', members: [email('eve')] })).id;

  const P = {
    wsInference: await insertPolicy(db, ws.id, policy({ scope: 'workspace', metric: 'inference', period: 'month', amount: 10_000, mode: 'hard' }), null),
    engMember: await insertPolicy(db, ws.id, policy({ scope: 'group', groupId: eng, metric: 'inference', period: 'month', amount: 3000, mode: 'soft' }), null),
    engShared: await insertPolicy(db, ws.id, policy({ scope: 'group', groupId: eng, appliesTo: 'shared', metric: 'inference', period: 'month', amount: 8000, mode: 'hard' }), null),
    adaDay: await insertPolicy(db, ws.id, policy({ scope: 'user', userId: ids.ada, metric: 'inference', period: 'day', amount: 1000, mode: 'hard' }), null),
    resMember: await insertPolicy(db, ws.id, policy({ scope: 'group', groupId: research, metric: 'inference', period: 'month', amount: 6000, mode: 'hard' }), null),
    wsEmbeddingWeek: await insertPolicy(db, ws.id, policy({ scope: 'workspace', metric: 'embedding', period: 'week', amount: 500, mode: 'hard' }), null),
  };

  const r = await recordInteractions(db, ws.id, [
    ev(email('ada'), '2026-03-10T13:00:00Z', 600), // today (08:00 CDT)
    ev(email('ada'), '2026-03-02T18:00:00Z', 1000), // this month, last week
    ev(email('ada'), '2026-02-28T18:00:00Z', 500), // last month
    ev(email('ada'), '2026-03-01T05:59:59Z', 50), // 23:59:59 CST on 28 February: last month
    ev(email('bob'), '2026-03-09T15:00:00Z', 4000),
    ev(email('eve'), '2026-03-05T15:00:00Z', 100),
    // the week starts at Monday 9 March 00:00 CDT = 05:00 UTC (the day after the DST change)
    ev(email('ada'), '2026-03-09T05:00:00Z', 300, 'embedding'),
    ev(email('ada'), '2026-03-09T04:59:59Z', 400, 'embedding'), // Sunday 8 March 23:59:59 CDT
  ]);
  if (r.rejected.length) throw new Error(JSON.stringify(r.rejected));
  return { ws, ids, email, groups: { eng, research }, P };
}
