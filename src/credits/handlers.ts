// Handlers of the Credits section: parse (zod), call the pool/admin services, render a sub-page
// (or its fragment for htmx) or redirect. Seat-billed workspaces have no credit settings (404).
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { actorFrom } from '../audit/audit';
import { streamRows } from '../db/dialect';
import { csvFilename } from '../csv/stream';
import { auditedCsvDownload } from '../csv/download';
import { creditLedgerExport } from './export-defs';
import { HttpError, isHtmx, notFound } from '../http/errors';
import { renderPage } from '../http/render';
import { idParam, parse } from '../http/validate';
import { startOfDayUtc, today } from '../db/time';
import { setCreditAccess } from '../users/credit-access';
import { resolveRange as resolveUsageRange, type UsageRange } from '../reports/range';
import { usageNow } from '../reports/clock';
import { addCredits, removeCredits, updatePrices, updateSettings } from './admin';
import { decideRequest, REQUEST_SUBJECT, requestWithNames } from './access-requests';
import { accessSchema, addCreditsSchema, ESTIMATE_ACTIONS, estimateSchema, ledgerQuerySchema, pageNumber, peopleQuerySchema, pricesSchema, removeCreditsSchema, settingsSchema } from './forms';
import { PRICE_ITEMS, type Prices } from './prices';
import { isCreditWorkspace, type CreditWorkspace } from './pool';
import { quoteAction, quoteUser, type Quote } from './quote';
import { findWorkspace, loadWorkspace } from '../workspaces/queries';
import { findPerson, ledgerExportQuery, userEmails } from './reports';
import { notificationAbout } from '../notifications/notify';
import { formHelpers, type FormState } from './view-model';
import { CREDIT_TABS, loadBase, loadLedger, loadOverview, loadPacks, loadPayg, loadPeople, loadUsage, type CreditTab } from './sections';

const NOTICES: Record<string, { text: string; tab: CreditTab }> = {
  purchase: { text: 'Purchase recorded: the credits are in the pool.', tab: 'packs' },
  grant: { text: 'Grant recorded: the credits are in the pool.', tab: 'packs' },
  removed: { text: 'Credits removed from the pool.', tab: 'packs' },
  settings: { text: 'Pay-as-you-go settings saved.', tab: 'payg' },
  prices: { text: 'Prices saved.', tab: 'payg' },
  unchanged: { text: 'Nothing changed.', tab: 'payg' },
  access: { text: 'Credit access updated.', tab: 'people' },
  approved: { text: 'Request approved: the user can now spend credits.', tab: 'people' },
  denied: { text: 'Request denied. The member has been told.', tab: 'people' },
  decided: { text: 'That request had already been decided (by another admin or in another tab); nothing changed.', tab: 'people' },
};

/** Where the single-page Credits URLs of before moved: their query parameters name the sub-page. */
const MOVED: [CreditTab, string[]][] = [
  ['usage', ['from', 'to', 'today', 'upage']],
  ['people', ['access', 'q', 'after']],
  ['ledger', ['type', 'before']],
];

/** The htmx fragment of each sub-page's inner list (filters and pagers swap only that). */
const INNER: Partial<Record<CreditTab, string>> = {
  usage: 'partials/credits/usage',
  people: 'partials/credits/people',
  ledger: 'partials/credits/ledger',
  estimate: 'partials/credits/estimate',
};

const str = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);

