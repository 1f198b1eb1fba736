// API keys in a real browser: create through the htmx form (secret shown once, focused, no page
// reload), the key works, revoke through the disclosure, docs page, no CSP violations, 390px wide.
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app';
import { PASSWORD, twoWorkspaces } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { openApiDocument } from '../../src/api/openapi';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';

(browserTestsEnabled() ? describe : describe.skip)('browser: API keys', function () {
  this.timeout(60000);
  let t: TestApp;
  let h: BrowserHarness;

  before(async () => {
    t = await createTestApp();
    await twoWorkspaces(t.db);
    h = await startBrowser(t.app);
    await browserLogin(h, 'admin@alpha.test', PASSWORD);
  });
  after(async () => {
    await h?.close();
    await closeAll();
  });

  const callApi = (key: string) =>
    h.page.evaluate(async (k) => (await fetch('/api/v1/logins', { method: 'POST', headers: { Authorization: `Bearer ${k}`, 'Content-Type': 'application/json' }, body: '{"logins":[]}' })).status, key);

  it('creates a key in place, shows it once, and revokes it', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/api-keys`);
    expect(await page.textContent('#api-keys-panel')).to.contain('No API keys yet');
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 7));

    // Empty name: the error appears next to the field without a reload.
    await page.click('button:has-text("Create key")');
    await page.waitForSelector('#key-name-error');
    expect(await page.textContent('#key-name-error')).to.contain('Enter a name for the key.');

    await page.fill('#key-name', 'Browser key');
    await page.click('button:has-text("Create key")');
    await page.waitForSelector('#new-key-value');
    const key = await page.inputValue('#new-key-value');
    expect(key).to.match(/^uc_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('new-key-value');
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 'no full reload').to.equal(7);
    expect(await callApi(key)).to.equal(200);

    // Reloading never shows the secret again.
    await page.reload();
    expect(await page.content()).not.to.contain(key);
    expect(await page.textContent('.apikeys-table')).to.contain('Browser key');

    // Revoke through the disclosure (keyboard reachable summary + button).
    await page.click('.apikeys-revoke summary');
    await page.click('button:has-text("Revoke “Browser key”")');
    await page.waitForSelector('.apikeys-table .pill-danger');
    expect(await page.textContent('#api-keys-panel [role=status]')).to.contain('is revoked');
    expect(await callApi(key)).to.equal(401);
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('works at 390px wide and renders the API reference', async () => {
    const page = h.page;
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${h.baseUrl}/admin/api-keys`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).to.be.at.most(0);
    expect(await page.isVisible('#key-name')).to.equal(true);
    await page.goto(`${h.baseUrl}/admin/api-keys/docs`);
    // A curl example per operation, plus the example answer of each operation whose 200 has one.
    const ops = Object.values(openApiDocument().paths as Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { example?: unknown }> }> }>>).flatMap((p) => Object.values(p));
    const expected = ops.length + ops.filter((op) => op.responses?.['200']?.content?.['application/json']?.example !== undefined).length;
    expect(ops.length).to.equal(10);
    expect(await page.locator('pre.apidocs-curl').count()).to.equal(expected);
    const docsOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(docsOverflow).to.be.at.most(0);
    expect(cspErrors(page)).to.deep.equal([]);
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
