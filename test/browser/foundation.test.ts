// The shell in a real browser: the demo admin signs in, sees the navigation, every nav page opens
// without a server error or a CSP violation, the layout fits a 390px phone, and sign-out works.
// Then a sweep of every page the app serves (demo data and a brand-new workspace, 1280px and 390px):
// one h1, labelled controls, named links, unique ids, no sideways scroll, WCAG AA text contrast,
// a clean console.
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { seedDemo } from '../../seeds/demo';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';
import { appRoutes } from '../foundation/app-routes';

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

  it('keyboard focus is always visible: a 3px ring in the primary colour on links, buttons and fields', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/credits`);
    const rings: string[] = [];
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      const ring = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const cs = getComputedStyle(el);
        return `${el.tagName.toLowerCase()} ${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`;
      });
      rings.push(ring);
    }
    expect(rings.length).to.equal(14);
    for (const r of rings) expect(r, r).to.match(/ solid (2|3)px rgb\(79, 70, 229\)$/);
    // it reached the navigation and the page content, not just the header
    expect(rings.some((r) => r.startsWith('a '))).to.equal(true);
  });

  it('the shell fits a 390px phone without sideways scrolling', async () => {
    const page = h.page;
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/admin/no-such-page', '/login']) {
      await page.goto(`${h.baseUrl}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).to.be.at.most(0);
    }
    // the header is one row: the navigation, the signed-in person and Sign out wait in the menu
    await page.goto(`${h.baseUrl}/admin/data-dictionary`);
    const header = await page.evaluate(() => {
      const bar = document.querySelector('.topbar')!.getBoundingClientRect();
      const kids = Array.from(document.querySelectorAll('.topbar-left > *, .topbar-right > *')).filter((e) => (e as HTMLElement).offsetParent !== null);
      // one row: every visible item's vertical centre lies within a few pixels of the others'
      const mids = kids.map((e) => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; });
      return { height: bar.height, rows: Math.max(...mids) - Math.min(...mids) < 8 ? 1 : 2, sidenav: !!(document.querySelector('.shell > .sidenav') as HTMLElement).offsetParent };
    });
    expect(header.height).to.be.at.most(60);
    expect(header.rows).to.equal(1);
    expect(header.sidenav).to.equal(false);
    expect(await page.isVisible('.topbar-signout button')).to.equal(false);
    await page.click('.site-menu > summary');
    expect(await page.isVisible('.site-menu-signout button')).to.equal(true);
    expect(await page.$$eval('.site-menu nav.menu-nav a', (as) => as.map((a) => a.textContent?.trim()))).to.have.length(7);
    expect(await page.getAttribute('.site-menu nav.menu-nav a[href="/admin/data-dictionary"]', 'aria-current')).to.equal('page');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).to.be.at.most(0);
    await page.keyboard.press('Escape');
    expect(await page.isVisible('.site-menu-signout button')).to.equal(false);
    // at a desktop width the menu is gone and the side navigation and Sign out are back
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(await page.isVisible('.site-menu > summary')).to.equal(false);
    expect(await page.isVisible('.topbar-signout button')).to.equal(true);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('signs out: back on the login page, and admin pages ask for a login again', async () => {
    const page = h.page;
    await page.goto(`${h.baseUrl}/admin/usage`);
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('.topbar-signout button')]);
    // Back does not bring the signed-in page out of a cache: it is asked for again, and refused.
    await page.goBack();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).to.equal('/login');
    expect(await page.locator('nav.sidenav').count()).to.equal(0);
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
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('.topbar-signout button')]);
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

