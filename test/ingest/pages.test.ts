// Ingested usage shows on the admin pages at once (they read the rollups the write path upkeeps).
import { expect } from 'chai';
import { createTestApp, loginAs, type TestApp } from '../helpers/app';
import { PASSWORD, twoWorkspaces } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { dayOf } from '../../src/db/time';
import { event, keyFor, post } from './helpers';

function cell(html: string, userId: number, col: string): string | null {
  const row = new RegExp(`<tr id="user-row-${userId}"[\\s\\S]*?</tr>`).exec(html)?.[0];
  if (!row) return null;
  const m = new RegExp(`data-col="${col}"[^>]*>([^<]*)<`).exec(row);
  return m ? m[1].trim() : null;
}

describe('ingested data on the pages', () => {
  let t: TestApp;
  after(closeAll);

  it("the Users page shows this month's inference tokens right after the API call", async function () {
    t = await createTestApp();
    const w = await twoWorkspaces(t.db);
    const key = await keyFor(t.db, w.a.id);
    const admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
    // Two events a minute ago (this month, unless the month began within the last two minutes).
    const at = new Date(Date.now() - 60_000);
    if (dayOf(at, 'America/Chicago').slice(0, 7) !== dayOf(new Date(), 'America/Chicago').slice(0, 7)) this.skip();
    const before = await admin.get('/admin/users').expect(200);
    expect(cell(before.text, w.memberA, 'monthly')?.replace(/\D/g, '') || '0').to.equal('0');
    const res = await post(t.app, '/events', key, {
      events: [
        event('page-1', { occurred_at: at.toISOString(), prompt_tokens: 1200, completion_tokens: 34 }),
        event('page-2', { occurred_at: at.toISOString(), prompt_tokens: 100, completion_tokens: 11 }),
        event('page-3', { occurred_at: at.toISOString(), kind: 'embedding', prompt_tokens: 5000, completion_tokens: 0 }),
      ],
    });
    expect(res.body.accepted).to.equal(3);
    const page = await admin.get('/admin/users').expect(200);
    // 1234 + 111 inference tokens; the embedding run is not inference.
    expect(cell(page.text, w.memberA, 'monthly')?.replace(/\D/g, '')).to.equal('1345');
  });
});

describe('ingested data on the Usage page (through yesterday, unless "include today")', () => {
  after(closeAll);

  it('an event from yesterday counts at once; one from a minute ago only with today=1', async function () {
    const t = await createTestApp();
    const w = await twoWorkspaces(t.db);
    const key = await keyFor(t.db, w.a.id);
    const admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
    const zone = 'America/Chicago';
    const now = new Date();
    const minuteAgo = new Date(now.getTime() - 60_000);
    // Both instants must fall on today's reporting day (not the case in the first minute after midnight).
    if (dayOf(minuteAgo, zone) !== dayOf(now, zone)) this.skip();
    // 30 hours ago is always on the previous reporting day in Chicago (a day is at most 25 hours).
    const yesterdayAt = new Date(now.getTime() - 30 * 3600_000);
    const yesterday = dayOf(yesterdayAt, zone);
    const generations = (html: string) => /data-card="generations"[\s\S]*?data-value>([^<]*)</.exec(html)?.[1].trim();

    const res = await post(t.app, '/events', key, {
      events: [
        event('u-today-1', { occurred_at: minuteAgo.toISOString() }),
        event('u-today-2', { occurred_at: minuteAgo.toISOString(), output: 'image' }),
        event('u-today-emb', { occurred_at: minuteAgo.toISOString(), kind: 'embedding', completion_tokens: 0 }),
        event('u-yday-1', { occurred_at: yesterdayAt.toISOString() }),
      ],
    });
    expect(res.status).to.equal(200);
    expect(res.body.accepted).to.equal(4);
    // By hand: yesterday has 1 generation; today has 2 (text + image; the embedding run is not a generation).
    const range = `from=${yesterday}&to=${yesterday}`;
    expect(generations((await admin.get(`/admin/usage?${range}`).expect(200)).text)).to.equal('1');
    // Without today=1 a range reaching today stops at yesterday: today's events are not counted yet.
    const withoutToday = await admin.get(`/admin/usage?from=${yesterday}&to=${dayOf(now, zone)}`).expect(200);
    expect(generations(withoutToday.text)).to.equal('1');
    const withToday = await admin.get(`/admin/usage?from=${yesterday}&to=${dayOf(now, zone)}&today=1`).expect(200);
    expect(withToday.text).to.include('includes today so far');
    expect(generations(withToday.text)).to.equal('3');
  });
});