/** Credit settings exist only for credit-billed workspaces: every credit page and POST is 404 for the others. */
export function requireCreditWorkspace(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const ws = (res.locals.workspace as { billing_mode: string } | null) ?? (await findWorkspace(ctx.db, req.user!.workspace_id));
      if (!ws || !isCreditWorkspace(ws)) return next(notFound('This workspace is billed per seat: it has no credit settings.'));
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function creditsHandlers(ctx: AppContext) {
  const { db } = ctx;

  /** Full page; for htmx, the tab bar and panel (tab clicks) or only the sub-page's inner fragment. */
  function send(req: Request, res: Response, locals: Record<string, unknown>, status = 200) {
    const tab = locals.tab as CreditTab;
    const fragment = isHtmx(req) && req.get('HX-Request-Type') !== 'full' && !req.get('HX-Boosted');
    if (!fragment) return renderPage(res, 'pages/credits/index', locals, status);
    const target = req.get('HX-Target') ?? '';
    const view = target.includes('credits-section') || !INNER[tab] ? 'partials/credits/section' : INNER[tab]!;
    res.status(status).render(view, locals);
  }

  async function noticeFor(req: Request, workspaceId: number, tab: CreditTab): Promise<string | null> {
    const key = str(req.query.saved);
    const n = key ? NOTICES[key] : undefined;
    if (!n || n.tab !== tab) return null;
    // After a decision, say whose request and who decided (the notice sits next to the requests).
    const rid = str(req.query.request);
    if ((key === 'approved' || key === 'denied' || key === 'decided') && rid && /^\d{1,10}$/.test(rid)) {
      const r = await requestWithNames(db, workspaceId, Number(rid));
      if (r && r.status !== 'pending') {
        const by = r.decided_by_name ? ` by ${r.decided_by_name}` : '';
        return key === 'decided'
          ? `${r.name}'s request had already been ${r.status}${by}; nothing changed.`
          : r.status === 'approved'
            ? `Approved${by}: ${r.name} can now spend credits.`
            : `Denied${by}: ${r.name}'s request was declined and they have been told.`;
      }
    }
    return n.text;
  }

  async function show(req: Request, res: Response, tab: CreditTab, opts: { form?: FormState; status?: number; extra?: Record<string, unknown> } = {}) {
    const now = new Date();
    const base = await loadBase(db, req.user!, tab, now);
    const ws = base.ws as CreditWorkspace;
    const q = req.query as Record<string, unknown>;
    let data: Record<string, unknown> = {};
    let status = opts.status ?? 200;
    if (tab === 'overview') data = await loadOverview(db, ws, base.pool, now);
    else if (tab === 'usage') {
      // the reports' clock, as on the Usage page: both pages resolve the same default range
      const r = resolveUsageRange(q, ws.time_zone, usageNow());
      const range: UsageRange = r.ok ? r.range : r.fallback;
      data = { ...(await loadUsage(db, ws.id, range, pageNumber.parse(str(q.upage)))), rangeErrors: r.ok ? {} : r.errors, rangeValues: { from: str(q.from) ?? '', to: str(q.to) ?? '' } };
      if (!r.ok) status = 400;
    } else if (tab === 'packs') data = await loadPacks(db, ws.id, pageNumber.parse(str(q.page)), now);
    else if (tab === 'payg') data = await loadPayg(db, ws.id);
    else if (tab === 'people') {
      const p = peopleQuerySchema.safeParse({ access: str(q.access), q: str(q.q), after: str(q.after) });
      if (!p.success) throw new HttpError(400, p.error.issues[0].message);
      data = await loadPeople(db, ws.id, p.data);
    } else if (tab === 'ledger') {
      const l = ledgerQuerySchema.parse({ type: str(q.type), before: str(q.before) });
      data = await loadLedger(db, ws.id, l.type, l.before);
    } else if (tab === 'estimate') data = { actions: ESTIMATE_ACTIONS, quote: null, estimate: null };
    const locals = {
      ...base,
      ...data,
      ...opts.extra,
      notice: opts.form ? null : await noticeFor(req, ws.id, tab),
      formState: opts.form ?? null,
      f: formHelpers(opts.form ?? null),
    };
    send(req, res, locals, status);
  }

  const invalid = (req: Request, res: Response, tab: CreditTab, form: string, errors: Record<string, string>) =>
    show(req, res, tab, { form: { form, errors, values: req.body ?? {} }, status: 422 });

  return {
    /** Overview; the single-page URLs of before (?from=, ?access=, ?type=, ?saved=) redirect to their sub-page. */
    async overview(req: Request, res: Response) {
      const q = req.query as Record<string, unknown>;
      const keys = Object.keys(q);
      const moved = MOVED.find(([, params]) => keys.some((k) => params.includes(k)));
      const saved = str(q.saved);
      const tab = moved?.[0] ?? (saved && NOTICES[saved] ? NOTICES[saved].tab : null);
      if (tab) {
        const href = CREDIT_TABS.find((t) => t.id === tab)!.href;
        const qs = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
        return res.redirect(301, href + qs);
      }
      return show(req, res, 'overview');
    },
    tab: (tab: CreditTab) => (req: Request, res: Response) => show(req, res, tab),

    async estimate(req: Request, res: Response) {
      const q = req.query as Record<string, unknown>;
      if (q.action === undefined && q.quantity === undefined) return show(req, res, 'estimate');
      const values = { action: str(q.action) ?? '', quantity: str(q.quantity) ?? '', user: str(q.user) ?? '' };
      const p = parse(estimateSchema, values);
      if (!p.ok) return show(req, res, 'estimate', { form: { form: 'estimate', errors: p.errors, values }, status: 400, extra: { actions: ESTIMATE_ACTIONS, quote: null, estimate: null } });
      const ws = await loadWorkspace(db, req.user!.workspace_id);
      const email = p.data.user ?? req.user!.email.toLowerCase();
      const user = await quoteUser(db, ws.id, email);
      if (!user) {
        return show(req, res, 'estimate', { form: { form: 'estimate', errors: { user: `No user with the e-mail ${email} in this workspace.` }, values }, status: 400, extra: { actions: ESTIMATE_ACTIONS, quote: null, estimate: null } });
      }
      const a = ESTIMATE_ACTIONS[p.data.action];
      // The same quote engine as POST /api/v1/credits/quote.
      const quote: Quote = await quoteAction(db, ws, user, { category: a.category, units: p.data.quantity, agentType: a.agentType });
      const estimate = { action: p.data.action, label: a.label, unit: a.unit, quantity: p.data.quantity, user: email };
      return show(req, res, 'estimate', { extra: { actions: ESTIMATE_ACTIONS, quote, estimate, estimateValues: values } });
    },

    async addPack(req: Request, res: Response) {
      const p = parse(addCreditsSchema, req.body);
      if (!p.ok) return invalid(req, res, 'packs', 'pack', p.errors);
      const ws = res.locals.workspace as { time_zone: string };
      let expiresAt: Date | null = null;
      if (p.data.expires_on) {
        if (p.data.expires_on <= today(ws.time_zone)) return invalid(req, res, 'packs', 'pack', { expires_on: 'The expiry must be a future date.' });
        expiresAt = startOfDayUtc(p.data.expires_on, ws.time_zone);
      }
      await addCredits(db, actorFrom(req), req.user!.workspace_id, { kind: p.data.kind, amount: p.data.amount, expiresAt, note: p.data.note, priceCents: p.data.price });
      res.redirect(303, `/admin/credits/packs?saved=${p.data.kind}`);
    },

    async removePack(req: Request, res: Response) {
      const p = parse(removeCreditsSchema, req.body);
      if (!p.ok) return invalid(req, res, 'packs', 'remove', p.errors);
      try {
        await removeCredits(db, actorFrom(req), req.user!.workspace_id, { amount: p.data.amount, note: p.data.note });
      } catch (err) {
        const e = err as { status?: number; message?: string };
        if (e.status === 422) return invalid(req, res, 'packs', 'remove', { amount: e.message ?? 'Too many credits.' });
        throw err;
      }
      res.redirect(303, '/admin/credits/packs?saved=removed');
    },

    async saveSettings(req: Request, res: Response) {
      const p = parse(settingsSchema, req.body);
      if (!p.ok) return invalid(req, res, 'payg', 'settings', p.errors);
      const changed = await updateSettings(db, actorFrom(req), req.user!.workspace_id, {
        paygEnabled: p.data.payg_enabled,
        paygCap: p.data.payg_cap,
        includedPerPeriod: p.data.included_credits_per_period,
      });
      res.redirect(303, `/admin/credits/payg?saved=${changed ? 'settings' : 'unchanged'}`);
    },

    async savePrices(req: Request, res: Response) {
      const p = parse(pricesSchema, req.body);
      if (!p.ok) return invalid(req, res, 'payg', 'prices', p.errors);
      const prices = Object.fromEntries(PRICE_ITEMS.map((i) => [i, p.data[i]])) as Prices;
      const changed = await updatePrices(db, actorFrom(req), req.user!.workspace_id, prices, p.data.grid_free_test_rows);
      res.redirect(303, `/admin/credits/payg?saved=${changed ? 'prices' : 'unchanged'}`);
    },

    async setAccess(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const p = parse(accessSchema, req.body);
      if (!p.ok) return invalid(req, res, 'people', 'access', p.errors);
      await setCreditAccess(db, actorFrom(req), req.user!.workspace_id, id, p.data.allowed);
      if (isHtmx(req)) {
        const person = (await findPerson(db, req.user!.workspace_id, id))!;
        return res.render('partials/credits/person-row', {
          person,
          csrfToken: res.locals.csrfToken,
          rowNotice: p.data.allowed ? `${person.name} can now spend credits.` : `${person.name} can no longer spend credits.`,
        });
      }
      res.redirect(303, '/admin/credits/people?saved=access');
    },

    /** The ledger as CSV for a day range (the Usage range rule: the last 30 days through yesterday by default), streamed and audited. */
    async ledgerCsv(req: Request, res: Response) {
      const ws = res.locals.workspace as { id: number; slug: string; time_zone: string };
      const r0 = resolveUsageRange(req.query, ws.time_zone, usageNow());
      if (!r0.ok) throw new HttpError(400, r0.message, 'bad_request', r0.errors);
      const r = { from: r0.range.from, to: r0.range.to };
      const users = await userEmails(db, ws.id);
      const filename = csvFilename(ws.slug, 'credit-ledger', `${r.from}_${r.to}`);
      await auditedCsvDownload(db, req, res, creditLedgerExport(users), { workspaceId: ws.id, filename, range: r }, () => streamRows(db, ledgerExportQuery(db, ws.id, r.from, r.to)));
    },

    decide(approve: boolean) {
      return async (req: Request, res: Response) => {
        const id = idParam(req.params.id);
        // Decided from the notifications list: back there, the message next to that notification.
        const fromNotifications = req.body?.next === 'notifications';
        let outcome = approve ? 'approved' : 'denied';
        try {
          await decideRequest(db, actorFrom(req), req.user!.workspace_id, id, approve);
        } catch (err) {
          // Decided meanwhile (another admin, another tab, a double click): say so on the page.
          if (err instanceof HttpError && err.status === 409) outcome = 'decided';
          else throw err;
        }
        if (fromNotifications) {
          const n = await notificationAbout(db, req.user!.workspace_id, { type: REQUEST_SUBJECT, id });
          if (!n) return res.redirect(303, '/admin/notifications');
          return res.redirect(303, `/admin/notifications?decided=${n}${outcome === 'decided' ? '&already=1' : ''}#notification-${n}`);
        }
        res.redirect(303, `/admin/credits/people?saved=${outcome}&request=${id}#requests`);
      };
    },
  };
}
