// The Usage page's presets at month boundaries (Chicago clock), worked out by hand: "This month" and
// "Last month" follow today's calendar month, also on the 1st when yesterday is in the month before.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { setUsageClock } from '../../src/reports/clock';
import { resolveRange, presetsFor } from '../../src/usage/range';
import { recordInteractions } from '../../src/ingest/write-path';

const ZONE = 'America/Chicago';

function presets(nowIso: string, query: Record<string, string> = {}) {
  const r = resolveRange(query, ZONE, new Date(nowIso));
  if (!r.ok) throw new Error(r.message);
  const byId = Object.fromEntries(presetsFor(r.range.today, r.range.lastDay, r.range.windowStart).map((p) => [p.id, p]));
  return { range: r.range, byId };
}

describe('usage range presets at month boundaries', () => {
  it('mid-month: this month runs from the 1st through yesterday; last month is the whole month before', () => {
    const { byId } = presets('2026-12-10T18:00:00Z'); // 12:00 CST on Dec 10
    expect([byId['this-month'].from, byId['this-month'].to, byId['this-month'].unavailable]).to.deep.equal(['2026-12-01', '2026-12-09', undefined]);
    expect([byId['last-month'].from, byId['last-month'].to]).to.deep.equal(['2026-11-01', '2026-11-30']);
    expect([byId['7d'].from, byId['7d'].to]).to.deep.equal(['2026-12-03', '2026-12-09']);
  });

  it('on the 2nd: this month is the 1st alone', () => {
    const { byId } = presets('2026-12-02T18:00:00Z');
    expect([byId['this-month'].from, byId['this-month'].to]).to.deep.equal(['2026-12-01', '2026-12-01']);
    expect([byId['last-month'].from, byId['last-month'].to]).to.deep.equal(['2026-11-01', '2026-11-30']);
  });

  it('on the 1st: last month is the month that just ended, and this month says it has no complete day yet', () => {
    // 2026-12-01T05:30Z is still Nov 30 in Chicago; 06:30Z is Dec 1 00:30 CST.
    const late = presets('2026-12-01T05:30:00Z').byId;
    expect([late['last-month'].from, late['last-month'].to]).to.deep.equal(['2026-10-01', '2026-10-31']);
    expect(late['this-month'].unavailable).to.equal(undefined);
    const { byId, range } = presets('2026-12-01T06:30:00Z');
    expect(range.lastDay).to.equal('2026-11-30');
    expect([byId['last-month'].from, byId['last-month'].to]).to.deep.equal(['2026-11-01', '2026-11-30']);
    expect(byId['this-month'].unavailable).to.match(/no complete day yet/);
    // with today included, this month is today so far
    const withToday = presets('2026-12-01T06:30:00Z', { today: '1' }).byId;
    expect([withToday['this-month'].from, withToday['this-month'].to, withToday['this-month'].unavailable]).to.deep.equal(['2026-12-01', '2026-12-01', undefined]);
    expect([withToday['last-month'].from, withToday['last-month'].to]).to.deep.equal(['2026-11-01', '2026-11-30']);
  });

  it('on 1 March: last month is February (28 days in 2026)', () => {
    const { byId } = presets('2026-03-01T18:00:00Z');
    expect([byId['last-month'].from, byId['last-month'].to]).to.deep.equal(['2026-02-01', '2026-02-28']);
    expect(byId['this-month'].unavailable).to.match(/no complete day yet/);
  });

  it('on 1 January: last month is December of the year before', () => {
    const { byId } = presets('2027-01-01T18:00:00Z');
    expect([byId['last-month'].from, byId['last-month'].to]).to.deep.equal(['2026-12-01', '2026-12-31']);
  });

  it('a range equal to last month is recognised as the "Last month" preset', () => {
    // Nov 1: October has 31 days, so last month (Oct 1-31) differs from the last 30 days (Oct 2-31)
    const r = resolveRange({ from: '2026-10-01', to: '2026-10-31' }, ZONE, new Date('2026-11-01T18:00:00Z'));
    expect(r.ok && r.range.preset).to.equal('last-month');
  });

  describe('on the page', () => {
    let t: TestApp;
    let admin: Agent;
    before(async () => {
      t = await createTestApp();
      const ws = await createWorkspace(t.db, { slug: 'edge', name: 'Edge', time_zone: ZONE });
      await createUser(t.db, ws.id, { email: 'admin@edge.test', name: 'Edge Admin', role: 'admin' });
      await createUser(t.db, ws.id, { email: 'u@edge.test', name: 'U' });
      // Nov 30 23:30 CST (Dec 1 in UTC) and Dec 1 00:30 CST: one generation on each side of the boundary.
      await recordInteractions(t.db, ws.id, [
        { id: 'nov', user: 'u@edge.test', occurredAt: new Date('2026-12-01T05:30:00Z'), kind: 'inference', surface: 'chat', model: 'm', promptTokens: 1, completionTokens: 1 },
        { id: 'dec', user: 'u@edge.test', occurredAt: new Date('2026-12-01T06:30:00Z'), kind: 'inference', surface: 'chat', model: 'm', promptTokens: 1, completionTokens: 1 },
      ]);
      setUsageClock(() => new Date('2026-12-01T18:00:00Z')); // noon on Dec 1 in Chicago
      admin = await loginAs(t.app, 'admin@edge.test', PASSWORD);
    });
    after(async () => {
      setUsageClock();
      await closeAll();
    });

    it('links "Last month" to November and shows "This month" as unavailable with the reason', async () => {
      const html = (await admin.get('/admin/usage').expect(200)).text;
      expect(html).to.match(/href="\/admin\/usage\?from=2026-11-01&amp;to=2026-11-30" data-preset="last-month"( aria-current="true")?>Last month</);
      expect(html).to.match(/<span class="usage-preset usage-preset-off" aria-disabled="true" aria-describedby="preset-this-month-note" data-preset="this-month">This month<\/span>/);
      expect(html).to.include('This month has no complete day yet: data runs through yesterday (2026-11-30).');
      expect(html).not.to.match(/data-preset="this-month"[^>]*href=/);
    });

    it('"Last month" counts the generation of Nov 30 23:30 CST and not the one half an hour later', async () => {
      const html = (await admin.get('/admin/usage?from=2026-11-01&to=2026-11-30').expect(200)).text;
      expect(html).to.match(/data-card="generations"[\s\S]*?data-value>1</);
      // November has 30 days: on Dec 1 "Last 30 days" is the same range, and both presets are marked
      expect(html).to.match(/class="usage-preset active" href="\/admin\/usage\?from=2026-11-01&amp;to=2026-11-30" data-preset="last-month" aria-current="true">Last month/);
      expect(html).to.match(/class="usage-preset active" href="\/admin\/usage\?from=2026-11-01&amp;to=2026-11-30" data-preset="30d" aria-current="true">Last 30 days/);
      expect(html).not.to.match(/class="usage-preset active"[^>]*data-preset="7d"/);
    });

    it('with "Include today", "This month" is Dec 1 so far and holds the 00:30 generation', async () => {
      const html = (await admin.get('/admin/usage?today=1').expect(200)).text;
      expect(html).to.match(/href="\/admin\/usage\?from=2026-12-01&amp;to=2026-12-01&amp;today=1" data-preset="this-month">This month</);
      const month = (await admin.get('/admin/usage?from=2026-12-01&to=2026-12-01&today=1').expect(200)).text;
      expect(month).to.match(/data-card="generations"[\s\S]*?data-value>1</);
      expect(month).to.include('includes today so far');
    });
  });
});
