// On the day clocks fall back, the repeated hour shows its zone (01:30 CDT, then 01:30 CST) on the
// Activity Logs page (in the one timestamp format, 'Nov 1, 2026, 01:30 CDT') and in its CSV; UTC cells are ISO 8601 with T and Z like every other export.
import { expect } from 'chai';
import { parse as parseCsv } from 'csv-parse/sync';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { createUser, PASSWORD, twoWorkspaces } from '../helpers/fixtures';
import { recordInteractions } from '../../src/ingest/write-path';
import { isRepeatedLocalTime, localDateTimeLabel } from '../../src/db/time';
import { ev } from '../users/fixture';

const CHICAGO = 'America/Chicago';

describe('the repeated hour of a fall-back day', () => {
  it('is recognised and labelled with its zone, and no other hour is', () => {
    // 2026-11-01: 06:30Z = 01:30 CDT, 07:30Z = 01:30 CST (clocks went back at 07:00Z)
    expect(localDateTimeLabel(new Date('2026-11-01T06:30:00Z'), CHICAGO)).to.equal('2026-11-01 01:30:00 CDT');
    expect(localDateTimeLabel(new Date('2026-11-01T07:30:00Z'), CHICAGO)).to.equal('2026-11-01 01:30:00 CST');
    for (const iso of ['2026-11-01T05:59:00Z', '2026-11-01T08:00:00Z', '2026-03-08T08:30:00Z', '2026-07-01T12:00:00Z']) {
      expect(isRepeatedLocalTime(new Date(iso), CHICAGO), iso).to.equal(false);
    }
    expect(localDateTimeLabel(new Date('2026-11-01T08:30:00Z'), CHICAGO)).to.equal('2026-11-01 02:30:00');
    expect(isRepeatedLocalTime(new Date('2026-11-01T06:30:00Z'), 'UTC')).to.equal(false);
  });

  describe('on the Activity Logs page and its CSV', () => {
    let t: TestApp;
    let admin: Agent;
    let dst: number;
    before(async () => {
      t = await createTestApp();
      const w = await twoWorkspaces(t.db);
      dst = await createUser(t.db, w.a.id, { email: 'dst@alpha.test', name: 'Dee Est' });
      await recordInteractions(t.db, w.a.id, [
        ev('dst@alpha.test', new Date('2026-11-01T06:30:00Z'), { promptTokens: 1 }),
        ev('dst@alpha.test', new Date('2026-11-01T07:30:00Z'), { promptTokens: 2 }),
        ev('dst@alpha.test', new Date('2026-11-01T09:15:00Z'), { promptTokens: 3 }),
      ]);
      admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
    });
    after(() => closeAll());

    it('page: 01:30 CDT and 01:30 CST, other times without a zone', async () => {
      const html = (await admin.get(`/admin/users/${dst}/logs`).expect(200)).text;
      const locals = [...html.matchAll(/<td class="when"><time datetime="([^"]+)" title="[^"]+">([\s\S]*?)<\/time>/g)].map((m) => [m[1], m[2].replace(/<[^>]+>/g, '')]);
      expect(locals).to.deep.equal([
        ['2026-11-01T09:15:00.000Z', 'Nov 1, 2026, 03:15'],
        ['2026-11-01T07:30:00.000Z', 'Nov 1, 2026, 01:30 CST'],
        ['2026-11-01T06:30:00.000Z', 'Nov 1, 2026, 01:30 CDT'],
      ]);
    });

    it('CSV: ISO 8601 UTC with T and Z, the local column with the zone in the repeated hour', async () => {
      const res = await admin.get(`/admin/users/${dst}/logs.csv`).expect(200);
      const rows: Record<string, string>[] = parseCsv(res.text, { columns: true });
      expect(rows.map((r) => [r.occurred_at_utc, r.occurred_at_local])).to.deep.equal([
        ['2026-11-01T09:15:00.000Z', '2026-11-01 03:15:00'],
        ['2026-11-01T07:30:00.000Z', '2026-11-01 01:30:00 CST'],
        ['2026-11-01T06:30:00.000Z', '2026-11-01 01:30:00 CDT'],
      ]);
    });
  });
});
