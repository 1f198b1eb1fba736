// npm run screenshots [-- --out DIR --users N --only PATTERN]: starts the app on a temporary demo
// database, signs in, and writes a full-page PNG of every page it can reach (crawling the links of
// the admin pages, each route pattern once), every tab, and key states (menus open, form errors,
// the seat-billed workspace, a member's own page, an empty workspace) at 1440 px and 390 px, with
// an index.html to look through them. Needs Debian's chromium (CHROMIUM_PATH to override).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Page } from 'playwright-core';
import { flags, run } from './cli';
import { bootstrap } from '../src/bootstrap';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { DEMO_LOGINS } from '../seeds/demo';
import { hashPassword } from '../src/auth/password';
import { toDbTime } from '../src/db/time';
import { upsertUser } from '../src/ingest/roster';

const WIDTHS = [
  { name: '1440', width: 1440, height: 900 },
  { name: '390', width: 390, height: 844 },
] as const;

interface Shot {
  name: string;
  url: string;
  /** Who is signed in: a demo login index, or the empty workspace's admin. */
  as: number | 'empty';
  /** Something to do after the page loads (open a menu, submit an empty form). */
  act?: (page: Page) => Promise<void>;
}

/** A route pattern: numeric ids become :id, so each kind of record page is shot once. */
function patternOf(u: URL): string {
  return u.pathname.replace(/\/\d+(?=\/|$)/g, '/:id');
}

function slug(name: string): string {
  return name.replace(/^\/+/, '').replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '') || 'home';
}

/** Same-origin page links worth a picture: admin pages and /me, not downloads or sign-out. */
function crawlable(u: URL, origin: string): boolean {
  if (u.origin !== origin) return false;
  if (!/^\/(admin|me)(\/|$)/.test(u.pathname)) return false;
  if (/\.(csv|json|pdf)$/.test(u.pathname)) return false;
  return !/logout|download/.test(u.pathname);
}

async function links(page: Page, origin: string): Promise<URL[]> {
  const hrefs: string[] = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
  return hrefs.map((h) => new URL(h)).filter((u) => crawlable(u, origin));
}

