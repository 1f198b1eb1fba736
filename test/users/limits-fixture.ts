// The limit-status fixture of User Management: workspace "ul" (America/Chicago) whose users are over
// a hard monthly group limit, near a weekly group limit, on track to exceed their allocation, within
// a limit, or without any; usage written through the real write path around the period edges in
// Chicago. Statuses are stated by hand at NOW. Workspace "ulx" holds a user over a limit who must
// never appear in "ul".
import type { Knex } from 'knex';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { recordInteractions } from '../../src/ingest/write-path';
import { upsertGroup } from '../../src/ingest/roster';
import { insertPolicy } from '../../src/limits/queries';
import type { InteractionInput } from '../../src/domain/model';

/**
 * Wednesday 18 November 2026, 12:00 in Chicago (CST, UTC-6): today = 2026-11-18; the week is Monday
 * 16 to Sunday 22 November (3 of 7 days elapsed, today included); the month 18 of 30 days.
 */
export const NOW = new Date('2026-11-18T18:00:00Z');

let seq = 0;
function ev(user: string, at: string, tokens: number): InteractionInput {
  return { id: `ul-${++seq}`, user, occurredAt: new Date(at), kind: 'inference', surface: 'chat', model: 'gpt-test', promptTokens: tokens, completionTokens: 0 };
}

export interface LimitsWorld {
  ws: number;
  other: number;
  ids: { admin: number; olga: number; nina: number; tom: number; wes: number; nolan: number; rita: number; otherOlga: number; otherAdmin: number };
  /** 26 users of group Interns (inference 1,000/day, soft), with no usage: within, at 0 % */
  interns: number[];
}

export async function userLimitsWorld(db: Knex): Promise<LimitsWorld> {
  const ws = (await createWorkspace(db, { slug: 'ul', name: 'Userlimits Co', time_zone: 'America/Chicago' })).id;
  const e = (who: string) => `${who}@ul.test`;
  const admin = await createUser(db, ws, { email: e('admin'), name: 'Ada Admin', role: 'admin' });
  const olga = await createUser(db, ws, { email: e('olga'), name: 'Olga Over', department: 'Engineering' });
  const nina = await createUser(db, ws, { email: e('nina'), name: 'Nina Near', department: 'Support', maxInferenceTokens: 1_000_000 });
  const tom = await createUser(db, ws, { email: e('tom'), name: 'Tom Track', department: 'Sales', maxInferenceTokens: 30_000 });
  const wes = await createUser(db, ws, { email: e('wes'), name: 'Wes Within', department: 'Engineering' });
  const nolan = await createUser(db, ws, { email: e('nolan'), name: 'Nolan Nolimit', department: 'Sales' });
  const rita = await createUser(db, ws, { email: e('rita'), name: 'Rita Revoked', department: 'Engineering', status: 'revoked', revokedAt: new Date('2026-11-17T12:00:00Z') });
  const interns: number[] = [];
  for (let i = 0; i < 26; i++) interns.push(await createUser(db, ws, { email: e(`intern${String(i).padStart(2, '0')}`), name: `Intern ${String(i).padStart(2, '0')}`, department: 'HR' }));

  const eng = (await upsertGroup(db, ws, { externalId: 'eng', name: 'Engineering', members: [e('olga'), e('wes'), e('rita')] })).id;
  const support = (await upsertGroup(db, ws, { externalId: 'sup', name: 'Support', members: [e('nina')] })).id;
  const internsGroup = (await upsertGroup(db, ws, { externalId: 'int', name: 'Interns', members: interns.map((_, i) => e(`intern${String(i).padStart(2, '0')}`)) })).id;
  const member = { userId: null, appliesTo: 'member' as const, expiresAt: null, note: null };
  await insertPolicy(db, ws, { ...member, scope: 'group', groupId: eng, metric: 'inference', period: 'month', amount: 500_000, mode: 'hard' }, null);
  await insertPolicy(db, ws, { ...member, scope: 'group', groupId: support, metric: 'inference', period: 'week', amount: 10_000, mode: 'soft' }, null);
  await insertPolicy(db, ws, { ...member, scope: 'group', groupId: internsGroup, metric: 'inference', period: 'day', amount: 1_000, mode: 'soft' }, null);

  const r = await recordInteractions(db, ws, [
    // Olga: 520,000 this month, over Engineering's 500,000 per member (104 %)
    ev(e('olga'), '2026-11-10T15:00:00Z', 300_000),
    ev(e('olga'), '2026-11-12T15:00:00Z', 220_000),
    // Wes: 100,000 this month (20 %, projected 100,000 / 18 x 30 = 166,667: within). 350,000 at
    // 23:30 CDT on Saturday 31 October (04:30 UTC on 1 November) is last month's: counted in
    // November (by UTC) it would make him near (90 %).
    ev(e('wes'), '2026-11-05T15:00:00Z', 100_000),
    ev(e('wes'), '2026-11-01T04:30:00Z', 350_000),
    // Nina: 5,000 at Monday 16 November 00:00 CST (06:00 UTC) and 3,500 on Tuesday: 8,500 of
    // Support's 10,000 a week (85 %): near. 2,000 at Sunday 15 November 23:59:59 CST (05:59:59 UTC
    // on Monday) is last week's: counted in this week (by UTC) it would make her over.
    ev(e('nina'), '2026-11-16T06:00:00Z', 5_000),
    ev(e('nina'), '2026-11-17T16:00:00Z', 3_500),
    ev(e('nina'), '2026-11-16T05:59:59Z', 2_000),
    // Tom: 20,000 of his 30,000 allocation (67 %), projected 20,000 / 18 x 30 = 33,333: on track to exceed
    ev(e('tom'), '2026-11-09T15:00:00Z', 20_000),
    // Nolan: heavy use, no limit
    ev(e('nolan'), '2026-11-11T15:00:00Z', 1_000_000),
    // Rita (revoked): over Engineering's limit, but revoked users have no limit status
    ev(e('rita'), '2026-11-03T15:00:00Z', 600_000),
  ]);
  if (r.rejected.length) throw new Error(JSON.stringify(r.rejected));

  const other = (await createWorkspace(db, { slug: 'ulx', name: 'Elsewhere Ltd', time_zone: 'America/Chicago' })).id;
  const otherAdmin = await createUser(db, other, { email: 'admin@ulx.test', name: 'Xavier Admin', role: 'admin' });
  const otherOlga = await createUser(db, other, { email: 'olga@ulx.test', name: 'Olga Elsewhere' });
  await insertPolicy(db, other, { ...member, scope: 'workspace', groupId: null, metric: 'inference', period: 'month', amount: 1_000, mode: 'hard' }, null);
  const r2 = await recordInteractions(db, other, [ev('olga@ulx.test', '2026-11-10T15:00:00Z', 5_000)]);
  if (r2.rejected.length) throw new Error(JSON.stringify(r2.rejected));

  return { ws, other, ids: { admin, olga, nina, tom, wes, nolan, rita, otherOlga, otherAdmin }, interns };
}
