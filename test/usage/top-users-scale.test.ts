// The fast paths behind the top-user charts and the memo's workspace-scoped data version, checked
// against answers computed in this file from the events it writes (not read back from the code).
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { setUsageClock } from '../../src/reports/clock';
import { monthVersions, workspaceTableVersion } from '../../src/reports/memo';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import { upsertAgent, upsertUser } from '../../src/ingest/roster';
import type { InteractionInput } from '../../src/domain/model';

const NOW = new Date('2026-11-25T18:00:00Z'); // Chicago: today 2026-11-25
const R = 'from=2026-09-01&to=2026-11-24'; // calendar months Sep, Oct, Nov

function tableRows(html: string, id: string): string[][] {
  const t = new RegExp(`data-table="${id}"[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`).exec(html);
  if (!t) throw new Error(`no table ${id}`);
  return [...t[1].matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()));
}

describe('usage: top users at scale (bounded reads) and workspace-scoped memo versions', () => {
  let t: TestApp;
  let admin: Agent;
  let ws: number;
  let other: number;
  const events: InteractionInput[] = [];
  const USERS = 130;

  before(async () => {
    t = await createTestApp();
    setUsageClock(() => NOW);
    const acme = await createWorkspace(t.db, { slug: 'scale', name: 'Scale Co', billing_mode: 'seat', time_zone: 'America/Chicago' });
    const o = await createWorkspace(t.db, { slug: 'other', name: 'Other Co', billing_mode: 'seat', time_zone: 'America/Chicago' });
    ws = acme.id;
    other = o.id;
    await createUser(t.db, ws, { email: 'admin@scale.test', name: 'Scale Admin', role: 'admin' });
    await createUser(t.db, other, { email: 'x@other.test', name: 'Other User' });
    for (let i = 1; i <= USERS; i++) await createUser(t.db, ws, { email: `u${String(i).padStart(3, '0')}@scale.test`, name: `User ${String(i).padStart(3, '0')}` });
    await upsertAgent(t.db, ws, { externalId: 'a1', name: 'Writer', kind: 'public', type: 'content' });
    await upsertAgent(t.db, ws, { externalId: 'a2', name: 'Researcher', kind: 'custom', type: 'research', visibility: 'shared' });
    // Users 1-70 are the busiest by generations but run agents rarely; users 71-130 generate less
    // and run agents more, so the top agent users are NOT among the first users read (busiest
    // first): the bounded search has to read past its first batch. Days spread over three months.
    const days = ['2026-09-15T15:00:00Z', '2026-10-15T15:00:00Z', '2026-11-10T16:00:00Z'];
    let n = 0;
    for (let i = 1; i <= USERS; i++) {
      const user = `u${String(i).padStart(3, '0')}@scale.test`;
      const gens = i <= 70 ? 12 : 9;
      const agentRuns = i <= 70 ? (i % 3 === 0 ? 1 : 0) : (i * 7) % 9; // 0..8, with ties
      for (let k = 0; k < gens; k++) {
        const at = new Date(Date.parse(days[k % 3]) + k * 60_000);
        const agent = k < agentRuns ? (k % 2 ? 'a2' : 'a1') : null;
        events.push({ id: `ev${n++}`, user, occurredAt: at, kind: 'inference', surface: agent ? 'agent' : 'chat', output: 'text', agent, iqLayers: [], model: 'm', promptTokens: 1, completionTokens: 1, billable: null });
      }
    }
    const res = await recordInteractions(t.db, ws, events);
    expect(res.accepted).to.equal(events.length);
    admin = await loginAs(t.app, 'admin@scale.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  const chart = async (id: string) => {
    const res = await admin.get(`/admin/usage/charts/${id}?${R}`).set('HX-Request', 'true');
    expect(res.status, res.text).to.equal(200);
    return res.text;
  };

  /** Expected top 10 by a count per user, ties by lower user number (= lower id: users were created in order). */
  function expectedTop(count: (e: InteractionInput) => boolean) {
    const per = new Map<string, number>();
    for (const e of events) if (count(e)) per.set(e.user, (per.get(e.user) ?? 0) + 1);
    return [...per.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
  }

  it('top users by agent type: the true top 10 by agent runs, even when they are not the busiest generators', async () => {
    const want = expectedTop((e) => !!e.agent);
    // sanity: the expected leaders are all outside the 70 busiest generators
    expect(want.every(([u]) => Number(u.slice(1, 4)) > 70)).to.equal(true);
    const rows = tableRows(await chart('users-agent-types'), 'users-agent-types');
    expect(rows.map((r) => [r[1], Number(r[r.length - 1])])).to.deep.equal(want);
  });

  it('top users by feature: the top 10 by generations with their per-feature split', async () => {
    const want = expectedTop(() => true);
    const html = await chart('users-features');
    const rows = tableRows(html, 'users-features');
    expect(rows.map((r) => [r[1], Number(r[r.length - 1])])).to.deep.equal(want);
    // head: User, Email, Chat, Agent, ... ; each leader's Agent column = their agent runs
    for (const r of rows) expect(Number(r[3])).to.equal(events.filter((e) => e.user === r[1] && e.agent).length);
  });

  it('the heatmap, which shares the monthly rows, still shows each user per month', async () => {
    const rows = tableRows(await chart('heatmap'), 'heatmap');
    const first = rows[0];
    // busiest: users 1-70 with 12 each (4 per month); ties by id -> u001 first
    expect(first[0]).to.equal('User 001 u001@scale.test');
    expect(first.slice(1)).to.deep.equal(['4', '4', '4', '12']);
  });

  it('the heatmap and the top-user charts name users from a roster kept per process, renamed on the next request', async () => {
    const leader = expectedTop(() => true)[0][0]; // u001, first in the heatmap and in users-features
    expect(tableRows(await chart('heatmap'), 'heatmap')[0][0]).to.equal(`User 001 ${leader}`);
    expect(tableRows(await chart('users-features'), 'users-features')[0][0]).to.equal('User 001');
    // the product's roster write (PUT /api/v1/users/{email} and SCIM go through it)
    await upsertUser(t.db, ws, { email: leader, name: 'Renamed Leader' });
    expect(tableRows(await chart('heatmap'), 'heatmap')[0][0]).to.equal(`Renamed Leader ${leader}`);
    expect(tableRows(await chart('users-features'), 'users-features')[0][0]).to.equal('Renamed Leader');
    await upsertUser(t.db, ws, { email: leader, name: 'User 001' });
    expect(tableRows(await chart('heatmap'), 'heatmap')[0][0]).to.equal(`User 001 ${leader}`);
  });

  it('the license cards follow a roster change on the next request', async () => {
    const card = async () => /data-card="active-licenses"[\s\S]*?data-value>([^<]*)</.exec((await admin.get(`/admin/usage?${R}`).expect(200)).text)![1];
    expect(await card()).to.equal(String(USERS + 1)); // 130 users + the admin, all active
    // every write to users stamps updated_at (src/users/actions.ts, src/ingest/roster.ts)
    const later = new Date(Date.now() + 60_000).toISOString().replace('T', ' ').replace('Z', '');
    await t.db('users').where({ workspace_id: ws, email: 'u130@scale.test' }).update({ status: 'revoked', revoked_at: later, updated_at: later });
    expect(await card()).to.equal(String(USERS));
  });

  it("a workspace's data version ignores other workspaces' new rows and follows its own", async () => {
    const v1 = await workspaceTableVersion(t.db, 'interactions', ws);
    await recordInteractions(t.db, other, [{ id: 'o1', user: 'x@other.test', occurredAt: new Date('2026-11-24T18:00:00Z'), kind: 'inference', surface: 'chat', model: 'm', promptTokens: 1, completionTokens: 1 }]);
    expect(await workspaceTableVersion(t.db, 'interactions', ws)).to.equal(v1);
    await chart('users-agent-types'); // memoised now
    // u001 had no agent runs; 9 new ones make it the top agent user (the best had 8)
    const late = Array.from({ length: 9 }, (_, k) => ({ id: `late${k}`, user: 'u001@scale.test', occurredAt: new Date(Date.UTC(2026, 10, 24, 18, k)), kind: 'inference' as const, surface: 'agent', agent: 'a1', model: 'm', promptTokens: 1, completionTokens: 1 }));
    await recordInteractions(t.db, ws, late);
    expect(await workspaceTableVersion(t.db, 'interactions', ws)).to.not.equal(v1);
    const rows = tableRows(await chart('users-agent-types'), 'users-agent-types');
    expect([rows[0][1], Number(rows[0][rows[0].length - 1])]).to.deep.equal(['u001@scale.test', 9]);
    // per-month versions: a new event dated in November changes November's stamp only
    const months = ['2026-09', '2026-10', '2026-11'];
    const m1 = await monthVersions(t.db, ws, months);
    await recordInteractions(t.db, ws, [{ id: 'nov-only', user: 'u002@scale.test', occurredAt: new Date('2026-11-20T18:00:00Z'), kind: 'inference', surface: 'chat', model: 'm', promptTokens: 1, completionTokens: 1 }]);
    const m2 = await monthVersions(t.db, ws, months);
    expect([m2[0] === m1[0], m2[1] === m1[1], m2[2] === m1[2]]).to.deep.equal([true, true, false]);
    // a late event for September changes September's
    await recordInteractions(t.db, ws, [{ id: 'sep-late', user: 'u002@scale.test', occurredAt: new Date('2026-09-20T18:00:00Z'), kind: 'inference', surface: 'chat', model: 'm', promptTokens: 1, completionTokens: 1 }]);
    const m3 = await monthVersions(t.db, ws, months);
    expect([m3[0] === m2[0], m3[1] === m2[1], m3[2] === m2[2]]).to.deep.equal([false, true, true]);
    // and the heatmap follows both (u002: 4 per month + 1 in Sep and Nov)
    const heat = tableRows(await chart('heatmap'), 'heatmap');
    expect(heat.find((r) => r[0].includes('u002@'))!.slice(1)).to.deep.equal(['5', '4', '5', '14']);
    const l1 = await workspaceTableVersion(t.db, 'logins', ws);
    await recordLogins(t.db, other, [{ user: 'x@other.test', occurredAt: new Date('2026-11-24T18:00:00Z') }]);
    expect(await workspaceTableVersion(t.db, 'logins', ws)).to.equal(l1);
    await recordLogins(t.db, ws, [{ user: 'u001@scale.test', occurredAt: new Date('2026-11-24T18:00:00Z') }]);
    expect(await workspaceTableVersion(t.db, 'logins', ws)).to.not.equal(l1);
  });
});