/** WCAG contrast of every visible text element against its effective background (runs in the page). */
function lowContrastText(): string[] {
  const parse = (c: string) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = (c: { r: number; g: number; b: number }) => {
    const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el: Element) => {
    const layers: { r: number; g: number; b: number; a: number }[] = [];
    for (let e: Element | null = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) {
        layers.push(c);
        if (c.a >= 1) break;
      }
    }
    let base = { r: 255, g: 255, b: 255 };
    for (const l of layers.reverse()) base = { r: l.r * l.a + base.r * (1 - l.a), g: l.g * l.a + base.g * (1 - l.a), b: l.b * l.a + base.b * (1 - l.a) };
    return base;
  };
  const out = new Set<string>();
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    const cs = getComputedStyle(el);
    if (!(el as HTMLElement).offsetParent || cs.visibility === 'hidden' || Number(cs.opacity) === 0) continue;
    if (el.closest('[disabled], [aria-disabled="true"]')) continue; // WCAG exempts inactive controls
    const text = Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent!.trim()).join('');
    if (!text) continue;
    const bg = background(el);
    const f = parse(cs.color)!;
    const fg = { r: f.r * f.a + bg.r * (1 - f.a), g: f.g * f.a + bg.g * (1 - f.a), b: f.b * f.a + bg.b * (1 - f.a) };
    const [l1, l2] = [lum(fg), lum(bg)];
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (Number(cs.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) out.add(`${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')} "${text.slice(0, 20)}" ${ratio.toFixed(2)}:1`);
  }
  return [...out];
}

/** Structural accessibility facts of the current page. */
function pageFacts() {
  const controls = Array.from(document.querySelectorAll('input, select, textarea')).filter((el) => (el as HTMLInputElement).type !== 'hidden');
  const unlabelled = controls
    .filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title')))
    .map((el) => el.outerHTML.slice(0, 100));
  const nameless = Array.from(document.querySelectorAll('a[href], button'))
    .filter((el) => !(el.textContent!.trim() || el.getAttribute('aria-label') || el.getAttribute('title')))
    .map((el) => el.outerHTML.slice(0, 100));
  const ids = Array.from(document.querySelectorAll('[id]')).map((e) => e.id);
  // Text clipped by its container inside a table: an element whose content is wider (or taller) than its
  // box while its overflow hides the rest. A deliberate one-line ellipsis that carries the full value
  // (a title) is allowed; visually-hidden text (1px boxes for screen readers) is not visible text.
  const clipped = Array.from(document.querySelectorAll('table *'))
    .filter((el) => {
      const e = el as HTMLElement;
      if (!e.offsetParent || e.closest('.visually-hidden') || e.clientWidth <= 1) return false;
      if (!(e.textContent || '').trim()) return false;
      const cs = getComputedStyle(e);
      const hides = (v: string) => v === 'hidden' || v === 'clip';
      const wide = e.scrollWidth > e.clientWidth + 1 && hides(cs.overflowX);
      const tall = e.scrollHeight > e.clientHeight + 1 && hides(cs.overflowY);
      if (!wide && !tall) return false;
      return !(cs.textOverflow === 'ellipsis' && !tall && e.closest('[title]'));
    })
    .map((el) => `${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')} "${(el.textContent || '').trim().slice(0, 30)}"`);
  return {
    clipped: [...new Set(clipped)].slice(0, 10),
    h1: document.querySelectorAll('h1').length,
    unlabelled,
    nameless,
    duplicateIds: [...new Set(ids.filter((x, i) => ids.indexOf(x) !== i))],
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    skipLink: !!document.querySelector('a.skip-link[href="#main"]') && !!document.getElementById('main'),
    lang: document.documentElement.lang,
  };
}

