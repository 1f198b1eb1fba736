// The users/activity fixture: workspace "alpha" (America/Chicago) with known allocations and usage
// written through the real write path, plus workspace "beta". Expected numbers are stated by hand.
import type { Knex } from 'knex';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import { addMonths, firstDayOfMonth, monthOfDay, startOfDayUtc, today } from '../../src/db/time';
import type { InteractionInput } from '../../src/domain/model';
import { createUser, twoWorkspaces } from '../helpers/fixtures';

export const ZONE = 'America/Chicago';

export interface UsersWorld {
  a: { id: number };
  b: { id: number };
  alice: number; // admin@alpha.test, admin, Engineering, max 1000/500
  mark: number; // member@alpha.test, member
  bob: number;
  carol: number;
  dave: number;
  eve: number;
  adminB: number;
  /** instants used by the fixture */
  nowish: Date;
  prevMonthEnd: Date;
}

let seq = 0;
export function ev(user: string, at: Date, fields: Partial<InteractionInput> = {}): InteractionInput {
  return {
    id: `ev-${++seq}-${Math.random().toString(36).slice(2, 8)}`,
    user,
    occurredAt: at,
    kind: 'inference',
    surface: 'chat',
    model: 'gpt-4o',
    promptTokens: 0,
    completionTokens: 0,
    ...fields,
  };
}

export async function usersWorld(db: Knex): Promise<UsersWorld> {
  const w = await twoWorkspaces(db);
  await db('workspaces').where({ id: w.a.id }).update({ purchased_inference_tokens: 1000, purchased_embedding_tokens: 1000 });
  await db('users').where({ id: w.adminA }).update({ department: 'Engineering', max_inference_tokens: 1000, max_embedding_tokens: 500 });
  const bob = await createUser(db, w.a.id, { email: 'bob@alpha.test', name: 'Bob Builder', department: 'Sales', maxInferenceTokens: 100, maySpendCredits: true });
  const carol = await createUser(db, w.a.id, { email: 'carol@alpha.test', name: 'Carol Chen', department: 'Sales', status: 'invited', joinedAt: null, maxInferenceTokens: 200, maySpendCredits: false });
  const dave = await createUser(db, w.a.id, { email: 'dave@alpha.test', name: 'Dave Doe', department: 'Marketing', status: 'revoked', maxInferenceTokens: 50 });
  const eve = await createUser(db, w.a.id, { email: 'eve@alpha.test', name: 'Eve Evans' });

  const now = new Date();
  const nowish = new Date(now.getTime() - 1000);
  const month = monthOfDay(today(ZONE, nowish));
  const prevMonthEnd = new Date(startOfDayUtc(firstDayOfMonth(month), ZONE).getTime() - 3600_000); // last hour of previous month
  const threeMonthsAgo = new Date(startOfDayUtc(firstDayOfMonth(addMonths(month, -3)), ZONE).getTime() + 86_400_000);
  const r = await recordInteractions(db, w.a.id, [
    // Alice: 1200 inference this month (over her 1000), 300 embedding three months ago -> total 1500
    ev('admin@alpha.test', nowish, { promptTokens: 1000, completionTokens: 200 }),
    ev('admin@alpha.test', threeMonthsAgo, { kind: 'embedding', promptTokens: 300, completionTokens: 0, training: true }),
    // Bob: 85 inference this month (85% of 100), 10 embedding this month, 40 inference last month -> total 135
    ev('bob@alpha.test', nowish, { promptTokens: 50, completionTokens: 35 }),
    ev('bob@alpha.test', nowish, { kind: 'embedding', promptTokens: 10, completionTokens: 0 }),
    ev('bob@alpha.test', prevMonthEnd, { promptTokens: 30, completionTokens: 10 }),
    // Dave (revoked): 70 inference last month
    ev('dave@alpha.test', prevMonthEnd, { promptTokens: 70, completionTokens: 0 }),
    // Eve: 30 inference this month, no allocation set
    ev('eve@alpha.test', nowish, { promptTokens: 20, completionTokens: 10 }),
  ]);
  if (r.accepted !== 7) throw new Error(`fixture: ${JSON.stringify(r)}`);
  await recordLogins(db, w.a.id, [{ user: 'member@alpha.test', occurredAt: prevMonthEnd, ip: '10.0.0.1' }]);
  return { a: w.a, b: w.b, alice: w.adminA, mark: w.memberA, bob, carol, dave, eve, adminB: w.adminB, nowish, prevMonthEnd };
}

/** User ids in the order the table lists them. */
export function rowIds(html: string): number[] {
  return [...html.matchAll(/<tr id="user-row-(\d+)"/g)].map((m) => Number(m[1]));
}

/** The text of a data-col cell of one user's row. */
export function cell(html: string, userId: number, col: string): string {
  const row = new RegExp(`<tr id="user-row-${userId}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
  const m = new RegExp(`data-col="${col}"[^>]*>([\\s\\S]*?)</(td|span|div)>`).exec(row);
  return (m?.[1] ?? '').replace(/<[^>]+>/g, '').trim();
}
