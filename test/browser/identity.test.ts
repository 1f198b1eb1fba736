// Enterprise identity in a real browser: an admin sets up single sign-on on the Sign-in settings
// page against a real OpenID Provider (oidc-provider on loopback) and tests the connection; a member
// signs in with "Continue with single sign-on" through the provider and back; the member sets up
// two-factor sign-in from the QR code (a data: image the CSP must allow). Screenshots at 1440/390 px.
import fs from 'node:fs';
import { expect } from 'chai';
import { generate } from 'otplib';
import { createTestApp, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { PASSWORD, twoWorkspaces } from '../helpers/fixtures';
import { startIdp, type TestIdp } from '../identity/idp';

const SHOTS = process.env.SHOTS_DIR || '/tmp/shots-identity';

(browserTestsEnabled() ? describe : describe.skip)('browser: single sign-on and two-factor sign-in', function () {
  this.timeout(90_000);
  let t: TestApp;
  let h: BrowserHarness;
  let idp: TestIdp;

  async function shoot(name: string) {
    fs.mkdirSync(SHOTS, { recursive: true });
    for (const width of [1440, 390]) {
      await h.page.setViewportSize({ width, height: 900 });
      await h.page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
      const wide = await h.page.evaluate(() =>
        document.documentElement.scrollWidth > window.innerWidth + 1
          ? [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap, .sidenav, nav')).slice(0, 5).map((e) => `${e.tagName}.${e.className}`)
          : [],
      );
      expect(wide, `${name} at ${width}px scrolls sideways`).to.deep.equal([]);
    }
    await h.page.setViewportSize({ width: 1280, height: 900 });
  }

  before(async () => {
    t = await createTestApp({ env: { SSO_ALLOW_PRIVATE_ISSUERS: '1' } });
    await twoWorkspaces(t.db);
    h = await startBrowser(t.app);
    idp = await startIdp([`${h.baseUrl}/login/sso/callback`]);
    idp.accounts.set('entra-42', { sub: 'entra-42', email: 'member@alpha.test', name: 'Mark Member', groups: ['staff'] });
  });
  after(async () => {
    await h?.close();
    await idp?.close();
    await closeAll();
  });

  it('an admin sets up single sign-on and "Test connection" shows the discovered provider', async () => {
    const page = h.page;
    await browserLogin(h, 'admin@alpha.test', PASSWORD);
    await page.goto(`${h.baseUrl}/admin/settings`);
    await Promise.all([page.waitForURL('**/admin/settings/sign-in'), page.click('a[href="/admin/settings/sign-in"]')]);
    expect(await page.textContent('[data-testid="redirect-uri"]')).to.equal(`${h.baseUrl}/login/sso/callback`);
    await page.fill('#sso-issuer', idp.issuer);
    await page.fill('#sso-client-id', idp.clientId);
    await page.fill('#sso-client-secret', idp.clientSecret);
    await page.fill('#sso-domains', 'alpha.test');
    await Promise.all([page.waitForLoadState('load'), page.click('[data-testid="test-connection"]')]);
    expect(await page.textContent('[data-testid="test-result"]')).to.include('Discovery worked');
    expect(await page.textContent('[data-testid="test-result"]')).to.include(`${idp.issuer}/auth`);
    // The form keeps what was typed except the secret, which is entered again to save.
    await page.fill('#sso-client-secret', idp.clientSecret);
    await Promise.all([page.waitForURL('**/admin/settings/sign-in?saved=connection*'), page.click('form[action="/admin/settings/sign-in"] button.btn-primary')]);
    expect(await page.textContent('.alert-ok')).to.include('Single sign-on settings saved');
    expect(await page.inputValue('#sso-client-secret')).to.equal('');
    expect(await page.content()).to.not.include(idp.clientSecret);
    await page.fill('#group-name', 'console-admins');
    await page.selectOption('#group-role', 'admin');
    await Promise.all([page.waitForURL('**saved=groups*'), page.click('form[action="/admin/settings/sign-in/group-roles"] button')]);
    expect(await page.textContent('#groups table')).to.include('console-admins');
    await shoot('sign-in-settings');
    expect(cspErrors(page)).to.deep.equal([]);
    await page.click('form[action="/logout"] button');
    await page.waitForURL('**/login');
  });

  it('a member signs in with "Continue with single sign-on" through the identity provider', async () => {
    const page = h.page;
    await page.context().clearCookies();
    idp.signInAs('entra-42');
    await page.goto(`${h.baseUrl}/login`);
    await shoot('login');
    await Promise.all([page.waitForURL('**/login/sso'), page.click('text=Continue with single sign-on')]);
    await page.fill('#sso-email', 'member@alpha.test');
    await shoot('sso-email');
    await Promise.all([page.waitForURL((u) => u.href.startsWith(h.baseUrl) && !u.pathname.startsWith('/login'), { timeout: 20_000 }), page.click('button[type=submit]')]);
    expect(new URL(page.url()).pathname).to.equal('/me');
    expect(await page.textContent('.signed-in')).to.include('Mark Member');
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('the member sets up two-factor sign-in from the QR code and gets ten recovery codes', async () => {
    const page = h.page;
    await page.click('a.signed-in');
    await page.waitForURL('**/account/two-factor');
    await Promise.all([page.waitForURL('**/account/two-factor'), page.click('text=Set up two-factor sign-in')]);
    const qr = page.locator('[data-testid="totp-qr"]');
    await qr.waitFor();
    // The QR code is a data: URL image: it only draws if the CSP's img-src allows data:.
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 100)).to.equal(true);
    await shoot('two-factor-enrol');
    const secret = ((await page.textContent('[data-testid="totp-secret"]')) ?? '').replace(/\s/g, '');
    await page.fill('#code-confirm', await generate({ secret }));
    await Promise.all([page.waitForLoadState('load'), page.click('form[action="/account/two-factor/confirm"] button')]);
    expect(await page.locator('[data-testid="recovery-codes"] li').count()).to.equal(10);
    await shoot('two-factor-codes');
    expect(cspErrors(page)).to.deep.equal([]);
  });
});