(browserTestsEnabled() ? describe : describe.skip)('browser: every page, accessibility and layout sweep', function () {
  this.timeout(240_000);
  let t: TestApp;
  let h: BrowserHarness;
  let pages: string[];

  before(async () => {
    t = await createTestApp();
    await seedDemo(t.db, { users: 12, months: 2, seed: 11 });
    // A brand-new workspace with only its admin: every page must have an honest empty state.
    const ws = await createWorkspace(t.db, { slug: 'fresh', name: 'Fresh Start', billing_mode: 'credits' });
    await createUser(t.db, ws.id, { email: 'admin@fresh.test', name: 'Fran Fresh', role: 'admin' });
    h = await startBrowser(t.app);
    // tsx names arrow functions with a helper the page does not have; give the page a no-op one.
    await h.page.addInitScript({ content: 'window.__name = function (f) { return f; };' });
    const charts = ['weekly-generations', 'heatmap'];
    pages = appRoutes(t.app)
      .filter((r) => r.method === 'GET' && !/^\/(api|scim)\//.test(r.path) && !r.path.endsWith('.csv') && !r.path.endsWith('.pdf') && !['/healthz', '/login', '/', '/admin/users/summary', '/admin/users/:id/row'].includes(r.path))
      .flatMap((r) => (r.path.includes(':chart') ? charts.map((c) => r.path.replace(':chart', c)) : [r.path]));
  });
  after(async () => {
    await h?.close();
    await closeAll();
  });

  async function sweep(who: string, userIdFor: () => Promise<number>, widths: number[]) {
    const page = h.page;
    const problems: string[] = [];
    const consoleErrors: string[] = [];
    const onConsole = (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    };
    const onPageError = (e: Error) => consoleErrors.push(e.message);
    page.on('console', onConsole);
    page.on('pageerror', onPageError);
    const id = await userIdFor();
    try {
      for (const width of widths) {
        await page.setViewportSize({ width, height: 900 });
        for (const p of pages) {
          const path = p.replace(':id', String(id));
          consoleErrors.length = 0;
          const res = await page.goto(`${h.baseUrl}${path}`);
          await page.waitForLoadState('networkidle');
          const where = `${who} ${width}px ${path}`;
          if ((res?.status() ?? 0) >= 400) problems.push(`${where}: status ${res?.status()} ${(await page.textContent('main'))?.replace(/\s+/g, ' ').slice(0, 600)}`);
          const f = await page.evaluate(pageFacts);
          if (f.h1 !== 1) problems.push(`${where}: ${f.h1} h1 elements`);
          if (f.unlabelled.length) problems.push(`${where}: unlabelled ${f.unlabelled.join(' ; ')}`);
          if (f.nameless.length) problems.push(`${where}: links/buttons without a name ${f.nameless.join(' ; ')}`);
          if (f.duplicateIds.length) problems.push(`${where}: duplicate ids ${f.duplicateIds.join(', ')}`);
          if (f.overflow > 0) problems.push(`${where}: ${f.overflow}px sideways scroll`);
          if (f.clipped.length) problems.push(`${where}: text clipped in a table ${f.clipped.join(' ; ')}`);
          if (!f.skipLink || f.lang !== 'en') problems.push(`${where}: skip link or lang missing`);
          if (width >= 1280) {
            const low = await page.evaluate(lowContrastText);
            if (low.length) problems.push(`${where}: low contrast ${low.join(' ; ')}`);
          }
          if (consoleErrors.length) problems.push(`${where}: console ${consoleErrors.join(' ; ')}`);
        }
      }
    } finally {
      page.off('console', onConsole);
      page.off('pageerror', onPageError);
    }
    expect(problems).to.deep.equal([]);
    expect(cspErrors(page)).to.deep.equal([]);
  }

  it('the demo admin: every page at 1440 and 390 px has one h1, labelled controls, named links, no sideways scroll, no text clipped in tables, readable contrast, a clean console', async () => {
    expect(pages.length).to.be.greaterThan(12);
    await browserLogin(h, 'admin@acme.test', 'demo-admin-1');
    await sweep('demo', async () => Number((await t.db('users').where({ email: 'member@acme.test' }).first()).id), [1440, 390]);
  });

  it('a brand-new workspace with only its admin: every page renders its empty state just as cleanly', async () => {
    await h.page.context().clearCookies();
    await browserLogin(h, 'admin@fresh.test', PASSWORD);
    await sweep('fresh', async () => Number((await t.db('users').where({ email: 'admin@fresh.test' }).first()).id), [1440, 390]);
    const usage = await h.page.goto(`${h.baseUrl}/admin/usage`);
    expect(usage?.status()).to.equal(200);
    await h.page.waitForLoadState('networkidle');
    // empty charts say what is missing instead of drawing an empty canvas
    expect(await h.page.textContent('main')).to.match(/No generations in this range/);
  });
});
