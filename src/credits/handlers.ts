// Handlers of the Credits page: parse (zod), call the pool/admin services, render or redirect.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import { actorFrom } from '../audit/audit';
import { streamRows } from '../db/dialect';
import { csvFilename } from '../csv/stream';
import { auditedCsvDownload } from '../csv/download';
import { creditLedgerExport } from './export-defs';
import { HttpError, isHtmx } from '../http/errors';
import { renderPage, renderPageOrPartial } from '../http/render';
import { idParam, parse, parseOrThrow } from '../http/validate';
import { startOfDayUtc, today } from '../db/time';
import { setCreditAccess } from '../users/credit-access';
import { addCredits, removeCredits, updatePrices, updateSettings } from './admin';
import { decideRequest } from './access-requests';
import { accessSchema, addCreditsSchema, ledgerQuerySchema, peopleQuerySchema, pricesSchema, rangeSchema, removeCreditsSchema, settingsSchema } from './forms';
import { PRICE_ITEMS, type Prices } from './prices';
import { findPerson, ledgerExportQuery, userEmails } from './reports';
import { formHelpers, loadCreditsPage, resolveRange, type FormState, type PageQuery } from './view-model';

const NOTICES: Record<string, string> = {
  purchase: 'Purchase recorded: the credits are in the pool.',
  grant: 'Grant recorded: the credits are in the pool.',
  removed: 'Credits removed from the pool.',
  settings: 'Pay-as-you-go settings saved.',
  prices: 'Prices saved.',
  unchanged: 'Nothing changed.',
  access: 'Credit access updated.',
  approved: 'Request approved: the user can now spend credits.',
  denied: 'Request denied. The member has been told.',
  decided: 'That request had already been decided (by another admin or in another tab); nothing changed.',
};

function pageQuery(req: Request): { query: PageQuery; rangeError: string | null } {
  const q = req.query as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const range = rangeSchema.safeParse({ from: str(q.from) || undefined, to: str(q.to) || undefined });
  const people = parseOrThrow(peopleQuerySchema, { access: str(q.access), q: str(q.q), after: str(q.after) });
  const ledger = parseOrThrow(ledgerQuerySchema, { type: str(q.type), before: str(q.before) });
  return {
    query: { ...(range.success ? range.data : {}), access: people.access, q: people.q, after: people.after, type: ledger.type, before: ledger.before },
    rangeError: range.success ? null : range.error.issues[0].message,
  };
}

