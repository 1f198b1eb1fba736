// A form that comes back with a validation error moves nothing: every field, button and element
// after the form keeps its box (x, y, width, height) before and after the error, whether the form is
// re-rendered by the server (a full page) or swapped by htmx. The message is on screen next to its
// field, the first invalid field has the focus, and the inline allocation message is never under a
// button. Measured at 1440 px for every main form, and at 390 px for the stacked ones.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { closeAll } from '../helpers/db';
import { createTestApp, type TestApp } from '../helpers/app';
import { createUser, PASSWORD } from '../helpers/fixtures';
import { browserLogin, browserTestsEnabled, cspErrors, startBrowser, type BrowserHarness } from '../helpers/browser';
import { addCredits } from '../../src/credits/admin';
import { creditWorld } from '../credits/fixture';

const SHOTS = process.env.SHOTS_DIR || '/tmp/shots-form-errors';

type Box = [string, number, number, number, number];

/**
 * Boxes (page coordinates) of the form, its controls, and the first 30 visible elements after it
 * (but none inside `skip`, the form's output).
 * Plain JavaScript source: tsx would wrap named functions of a callback in a helper the page lacks.
 */
const BOXES = `
  const box = (label, el) => {
    const r = el.getBoundingClientRect();
    return [label, Math.round(r.x + scrollX), Math.round(r.y + scrollY), Math.round(r.width), Math.round(r.height)];
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const out = [box('form', f)];
  f.querySelectorAll('input:not([type=hidden]), select, textarea, button, label').forEach((el) => out.push(box('in form: ' + name(el), el)));
  const after = [...document.querySelectorAll('body *')].filter((el) =>
    (f.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0 && !f.contains(el) && el.getClientRects().length > 0 && !el.closest('script, template, datalist, option') && !(skip && el.closest(skip)));
  after.slice(0, 30).forEach((el) => out.push(box('after: ' + name(el), el)));
  return out;
`;

async function boxes(page: Page, form: string, output?: string): Promise<Box[]> {
  return page.$eval(form, new Function('f', 'skip', BOXES) as (f: Element, skip: string) => Box[], output ?? '');
}

/** The boxes that moved or changed size (1 px of rounding allowed). */
function moved(before: Box[], after: Box[]): string[] {
  const out: string[] = [];
  if (before.length !== after.length) out.push(`${before.length} boxes before, ${after.length} after`);
  before.forEach((b, i) => {
    const a = after[i];
    if (!a) return;
    if (a[0] !== b[0]) out.push(`#${i}: ${b[0]} became ${a[0]}`);
    else if ([1, 2, 3, 4].some((k) => Math.abs((a[k] as number) - (b[k] as number)) > 1)) out.push(`${b[0]}: [${b.slice(1)}] -> [${a.slice(1)}]`);
  });
  return out;
}

interface Case {
  name: string;
  url: string;
  form: string;
  /** before measuring: open the form (an inline editor) */
  open?: (page: Page) => Promise<void>;
  fill: (page: Page) => Promise<void>;
  submit: string;
  /** the field that must have the focus afterwards, and whose message must be on screen */
  invalid: string;
  /** htmx swaps the form in place (no navigation) */
  htmx?: boolean;
  /** also measured on a 390 px screen */
  phone?: boolean;
  /** what the form is for, and may change (a result panel): left out of the comparison */
  output?: string;
}

