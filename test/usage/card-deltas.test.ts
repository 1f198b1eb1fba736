// Every Usage card shows its change against the previous period of the same length, including the
// roster-based cards (licenses held at the end of the previous period) — worked out by hand.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { HOURS_SAVED_MINUTES } from '../../src/usage/definitions';
import { setUsageClock } from '../../src/reports/clock';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import { upsertAgent } from '../../src/ingest/roster';

function cards(html: string): Record<string, { value: string; delta: string }> {
  const out: Record<string, { value: string; delta: string }> = {};
  for (const m of html.matchAll(/data-card="([a-z-]+)"[\s\S]*?data-value>([^<]*)<[\s\S]*?data-delta>([^<]*)</g)) out[m[1]] = { value: m[2].trim(), delta: m[3].trim() };
  return out;
}

describe('usage cards and charts: changes, empty states, table twins', () => {
  let t: TestApp;
  let admin: Agent;
  let emptyAdmin: Agent;
  // Clock: 2026-12-10 12:00 CST. Range Dec 1-9 (9 days): previous period Nov 22-30.
  // Active users: last 30 days ending yesterday = Nov 10 - Dec 9; the 30 days before = Oct 11 - Nov 9.
  const Q = 'from=2026-12-01&to=2026-12-09';

  before(async () => {
    t = await createTestApp();
    const ws = await createWorkspace(t.db, { slug: 'delta', name: 'Delta', time_zone: 'America/Chicago', billing_mode: 'credits' });
    const empty = await createWorkspace(t.db, { slug: 'void', name: 'Void', time_zone: 'America/Chicago', billing_mode: 'credits' });
    await createUser(t.db, empty.id, { email: 'admin@void.test', name: 'Void Admin', role: 'admin' });
    await createUser(t.db, ws.id, { email: 'admin@delta.test', name: 'Delta Admin', role: 'admin' }); // joined 2025-01-01
    await createUser(t.db, ws.id, { email: 'a@delta.test', name: 'A' });
    await createUser(t.db, ws.id, { email: 'b@delta.test', name: 'B' });
    // joined on Dec 3: not a license at the end of Nov 30 (nor of Nov 9)
    await createUser(t.db, ws.id, { email: 'new@delta.test', name: 'New', joinedAt: new Date('2026-12-03T15:00:00Z') });
    // revoked on Dec 2: held a license on Nov 30 and Nov 9, not now
    await createUser(t.db, ws.id, { email: 'gone@delta.test', name: 'Gone', status: 'revoked', revokedAt: new Date('2026-12-02T15:00:00Z') });
    await upsertAgent(t.db, ws.id, { externalId: 'ag1', name: 'Writer', kind: 'public', type: 'content' });
    const ev = (id: string, user: string, at: string, surface: string, iq: string[] = []) => ({
      id, user, occurredAt: new Date(at), kind: 'inference' as const, surface, model: 'm', iqLayers: iq as any, promptTokens: 1, completionTokens: 1,
    });
    await recordInteractions(t.db, ws.id, [
      // this period (Dec 1-9): 4 generations, 1 with IQ; a: grid (credits) + agent, b: chat + ask(IQ)
      { ...ev('c1', 'a@delta.test', '2026-12-02T18:00:00Z', 'grid'), billable: { category: 'grid' as const, units: 2 } },
      { ...ev('c2', 'a@delta.test', '2026-12-05T18:00:00Z', 'agent'), agent: 'ag1' },
      ev('c3', 'b@delta.test', '2026-12-06T18:00:00Z', 'chat'),
      ev('c4', 'b@delta.test', '2026-12-09T18:00:00Z', 'ask', ['knowledge']),
      // previous period (Nov 22-30): 2 generations, both with IQ, by gone
      ev('p1', 'gone@delta.test', '2026-11-25T18:00:00Z', 'chat', ['brand_voice']),
      ev('p2', 'gone@delta.test', '2026-11-30T18:00:00Z', 'chat', ['knowledge']),
      // the 30 days before the active window (Oct 11 - Nov 9): a only
      ev('o1', 'a@delta.test', '2026-10-20T18:00:00Z', 'chat'),
    ]);
    await recordLogins(t.db, ws.id, [{ user: 'a@delta.test', occurredAt: new Date('2026-12-02T15:00:00Z') }]);
    setUsageClock(() => new Date('2026-12-10T18:00:00Z'));
    admin = await loginAs(t.app, 'admin@delta.test', PASSWORD);
    emptyAdmin = await loginAs(t.app, 'admin@void.test', PASSWORD);
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
    const hours = (M.grid + M.chat + M.agent + M.ask) / 60;
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

  const CHARTS = ['weekly-generations', 'weekly-logins', 'credits', 'features', 'agents', 'users-features', 'users-agent-types', 'groups'];

  it('every chart with data draws a canvas and has a "View as table" twin with one row per label', async () => {
    for (const id of CHARTS) {
      const html = (await admin.get(`/admin/usage/charts/${id}?${Q}`).set('HX-Request', 'true').expect(200)).text;
      if (id === 'groups') {
        expect(html, id).to.include('No active groups in this workspace.'); // the delta workspace has none
        continue;
      }
      expect(html, id).to.include(`<canvas data-chart-config="cfg-${id}"`);
      const cfg = JSON.parse(new RegExp(`<script type="application/json" id="cfg-${id}">([\\s\\S]*?)</script>`).exec(html)![1]);
      const table = new RegExp(`<details class="table-view">\\s*<summary>View as table</summary>[\\s\\S]*?data-table="${id}"[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`).exec(html);
      expect(table, id).to.not.equal(null);
      expect((table![1].match(/<tr>/g) ?? []).length, id).to.equal(cfg.data.labels.length);
    }
  });

  it('a workspace without usage gets a sentence per chart, never an empty canvas', async () => {
    const expected: Record<string, string> = {
      'weekly-generations': 'No generations in this range.',
      'weekly-logins': 'No web-app logins in this range.',
      credits: 'No credits consumed in this range.',
      features: 'No generations in this range.',
      agents: 'No agent runs in this range.',
      'users-features': 'No generations by any user in these months.',
      'users-agent-types': 'No agent runs in these months.',
      groups: 'No active groups in this workspace.',
    };
    for (const id of CHARTS) {
      const html = (await emptyAdmin.get(`/admin/usage/charts/${id}`).set('HX-Request', 'true').expect(200)).text;
      expect(html, id).to.include(`<p class="empty-inline" data-empty>${expected[id]}</p>`);
      expect(html, id).not.to.include('<canvas');
    }
    // the heatmap is a table: the admin (an active license) is listed with no generations, and it says so
    const heat = (await emptyAdmin.get('/admin/usage/charts/heatmap').set('HX-Request', 'true').expect(200)).text;
    expect(heat).to.include('No generations in these months yet.');
    expect(heat).to.include('admin@void.test');
    const cards = (await emptyAdmin.get('/admin/usage').expect(200)).text;
    expect(cards).to.match(/data-card="generations"[\s\S]*?data-value>0<[\s\S]*?data-delta>No change vs previous 30 days</);
  });
});
