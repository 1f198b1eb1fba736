// The Usage page with every chart, and every Token Statistics tab, read rollup tables only: the raw
// `interactions` table is touched solely by the data-version probe (MAX(id), and a primary-key range
// of the ids added since the last look), never scanned for a figure.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { setUsageClock } from '../../src/reports/clock';
import { CHART_IDS } from '../../src/usage/chart-registry';
import { recordInteractions } from '../../src/ingest/write-path';
import { buildUsageWorld, NOW, type UsageWorld } from './fixture';

const RAW = /(from|join)\s+[`"]interactions[`"]/i; // the table, not the rollups' interactions column
/** The version probe: MAX(id) of the whole table, or a range of new ids (id > ? and id <= ?) of one workspace. */
const PROBE = /^select max\([`"]id[`"]\) as [`"]m[`"](, max\([`"]day[`"]\) as [`"]hi[`"], min\([`"]day[`"]\) as [`"]lo[`"])? from [`"]interactions[`"]( where [`"]id[`"] > \? and [`"]id[`"] <= \? and [`"]workspace_id[`"] = \?)? limit \?$/i;
// ...or the first look, which also asks whether per-user rollups are pending (src/reports/memo.ts)
const FIRST_PROBE = /^select \(CASE WHEN EXISTS \(SELECT 1 FROM [`"]rollup_pending[`"] WHERE [`"]workspace_id[`"] = \?\) THEN -1 ELSE \(SELECT MAX\([`"]id[`"]\) FROM [`"]interactions[`"]\) END\) as [`"]m[`"] limit \?$/i;

describe('usage and token statistics read rollups, never the raw interactions', () => {
  let t: TestApp;
  let w: UsageWorld;
  let admin: Agent;
  const seen: string[] = [];
  const listener = (q: { sql: string }) => seen.push(q.sql);

  before(async () => {
    t = await createTestApp();
    w = await buildUsageWorld(t.db);
    setUsageClock(() => NOW);
    admin = await loginAs(t.app, 'admin@acme.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  async function capture(fn: () => Promise<void>): Promise<string[]> {
    seen.length = 0;
    t.db.on('query', listener);
    try {
      await fn();
    } finally {
      t.db.removeListener('query', listener);
    }
    return [...seen];
  }

  async function everything() {
    for (const q of ['from=2026-10-26&to=2026-11-24', 'from=2025-11-25&to=2026-11-24&today=1']) {
      await admin.get(`/admin/usage?${q}`).expect(200);
      for (const id of CHART_IDS) await admin.get(`/admin/usage/charts/${id}?${q}`).set('HX-Request', 'true').expect(200);
    }
    for (const q of ['tab=usage', 'tab=usage&range=all', 'tab=monthly', 'tab=exports']) await admin.get(`/admin/tokens?${q}`).expect(200);
  }

  it('on a cold start and after new usage arrives, every statement on interactions is the version probe', async () => {
    const cold = await capture(everything);
    expect(cold.some((s) => /rollup_daily/.test(s)), 'reads rollup_daily').to.equal(true);
    expect(cold.some((s) => /rollup_monthly_user/.test(s)), 'reads rollup_monthly_user').to.equal(true);
    expect(cold.some((s) => /login_days/.test(s)), 'reads login_days').to.equal(true);
    const rawCold = cold.filter((s) => RAW.test(s));
    expect(rawCold.length).to.be.greaterThan(0); // the probe runs
    expect(rawCold.filter((s) => !PROBE.test(s) && !FIRST_PROBE.test(s))).to.deep.equal([]);

    // new usage: the probe now reads the range of new ids; figures are recomputed from rollups
    await recordInteractions(t.db, w.ws, [{ id: 'fresh', user: 'ann@acme.test', occurredAt: new Date('2026-11-24T18:00:00Z'), kind: 'inference', surface: 'chat', model: 'm', promptTokens: 1, completionTokens: 1 }]);
    const warm = await capture(everything);
    const rawWarm = warm.filter((s) => RAW.test(s));
    expect(rawWarm.some((s) => /where [`"]id[`"] > \?/i.test(s)), 'the incremental probe ran').to.equal(true);
    expect(rawWarm.filter((s) => !PROBE.test(s) && !FIRST_PROBE.test(s))).to.deep.equal([]);
  });

  it('the probe is not a figure: a self-check that the filter would catch a real scan', () => {
    expect(RAW.test('select sum(`total_tokens`) as `t` from `interactions` where `workspace_id` = ?')).to.equal(true);
    expect(RAW.test('select sum(`interactions`) as `g` from `rollup_daily` where `workspace_id` = ?')).to.equal(false);
    expect(PROBE.test('select sum(`total_tokens`) as `t` from `interactions` where `workspace_id` = ?')).to.equal(false);
    expect(PROBE.test('select count(*) as `c` from `interactions` where `workspace_id` = ? and `day` between ? and ?')).to.equal(false);
  });
});
