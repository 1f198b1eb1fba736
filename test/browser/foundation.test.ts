// The shell in a real browser: the demo admin signs in, sees the navigation, every nav page opens
// without a server error or a CSP violation, the layout fits a 390px phone, and sign-out works.
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { seedDemo } from '../../seeds/demo';

const NAV = ['Usage', 'Users', 'Token Statistics', 'Credits', 'Audit log'];

(browserTestsEnabled() ? describe : describe.skip)('browser: foundation shell', function () {
  this.timeout(90_000);
  let t: TestApp;
  let h: BrowserHarness;

  before(async () => {
    t = await createTestApp();
    // A small copy of the demo organisation: the demo logins are the real ones.
    await seedDemo(t.db, { users: 12, months: 1, seed: 7 });
    h = await startBrowser(t.app);
  });
  after(async () => {
    await h?.close();
    await closeAll();
  });

  it('the demo admin signs in and sees the navigation, workspace and user', async () => {
    const page = h.page;
    await browserLogin(h, 'admin@acme.test', 'demo-admin-1');
    expect(new URL(page.url()).pathname).to.equal('/admin/usage');
    const labels = await page.$$eval('nav.sidenav a', (as) => as.map((a) => a.textContent?.trim()));
    for (const l of NAV) expect(labels).to.include(l);
    expect(await page.getAttribute('nav.sidenav a[href="/admin/usage"]', 'aria-current')).to.equal('page');
    expect(await page.textContent('.workspace-name')).to.include('Acme Corp');
    expect(await page.textContent('.signed-in')).to.include('Ada Admin');
    expect(await page.isVisible('form[action="/logout"] button')).to.equal(true);
    expect(await page.isVisible('a[href="/admin/notifications"]')).to.equal(true);
  });

  it('every navigation page opens without a server error or CSP violation', async () => {
    const page = h.page;
    for (const label of NAV) {
      const href = await page.getAttribute(`nav.sidenav a:text-is("${label}")`, 'href');
      const [response] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === href && r.request().resourceType() === 'document'), page.click(`nav.sidenav a:text-is("${label}")`)]);
      expect(response.status(), `${label} (${href})`).to.be.lessThan(400);
      await page.waitForLoadState('load');
      expect(await page.getAttribute(`nav.sidenav a[href="${href}"]`, 'aria-current'), label).to.equal('page');
      expect(await page.locator('main h1').count(), `${label} has a heading`).to.be.greaterThan(0);
    }
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('keyboard users get a skip link to the content first', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/no-such-page`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).to.equal('Skip to content');
    await page.keyboard.press('Enter');
    expect(new URL(page.url()).hash).to.equal('#main');
  });

  it('the shell fits a 390px phone without sideways scrolling', async () => {
    const page = h.page;
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/admin/no-such-page', '/login']) {
      await page.goto(`${h.baseUrl}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).to.be.at.most(0);
    }
    await page.goto(`${h.baseUrl}/admin/no-such-page`);
    expect(await page.isVisible('form[action="/logout"] button')).to.equal(true);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('signs out: back on the login page, and admin pages ask for a login again', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/usage`);
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('form[action="/logout"] button')]);
    await page.goto(`${h.baseUrl}/admin/users`);
    const u = new URL(page.url());
    expect(u.pathname).to.equal('/login');
    expect(u.searchParams.get('next')).to.equal('/admin/users');
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('a member signs in to /me, has no admin navigation, and gets the 403 page on admin pages', async () => {
    const page = h.page;
    await browserLogin(h, 'member@acme.test', 'demo-member-1');
    expect(new URL(page.url()).pathname).to.equal('/me');
    expect(await page.locator('nav.sidenav').count()).to.equal(0);
    // without the side navigation the content takes the whole width
    expect((await page.locator('main').boundingBox())!.width).to.be.greaterThan(1000);
    const res = await page.goto(`${h.baseUrl}/admin/users`);
    expect(res?.status()).to.equal(403);
    expect(await page.textContent('main')).to.include('Not allowed');
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('form[action="/logout"] button')]);
    expect(cspErrors(page)).to.deep.equal([]);
  });

  it('a wrong password shows the generic message in the form', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/login`);
    await page.fill('#email', 'admin@acme.test');
    await page.fill('#password', 'not-the-password');
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    expect(await page.textContent('[role=alert]')).to.include('do not match an active account');
    expect(await page.inputValue('#email')).to.equal('admin@acme.test');
  });
});
