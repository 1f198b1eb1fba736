// Every Usage card shows its change against the previous period of the same length, including the
// roster-based cards (licenses held at the end of the previous period) — worked out by hand.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { HOURS_SAVED_MINUTES, setUsageClock } from '../../src/usage/definitions';
import { recordInteractions } from '../../src/ingest/write-path';

function cards(html: string): Record<string, { value: string; delta: string }> {
  const out: Record<string, { value: string; delta: string }> = {};
  for (const m of html.matchAll(/data-card="([a-z-]+)"[\s\S]*?data-value>([^<]*)<[\s\S]*?data-delta>([^<]*)</g)) out[m[1]] = { value: m[2].trim(), delta: m[3].trim() };
  return out;
}

describe('usage cards: change vs the previous period', () => {
  let t: TestApp;
  let admin: Agent;
  // Clock: 2026-12-10 12:00 CST. Range Dec 1-9 (9 days): previous period Nov 22-30.
  // Active users: last 30 days ending yesterday = Nov 10 - Dec 9; the 30 days before = Oct 11 - Nov 9.
  const Q = 'from=2026-12-01&to=2026-12-09';

  before(async () => {
    t = await createTestApp();
    const ws = await createWorkspace(t.db, { slug: 'delta', name: 'Delta', time_zone: 'America/Chicago' });
    await createUser(t.db, ws.id, { email: 'admin@delta.test', name: 'Delta Admin', role: 'admin' }); // joined 2025-01-01
    await createUser(t.db, ws.id, { email: 'a@delta.test', name: 'A' });
    await createUser(t.db, ws.id, { email: 'b@delta.test', name: 'B' });
    // joined on Dec 3: not a license at the end of Nov 30 (nor of Nov 9)
    await createUser(t.db, ws.id, { email: 'new@delta.test', name: 'New', joinedAt: new Date('2026-12-03T15:00:00Z') });
    // revoked on Dec 2: held a license on Nov 30 and Nov 9, not now
    await createUser(t.db, ws.id, { email: 'gone@delta.test', name: 'Gone', status: 'revoked', revokedAt: new Date('2026-12-02T15:00:00Z') });
    const ev = (id: string, user: string, at: string, surface: string, iq: string[] = []) => ({
      id, user, occurredAt: new Date(at), kind: 'inference' as const, surface, model: 'm', iqLayers: iq as any, promptTokens: 1, completionTokens: 1,
    });
    await recordInteractions(t.db, ws.id, [
      // this period (Dec 1-9): 4 generations, 1 with IQ; a: chat + agent, b: chat + ask(IQ)
      ev('c1', 'a@delta.test', '2026-12-02T18:00:00Z', 'chat'),
      ev('c2', 'a@delta.test', '2026-12-05T18:00:00Z', 'agent'),
      ev('c3', 'b@delta.test', '2026-12-06T18:00:00Z', 'chat'),
      ev('c4', 'b@delta.test', '2026-12-09T18:00:00Z', 'ask', ['knowledge']),
      // previous period (Nov 22-30): 2 generations, both with IQ, by gone
      ev('p1', 'gone@delta.test', '2026-11-25T18:00:00Z', 'chat', ['brand_voice']),
      ev('p2', 'gone@delta.test', '2026-11-30T18:00:00Z', 'chat', ['knowledge']),
      // the 30 days before the active window (Oct 11 - Nov 9): a only
      ev('o1', 'a@delta.test', '2026-10-20T18:00:00Z', 'chat'),
    ]);
    setUsageClock(() => new Date('2026-12-10T18:00:00Z'));
    admin = await loginAs(t.app, 'admin@delta.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  it('each of the six cards has a change line, computed by hand', async () => {
    const c = cards((await admin.get(`/admin/usage?${Q}`).expect(200)).text);
    expect(Object.keys(c)).to.deep.equal(['generations', 'iq-adoption', 'hours-saved', 'active-licenses', 'active-users', 'active-user-rate']);
    // 4 vs 2 -> +100%
    expect(c.generations).to.deep.equal({ value: '4', delta: '▲ +100.0% vs previous 9 days' });
    // 1/4 = 25% vs 2/2 = 100% -> -75 pts
    expect(c['iq-adoption']).to.deep.equal({ value: '25.0%', delta: '▼ -75.0 pts vs previous 9 days' });
    const M = HOURS_SAVED_MINUTES;
    const hours = (2 * M.chat + M.agent + M.ask) / 60;
    const prevHours = (2 * M.chat) / 60;
    expect(c['hours-saved'].value).to.equal(hours.toFixed(1));
    expect(c['hours-saved'].delta).to.equal(`▲ +${(((hours - prevHours) / prevHours) * 100).toFixed(1)}% vs previous 9 days`);
    // now: admin, a, b, new = 4; at the end of Nov 30: admin, a, b, gone = 4 -> no change
    expect(c['active-licenses']).to.deep.equal({ value: '4', delta: 'No change vs Nov 30, 2026' });
    // Nov 10 - Dec 9: a, b, gone = 3; Oct 11 - Nov 9: a = 1 -> +200%
    expect(c['active-users']).to.deep.equal({ value: '3', delta: '▲ +200.0% vs the 30 days before' });
    // 3/4 = 75% vs 1 of the 4 licenses held on Nov 9 (admin, a, b, gone) = 25% -> +50 pts
    expect(c['active-user-rate']).to.deep.equal({ value: '75.0%', delta: '▲ +50.0 pts vs the 30 days before' });
  });

  it('the licenses card compares with the licenses held at the end of the previous period', async () => {
    // Range Dec 4-9 (6 days): previous period ends Dec 3 (end of day): admin, a, b, new = 4 (gone revoked Dec 2)
    let c = cards((await admin.get('/admin/usage?from=2026-12-04&to=2026-12-09').expect(200)).text);
    expect(c['active-licenses']).to.deep.equal({ value: '4', delta: 'No change vs Dec 3, 2026' });
    // Range Dec 3-9: previous period ends Dec 2: admin, a, b (new joins Dec 3, gone left Dec 2) = 3 -> +33.3%
    c = cards((await admin.get('/admin/usage?from=2026-12-03&to=2026-12-09').expect(200)).text);
    expect(c['active-licenses']).to.deep.equal({ value: '4', delta: '▲ +33.3% vs Dec 2, 2026' });
  });
});