run(async () => {
  const f = flags();
  const out = path.resolve(f.out && f.out !== 'true' ? f.out : 'screenshots');
  const only = f.only && f.only !== 'true' ? new RegExp(f.only) : null;
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new Error(`chromium not found at ${executablePath} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uc-shots-'));
  const config = loadConfig({ ...process.env, DATABASE_URL: `sqlite:${path.join(dir, 'console.sqlite')}`, LOG_LEVEL: 'warn', JOBS: '0', SEED_DEMO: '1' });
  console.error('Loading the demo organisation into a temporary database…');
  const ctx = await bootstrap({ config, seedIfEmpty: true, demo: f.users ? { users: Number(f.users) } : undefined });
  // An empty workspace: its admin sees every page's empty state.
  const [emptyWs] = await ctx.db('workspaces').insert({ slug: 'empty', name: 'Empty Co', created_at: toDbTime(new Date()), billing_mode: 'credits' });
  await upsertUser(ctx.db, Number(emptyWs), {
    name: 'Erin Empty', role: 'admin', status: 'active', joinedAt: new Date(), passwordHash: await hashPassword('empty-admin-1'), email: 'admin@empty.test',
  });
  const logins = [...DEMO_LOGINS.map((l) => ({ email: l.email, password: l.password })), { email: 'admin@empty.test', password: 'empty-admin-1' }];

  const app = createApp(ctx);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  const taken: { name: string; file: Record<string, string>; url: string }[] = [];
  try {
    fs.rmSync(out, { recursive: true, force: true });
    for (const w of WIDTHS) fs.mkdirSync(path.join(out, w.name), { recursive: true });

    const contexts = new Map<string, Page>();
    async function pageFor(who: number | 'empty', w: (typeof WIDTHS)[number]): Promise<Page> {
      const key = `${who}-${w.name}`;
      let page = contexts.get(key);
      if (page) return page;
      const bctx = await browser.newContext({ viewport: { width: w.width, height: w.height }, deviceScaleFactor: 1 });
      page = await bctx.newPage();
      const login = logins[who === 'empty' ? logins.length - 1 : who];
      await page.goto(`${origin}/login`);
      await page.fill('#email', login.email);
      await page.fill('#password', login.password);
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
      contexts.set(key, page);
      return page;
    }

    async function settle(page: Page) {
      await page.waitForLoadState('networkidle').catch(() => undefined);
      // Lazy htmx regions and chart animations.
      await page.waitForTimeout(400);
    }

    async function shoot(s: Shot) {
      if (only && !only.test(s.name)) return;
      const files: Record<string, string> = {};
      for (const w of WIDTHS) {
        const page = await pageFor(s.as, w);
        const res = await page.goto(`${origin}${s.url}`);
        await settle(page);
        if (s.act) {
          await s.act(page).catch((err) => console.error(`  ${s.name}: ${err.message}`));
          await settle(page);
        }
        const file = path.join(w.name, `${slug(s.name)}.png`);
        await page.screenshot({ path: path.join(out, file), fullPage: true });
        files[w.name] = file;
        if (res && res.status() >= 400) console.error(`  ${s.name}: HTTP ${res.status()}`);
      }
      taken.push({ name: s.name, file: files, url: s.url });
      console.error(`  ${s.name}`);
    }

    // 1. Crawl the admin's pages from the start page, one shot per route pattern.
    const admin = await pageFor(0, WIDTHS[0]);
    const seen = new Set<string>();
    const queue: URL[] = [new URL(`${origin}/admin/usage`), new URL(`${origin}/admin/settings`)];
    const pages: string[] = [];
    while (queue.length && pages.length < 80) {
      const u = queue.shift()!;
      const key = patternOf(u) + (u.searchParams.get('tab') ? `?tab=${u.searchParams.get('tab')}` : '');
      if (seen.has(key)) continue;
      seen.add(key);
      const rel = u.pathname + (u.searchParams.get('tab') ? `?tab=${u.searchParams.get('tab')}` : '');
      pages.push(rel);
      await admin.goto(`${origin}${rel}`);
      for (const l of await links(admin, origin)) queue.push(l);
    }
    console.error(`Shooting ${pages.length} admin pages and the key states at ${WIDTHS.map((w) => w.name).join(' and ')} px into ${out}`);
    for (const p of pages) await shoot({ name: `admin ${p}`, url: p, as: 0 });

    // 2. Key states.
    await shoot({ name: 'state workspace menu open', url: '/admin/usage', as: 0, act: (p) => p.click('.workspace-menu > summary') });
    await shoot({ name: 'state users row menu open', url: '/admin/users', as: 0, act: (p) => p.locator('[aria-haspopup="menu"], .row-menu-trigger').first().click() });
    await shoot({ name: 'state api key form error', url: '/admin/api-keys', as: 0, act: (p) => p.click('.apikeys-create-form button[type=submit]') });
    await shoot({
      name: 'state phone menu open',
      url: '/admin/users',
      as: 0,
      act: async (p) => {
        if (await p.isVisible('.site-menu > summary')) await p.click('.site-menu > summary');
      },
    });
    await shoot({
      name: 'state users inline allocation error',
      url: '/admin/users',
      as: 0,
      act: async (p) => {
        await p.locator('[data-testid="row-menu-button"]').first().click();
        await p.locator('[role="menuitem"]:has-text("Edit allocation")').first().click();
        await p.waitForSelector('tr.editing input[name="max_inference_tokens"]');
        await p.fill('tr.editing input[name="max_inference_tokens"]', '-3');
        await p.locator('tr.editing button[type="submit"]').first().click();
        await p.waitForSelector('tr.editing .field-error');
      },
    });
    await shoot({ name: 'state users by limit status', url: '/admin/users?limit_status=any_limit&sort=limit_use&dir=desc', as: 0 });
    await shoot({ name: 'state member me', url: '/me', as: 1 });
    await shoot({ name: 'state seat workspace usage', url: '/admin/usage', as: 2 });
    await shoot({ name: 'state seat workspace users', url: '/admin/users', as: 2 });
    await shoot({ name: 'state empty workspace usage', url: '/admin/usage', as: 'empty' });
    await shoot({ name: 'state empty workspace users', url: '/admin/users', as: 'empty' });
    await shoot({ name: 'state empty workspace credits', url: '/admin/credits', as: 'empty' });
    await shoot({ name: 'state not found', url: '/admin/no-such-page', as: 0 });

    const index = [
      '<!doctype html><meta charset="utf-8"><title>Usage Console screenshots</title>',
      '<style>body{font:14px system-ui;margin:1rem}section{margin:0 0 2rem}h2{font-size:1rem}.row{display:flex;gap:1rem;align-items:flex-start}img{border:1px solid #ccc}.w1440{width:720px}.w390{width:195px}</style>',
      `<h1>Usage Console — ${taken.length} screens at 1440 and 390 px</h1><p>${new Date().toISOString()}</p>`,
      ...taken.map(
        (t) => `<section><h2>${t.name.replace(/</g, '&lt;')} <small>${t.url.replace(/</g, '&lt;')}</small></h2><div class="row">` +
          `<a href="${t.file['1440']}"><img class="w1440" src="${t.file['1440']}" alt=""></a><a href="${t.file['390']}"><img class="w390" src="${t.file['390']}" alt=""></a></div></section>`,
      ),
    ].join('\n');
    fs.writeFileSync(path.join(out, 'index.html'), index);
    console.error(`Wrote ${taken.length * WIDTHS.length} PNGs and ${path.join(out, 'index.html')}`);
  } finally {
    await browser.close().catch(() => undefined);
    server.close();
    await ctx.db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
