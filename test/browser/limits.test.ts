// Limits in a real browser: the settings page adds a limit through its form (no CSP errors), and a
// member sees it on /me. With LIMITS_SHOTS=<dir>, screenshots at 1440 and 390 px are written there.
import { expect } from 'chai';
import fs from 'node:fs';
import type { Knex } from 'knex';
import type { Express } from 'express';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { createTestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { PASSWORD, twoWorkspaces } from '../helpers/fixtures';
import { upsertGroup } from '../../src/ingest/roster';
import { recordInteractions } from '../../src/ingest/write-path';
import { insertPolicy } from '../../src/limits/queries';

describe('browser: limits', function () {
  this.timeout(60_000);
  let db: Knex;
  let app: Express;
  let h: BrowserHarness;
  let w: Awaited<ReturnType<typeof twoWorkspaces>>;
  const shots = process.env.LIMITS_SHOTS;

  before(async function () {
    if (!browserTestsEnabled()) return this.skip();
    ({ db, app } = await createTestApp());
    w = await twoWorkspaces(db);
    const eng = (await upsertGroup(db, w.a.id, { externalId: 'eng', name: 'Engineering', members: ['member@alpha.test'] })).id;
    await insertPolicy(db, w.a.id, { scope: 'group', groupId: eng, userId: null, appliesTo: 'shared', metric: 'inference', period: 'month', amount: 2_000_000, mode: 'hard', expiresAt: null, note: 'Team budget' }, null);
    await insertPolicy(db, w.a.id, { scope: 'user', groupId: null, userId: w.memberA, appliesTo: 'member', metric: 'credits', period: 'week', amount: 300, mode: 'soft', expiresAt: new Date(Date.now() + 7 * 86_400_000), note: null }, null);
    await recordInteractions(db, w.a.id, [{ id: 'b-1', user: 'member@alpha.test', occurredAt: new Date(Date.now() - 60_000), kind: 'inference', model: 'm', promptTokens: 120_000, completionTokens: 4000 }]);
    h = await startBrowser(app);
    if (shots) fs.mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await h?.close();
    await closeAll();
  });

  async function shoot(name: string) {
    if (!shots) return;
    for (const width of [1440, 390]) {
      await h.page.setViewportSize({ width, height: 900 });
      await h.page.screenshot({ path: `${shots}/${name}-${width}.png`, fullPage: true });
    }
    await h.page.setViewportSize({ width: 1280, height: 900 });
  }

  it('an admin adds a workspace default through the form and sees it listed', async () => {
    await browserLogin(h, 'admin@alpha.test', PASSWORD);
    await h.page.goto(`${h.baseUrl}/admin/settings/limits`);
    await h.page.selectOption('#lim-layer', 'workspace');
    await h.page.selectOption('#lim-metric', 'inference');
    await h.page.selectOption('#lim-period', 'month');
    await h.page.fill('#lim-amount', '500000');
    await h.page.selectOption('#lim-mode', 'hard');
    await Promise.all([h.page.waitForURL(/notice=added/), h.page.click('form.limits-form button[type=submit]')]);
    const rows = await h.page.locator('[data-testid=limit-row]').allTextContents();
    expect(rows.join(' ')).to.contain('500,000').and.contain('Everyone').and.contain('Engineering');
    expect(cspErrors(h.page)).to.deep.equal([]);
    await shoot('limits-admin');
    await h.page.goto(`${h.baseUrl}/admin/settings/limits/status`);
    expect(await h.page.locator('[data-testid=status-row]').count()).to.be.greaterThan(0);
    await shoot('limits-status');
    await h.page.goto(`${h.baseUrl}/admin/settings/limits/showback`);
    expect(await h.page.locator('[data-testid=showback-row]').count()).to.equal(12); // one group x 12 months
    await shoot('limits-showback');
    expect(cspErrors(h.page)).to.deep.equal([]);
  });

  it('the member sees their limits on /me', async () => {
    await h.page.context().clearCookies();
    await browserLogin(h, 'member@alpha.test', PASSWORD);
    await h.page.goto(`${h.baseUrl}/me`);
    const text = await h.page.locator('#limits').textContent();
    expect(text).to.contain('inference tokens per month').and.contain('124,000').and.contain('credits per week');
    expect(cspErrors(h.page)).to.deep.equal([]);
    await shoot('limits-me');
  });
});