export function creditsHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function show(req: Request, res: Response, opts: { partial?: string; form?: FormState; status?: number } = {}) {
    const { query, rangeError } = pageQuery(req);
    const data = await loadCreditsPage(db, req.user!, query, rangeError);
    const saved = typeof req.query.saved === 'string' ? NOTICES[req.query.saved] ?? null : null;
    const locals = { ...data, notice: opts.form ? null : saved, formState: opts.form ?? null, f: formHelpers(opts.form ?? null) };
    if (opts.partial) return renderPageOrPartial(req, res, 'pages/credits/index', opts.partial, locals, opts.status ?? 200);
    renderPage(res, 'pages/credits/index', locals, opts.status ?? 200);
  }

  const invalid = (req: Request, res: Response, form: string, errors: Record<string, string>) =>
    show(req, res, { form: { form, errors, values: req.body ?? {} }, status: 422 });

  return {
    page: (req: Request, res: Response) => show(req, res),
    usage: (req: Request, res: Response) => show(req, res, { partial: 'partials/credits/breakdown' }),
    people: (req: Request, res: Response) => show(req, res, { partial: 'partials/credits/people' }),
    ledger: (req: Request, res: Response) => show(req, res, { partial: 'partials/credits/ledger' }),

    async addPack(req: Request, res: Response) {
      const p = parse(addCreditsSchema, req.body);
      if (!p.ok) return invalid(req, res, 'pack', p.errors);
      const ws = res.locals.workspace as { time_zone: string };
      let expiresAt: Date | null = null;
      if (p.data.expires_on) {
        if (p.data.expires_on <= today(ws.time_zone)) return invalid(req, res, 'pack', { expires_on: 'The expiry must be a future date.' });
        expiresAt = startOfDayUtc(p.data.expires_on, ws.time_zone);
      }
      await addCredits(db, actorFrom(req), req.user!.workspace_id, { kind: p.data.kind, amount: p.data.amount, expiresAt, note: p.data.note, priceCents: p.data.price });
      res.redirect(303, `/admin/credits?saved=${p.data.kind}#packs`);
    },

    async removePack(req: Request, res: Response) {
      const p = parse(removeCreditsSchema, req.body);
      if (!p.ok) return invalid(req, res, 'remove', p.errors);
      try {
        await removeCredits(db, actorFrom(req), req.user!.workspace_id, { amount: p.data.amount, note: p.data.note });
      } catch (err) {
        const e = err as { status?: number; message?: string };
        if (e.status === 422) return invalid(req, res, 'remove', { amount: e.message ?? 'Too many credits.' });
        throw err;
      }
      res.redirect(303, '/admin/credits?saved=removed#packs');
    },

    async saveSettings(req: Request, res: Response) {
      const p = parse(settingsSchema, req.body);
      if (!p.ok) return invalid(req, res, 'settings', p.errors);
      const changed = await updateSettings(db, actorFrom(req), req.user!.workspace_id, {
        paygEnabled: p.data.payg_enabled,
        paygCap: p.data.payg_cap,
        includedPerPeriod: p.data.included_credits_per_period,
      });
      res.redirect(303, `/admin/credits?saved=${changed ? 'settings' : 'unchanged'}#payg`);
    },

    async savePrices(req: Request, res: Response) {
      const p = parse(pricesSchema, req.body);
      if (!p.ok) return invalid(req, res, 'prices', p.errors);
      const prices = Object.fromEntries(PRICE_ITEMS.map((i) => [i, p.data[i]])) as Prices;
      const changed = await updatePrices(db, actorFrom(req), req.user!.workspace_id, prices, p.data.grid_free_test_rows);
      res.redirect(303, `/admin/credits?saved=${changed ? 'prices' : 'unchanged'}#prices`);
    },

    async setAccess(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const p = parse(accessSchema, req.body);
      if (!p.ok) return invalid(req, res, 'access', p.errors);
      await setCreditAccess(db, actorFrom(req), req.user!.workspace_id, id, p.data.allowed);
      if (isHtmx(req)) {
        const person = (await findPerson(db, req.user!.workspace_id, id))!;
        return res.render('partials/credits/person-row', {
          person,
          csrfToken: res.locals.csrfToken,
          rowNotice: p.data.allowed ? `${person.name} can now spend credits.` : `${person.name} can no longer spend credits.`,
        });
      }
      res.redirect(303, '/admin/credits?saved=access#people');
    },

    /** The ledger as CSV for a day range (default: the last 30 days; at most 366), streamed and audited. */
    async ledgerCsv(req: Request, res: Response) {
      const ws = res.locals.workspace as { id: number; slug: string; time_zone: string };
      const q = req.query as Record<string, unknown>;
      const range = parseOrThrow(rangeSchema, { from: typeof q.from === 'string' && q.from ? q.from : undefined, to: typeof q.to === 'string' && q.to ? q.to : undefined });
      const { range: r } = resolveRange(range, ws.time_zone);
      const users = await userEmails(db, ws.id);
      const filename = csvFilename(ws.slug, 'credit-ledger', `${r.from}_${r.to}`);
      await auditedCsvDownload(db, req, res, creditLedgerExport(users), { workspaceId: ws.id, filename, range: r }, () => streamRows(db, ledgerExportQuery(db, ws.id, r.from, r.to)));
    },

    decide(approve: boolean) {
      return async (req: Request, res: Response) => {
        const id = idParam(req.params.id);
        try {
          await decideRequest(db, actorFrom(req), req.user!.workspace_id, id, approve);
        } catch (err) {
          // Decided meanwhile (another admin, another tab, a double click): say so on the page.
          if (err instanceof HttpError && err.status === 409) return res.redirect(303, `/admin/credits?saved=decided#requests`);
          throw err;
        }
        res.redirect(303, `/admin/credits?saved=${approve ? 'approved' : 'denied'}#requests`);
      };
    },
  };
}