(browserTestsEnabled() ? describe : describe.skip)('browser: a form error shifts nothing', function () {
  this.timeout(240_000);
  let t: TestApp;
  let h: BrowserHarness;
  let w: Awaited<ReturnType<typeof creditWorld>>;
  let cases: Case[];

  before(async () => {
    t = await createTestApp();
    w = await creditWorld(t.db, { slug: 'forms' });
    for (const n of ['Cara', 'Dan', 'Eli']) await createUser(t.db, w.wsId, { email: `${n.toLowerCase()}@forms.test`, name: `${n} Extra` });
    await addCredits(t.db, w.actor, w.wsId, { kind: 'purchase', amount: 500, expiresAt: null, note: 'pack', priceCents: null });
    h = await startBrowser(t.app);
    await browserLogin(h, w.email('admin'), PASSWORD);
    h.page.on('dialog', (d) => void d.accept());
    fs.mkdirSync(SHOTS, { recursive: true });
    const allocRow = `#user-row-${w.alice}`;
    cases = [
      {
        name: 'users: inline allocation edit',
        url: '/admin/users',
        form: `${allocRow} form[data-testid="allocation-form"]`,
        open: async (page) => {
          await page.click(`${allocRow} [data-testid="row-menu-button"]`);
          await page.click(`${allocRow} [role="menuitem"]:has-text("Edit allocation")`);
          await page.waitForSelector(`${allocRow} form[data-testid="allocation-form"]`);
        },
        fill: (page) => page.fill(`#alloc-inf-${w.alice}`, '-3'),
        submit: `${allocRow} button:has-text("Save allocation")`,
        invalid: `#alloc-inf-${w.alice}`,
        htmx: true,
      },
      {
        name: 'users: allocation page',
        url: `/admin/users/${w.alice}/allocation`,
        form: 'form[data-testid="allocation-form"]',
        fill: (page) => page.fill(`#alloc-emb-${w.alice}`, '1.5'),
        submit: 'button:has-text("Save allocation")',
        invalid: `#alloc-emb-${w.alice}`,
        phone: true,
      },
      {
        name: 'users: invite',
        url: '/admin/users/new',
        form: 'form[data-testid="invite-form"]',
        fill: async (page) => {
          await page.fill('#inv-email', 'not-an-email');
          await page.fill('#inv-name', 'New Person');
        },
        submit: 'form[data-testid="invite-form"] button[type=submit]',
        invalid: '#inv-email',
        phone: true,
      },
      {
        name: 'credits: add credits',
        url: '/admin/credits/packs',
        form: '#add-credits',
        fill: (page) => page.fill('#pack-amount', 'lots'),
        submit: '#add-credits button[type=submit]',
        invalid: '#pack-amount',
        phone: true,
      },
      {
        name: 'credits: remove credits (refused by the server)',
        url: '/admin/credits/packs',
        form: '#remove-credits',
        fill: async (page) => {
          await page.fill('#remove-amount', '900000');
          await page.fill('#remove-note', 'double entry');
        },
        submit: '#remove-credits button[type=submit]',
        invalid: '#remove-amount',
        phone: true,
      },
      {
        name: 'credits: pay-as-you-go settings',
        url: '/admin/credits/payg',
        form: '#payg-form',
        fill: (page) => page.fill('#payg-cap', '7.5'),
        submit: '#payg-form button[type=submit]',
        invalid: '#payg-cap',
        phone: true,
      },
      {
        name: 'credits: prices',
        url: '/admin/credits/payg',
        form: '#prices-form',
        fill: (page) => page.fill('#prices-form input[name="api_call"]', 'free'),
        submit: '#prices-form button[type=submit]',
        invalid: '#prices-form input[name="api_call"]',
      },
      {
        name: 'credits: estimate',
        url: '/admin/credits/estimate',
        form: '#estimate-form',
        fill: (page) => page.fill('#estimate-form [name="quantity"]', 'many'),
        submit: '#estimate-form button[type=submit]',
        invalid: '#estimate-form [name="quantity"]',
        htmx: true,
        output: '#estimate-result',
      },
      {
        name: 'limits: policy',
        url: '/admin/settings/limits',
        form: 'form.limits-form',
        fill: (page) => page.fill('#lim-amount', 'lots'),
        submit: 'form.limits-form button[type=submit]',
        invalid: '#lim-amount',
      },
      {
        name: 'alerts: new rule',
        url: '/admin/settings/alerts',
        form: 'form.alerts-form[action="/admin/settings/alerts"]',
        fill: (page) => page.fill('#new-name', ''),
        submit: 'form.alerts-form[action="/admin/settings/alerts"] button[type=submit]',
        invalid: '#new-name',
        phone: true,
      },
      {
        name: 'API keys: create',
        url: '/admin/api-keys',
        form: '.apikeys-create-form',
        fill: (page) => page.fill('#key-name', ''),
        submit: '.apikeys-create-form button[type=submit]',
        invalid: '#key-name',
        htmx: true,
        phone: true,
      },
      {
        name: 'settings: single sign-on connection',
        url: '/admin/settings/sign-in',
        form: 'form.identity-form',
        fill: async (page) => {
          await page.fill('#sso-issuer', 'not a url');
          await page.fill('#sso-client-id', 'console');
        },
        submit: 'form.identity-form button:has-text("Save")',
        invalid: '#sso-issuer',
        phone: true,
      },
      {
        name: 'settings: data retention',
        url: '/admin/settings/retention',
        form: 'form.form-stack[action="/admin/settings/retention"]',
        fill: (page) => page.fill('#prompt-days', 'soon'),
        submit: 'form.form-stack[action="/admin/settings/retention"] button[type=submit]',
        invalid: '#prompt-days',
        phone: true,
      },
      {
        name: 'settings: webhook endpoint',
        url: '/admin/settings/webhooks',
        form: 'form.alerts-form[action="/admin/settings/webhooks"]',
        fill: async (page) => {
          await page.fill('#wh-url', 'javascript:alert(1)');
          await page.check('form.alerts-form[action="/admin/settings/webhooks"] input[name="event_types"] >> nth=0');
        },
        submit: 'form.alerts-form[action="/admin/settings/webhooks"] button[type=submit]',
        invalid: '#wh-url',
        phone: true,
      },
      {
        name: 'settings: scheduled report',
        url: '/admin/settings/reports',
        form: 'form.alerts-form[action="/admin/settings/reports"]',
        fill: (page) => page.fill('#rep-addresses', 'not an address'),
        submit: 'form.alerts-form[action="/admin/settings/reports"] button[type=submit]',
        invalid: '#rep-addresses',
        phone: true,
      },
    ];
  });
  after(async () => {
    await h?.close();
    await closeAll();
  });

  async function run(c: Case, width: number): Promise<string[]> {
    const page = h.page;
    await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
    await page.goto(`${h.baseUrl}${c.url}`);
    await page.waitForLoadState('networkidle');
    if (c.open) await c.open(page);
    await c.fill(page);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const before = await boxes(page, c.form, c.output);
    if (c.htmx) {
      await page.click(c.submit);
      await page.waitForSelector(`${c.invalid}[aria-invalid="true"]`);
      await page.waitForTimeout(150);
    } else {
      await Promise.all([page.waitForNavigation(), page.click(c.submit)]);
      await page.waitForLoadState('networkidle');
    }
    await page.screenshot({ path: path.join(SHOTS, `${width}-${c.name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
    const problems = moved(before, await boxes(page, c.form, c.output)).map((m) => `${c.name} at ${width} px: ${m}`);
    // the message is on screen next to its field, and the field has the focus
    const describedBy = await page.getAttribute(c.invalid, 'aria-describedby');
    const message = describedBy ? await page.$eval(`[id="${describedBy.split(' ').pop()}"]`, (e) => ({ text: e.textContent!.trim(), visible: e.getClientRects().length > 0 })) : null;
    if (!message || !message.text || !message.visible) problems.push(`${c.name} at ${width} px: no visible message for ${c.invalid}`);
    const focused = await page.$eval(c.invalid, (e) => e === document.activeElement);
    if (!focused) problems.push(`${c.name} at ${width} px: ${c.invalid} does not have the focus`);
    return problems;
  }

  it('at 1440 px, every main form', async () => {
    const problems: string[] = [];
    for (const c of cases) problems.push(...(await run(c, 1440)));
    expect(problems.join('\n')).to.equal('');
    expect(cspErrors(h.page)).to.deep.equal([]);
  });

  it('at 390 px, the stacked forms', async () => {
    const problems: string[] = [];
    for (const c of cases.filter((x) => x.phone)) problems.push(...(await run(c, 390)));
    expect(problems.join('\n')).to.equal('');
  });

  it('the inline allocation message sits clear of Save and Cancel', async () => {
    const page = h.page;
    await page.setViewportSize({ width: 1440, height: 900 });
    const c = cases[0];
    await page.goto(`${h.baseUrl}${c.url}`);
    await c.open!(page);
    await page.fill(`#alloc-inf-${w.alice}`, '-3');
    await page.fill(`#alloc-emb-${w.alice}`, 'x');
    await page.click(c.submit);
    await page.waitForSelector(`#alloc-emb-${w.alice}-error`);
    const rects = (sel: string) => page.$$eval(sel, (els) => els.map((e) => { const r = e.getBoundingClientRect(); return { l: r.left, r: r.right, t: r.top, b: r.bottom }; }));
    const messages = await rects(`#user-row-${w.alice} .field-error`);
    const buttons = await rects(`#user-row-${w.alice} button, #user-row-${w.alice} a.btn`);
    const hits = messages.flatMap((m) => buttons.filter((b) => m.l < b.r && b.l < m.r && m.t < b.b && b.t < m.b));
    const overlaps = { messages: messages.length, hits: hits.length };
    expect(overlaps).to.deep.equal({ messages: 2, hits: 0 });
  });
});
