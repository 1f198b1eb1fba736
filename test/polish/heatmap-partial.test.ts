// The heatmap marks the months a range covers only in part, and offers the full address on hover.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { setUsageClock } from '../../src/reports/clock';
import { buildUsageWorld, NOW } from '../usage/fixture';

describe('heatmap: partial months are marked', () => {
  let t: TestApp;
  let admin: Agent;
  before(async () => {
    t = await createTestApp();
    await buildUsageWorld(t.db);
    setUsageClock(() => NOW);
    admin = await loginAs(t.app, 'admin@acme.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  const headers = async (qs: string) => {
    const html = (await admin.get(`/admin/usage/charts/heatmap?${qs}`).set('HX-Request', 'true').expect(200)).text;
    const head = /<thead>[\s\S]*?<\/thead>/.exec(html)![0];
    return { html, cols: [...head.matchAll(/<th scope="col"[^>]*>([\s\S]*?)<\/th>/g)].map((m) => m[1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()) };
  };

  it('a range from Oct 26 to Nov 24 covers both months in part', async () => {
    const { cols, html } = await headers('from=2026-10-26&to=2026-11-24');
    expect(cols).to.deep.equal(['User', 'Oct 2026 partial', 'Nov 2026 partial', 'Total']);
    expect(html).to.contain('the range covers only part of that month');
    expect(html).to.match(/<span class="muted small usage-heat-email" title="[^"]+@acme\.test">/);
    expect(html).to.not.contain('max-height');
  });

  it('whole calendar months are not marked', async () => {
    const { cols, html } = await headers('from=2026-09-01&to=2026-10-31');
    expect(cols).to.deep.equal(['User', 'Sep 2026', 'Oct 2026', 'Total']);
    expect(html).to.not.contain('data-testid="heat-partial"');
  });
});
