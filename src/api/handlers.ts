// Handlers of the ingestion API v1: parse with zod, call the write path / roster upserts, answer JSON.
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { AppContext } from '../http/context';
import { scheduleCrossingCheck } from '../limits/crossings';
import { HttpError } from '../http/errors';
import { addDays, dayOf, startOfDayUtc } from '../db/time';
import { recordInteractions, recordLogins, type TimeWindow } from '../ingest/write-path';
import type { BatchResult, Rejection } from '../domain/model';
import {
  MAX_BATCH_ITEMS,
  agentBodySchema,
  describeItemError,
  emailParamSchema,
  eventSchema,
  externalIdParamSchema,
  groupBodySchema,
  loginSchema,
  quoteBodySchema,
  toInteraction,
  toLogin,
  userBodySchema,
} from './schemas';
import { apiLocals, type ApiWorkspace } from './auth';
import { putAgent, putGroup, putUser } from './roster';
import { quoteCredits } from '../credits/quote';
import type { Actor } from '../audit/audit';

/** Allowed clock skew for timestamps ahead of the server's clock. */
export const FUTURE_SKEW_MS = 5 * 60_000;

/** The accepted time window: not before the rolling 12-month window, not after now + skew. */
export function acceptedWindow(ws: ApiWorkspace, now = new Date()): TimeWindow {
  const today = dayOf(now, ws.time_zone);
  const [y, m, d] = today.split('-').map(Number);
  // Same calendar day one year ago (29 February falls back to 28 February).
  let first = `${y - 1}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  if (m === 2 && d === 29) first = addDays(`${y - 1}-03-01`, -1);
  return { notBefore: startOfDayUtc(first, ws.time_zone), notAfter: new Date(now.getTime() + FUTURE_SKEW_MS) };
}

function windowError(at: Date, w: TimeWindow): string | null {
  if (at > w.notAfter) return `occurred_at: more than 5 minutes in the future (server time is ${new Date(w.notAfter.getTime() - FUTURE_SKEW_MS).toISOString()})`;
  if (at < w.notBefore) return `occurred_at: older than the rolling 12-month window (earliest accepted: ${w.notBefore.toISOString()})`;
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function itemId(raw: unknown): string | null {
  return isObject(raw) && typeof raw.id === 'string' ? raw.id : null;
}

/** Reads `body[field]` as the batch array: 422 when it is not an array, 413 beyond the item limit. */
function batchItems(body: unknown, field: 'events' | 'logins'): unknown[] {
  if (!isObject(body) || !Array.isArray(body[field])) {
    throw new HttpError(422, `${field}: is required and must be an array (send {"${field}": [ ... ]})`, 'validation_failed', { [field]: 'must be an array' });
  }
  const items = body[field] as unknown[];
  if (items.length > MAX_BATCH_ITEMS) {
    throw new HttpError(413, `${field}: at most ${MAX_BATCH_ITEMS} per call, got ${items.length}. Split the batch.`, 'too_many_items', { max: MAX_BATCH_ITEMS, received: items.length });
  }
  return items;
}

interface Checked<T> {
  valid: { index: number; value: T }[];
  rejected: Rejection[];
}

function checkItems<S extends z.ZodType>(items: unknown[], schema: S, itemName: string, w: TimeWindow, withId: boolean): Checked<z.infer<S>> {
  const out: Checked<z.infer<S>> = { valid: [], rejected: [] };
  items.forEach((raw, index) => {
    const id = withId ? itemId(raw) : null;
    const r = schema.safeParse(raw);
    if (!r.success) return out.rejected.push({ index, id, error: describeItemError(r.error, itemName) });
    const err = windowError((r.data as { occurred_at: Date }).occurred_at, w);
    if (err) return out.rejected.push({ index, id, error: err });
    out.valid.push({ index, value: r.data });
  });
  return out;
}

/** The write path numbers rejections within the valid subset; map them back to request indices. */
function merge(checked: Checked<unknown>, stored: BatchResult): BatchResult {
  const rejected = [...checked.rejected, ...stored.rejected.map((r) => ({ ...r, index: checked.valid[r.index].index }))].sort((a, b) => a.index - b.index);
  return { accepted: stored.accepted, duplicates: stored.duplicates, rejected };
}

function actorOf(req: Request, res: Response): Actor {
  return { userId: null, label: `api-key:${apiLocals(res).apiKey.prefix}`, ip: req.ip ?? null };
}

/** The first message per field of a failed body, keyed by its path ('body' for the whole body). */
export function fieldDetails(error: z.ZodError): Record<string, string> {
  const details: Record<string, string> = {};
  for (const i of error.issues) details[i.path.join('.') || 'body'] ??= i.message;
  return details;
}

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(422, describeItemError(r.error, 'body'), 'validation_failed', fieldDetails(r.error));
  return r.data;
}

function parseParam<S extends z.ZodType>(schema: S, value: unknown, name: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(422, `${name}: ${r.error.issues[0].message}`, 'validation_failed', { [name]: r.error.issues[0].message });
  return r.data;
}

export function apiHandlers(ctx: AppContext) {
  const db = ctx.db;

  /** PUT /users/:email, /agents/:id, /groups/:id: parse the id and body, upsert, 201 when created. */
  function putRoster<P extends z.ZodType, B extends z.ZodType, R extends { created: boolean }>(
    paramSchema: P,
    param: string,
    bodySchema: B,
    upsert: (db: AppContext['db'], ws: number, actor: Actor, id: z.infer<P>, body: z.infer<B>) => Promise<R>,
  ) {
    return async (req: Request, res: Response) => {
      const { workspace } = apiLocals(res);
      const id = parseParam(paramSchema, req.params[param], param);
      const body = parseBody(bodySchema, req.body);
      const out = await upsert(db, workspace.id, actorOf(req, res), id, body);
      res.status(out.created ? 201 : 200).json(out);
    };
  }
  return {
    async postEvents(req: Request, res: Response) {
      const { workspace } = apiLocals(res);
      const items = batchItems(req.body, 'events');
      const w = acceptedWindow(workspace);
      const checked = checkItems(items, eventSchema, 'event', w, true);
      const stored = await recordInteractions(db, workspace.id, checked.valid.map((v) => toInteraction(v.value)), {
        ...w,
        onDeferredFailure: (err) => ctx.logger.warn({ err, workspace: workspace.id }, 'events stored; their per-user rollups are left to the user-rollups job'),
      });
      // limits crossed by this usage are announced once per limit and period, by a pass off the
      // request path (src/limits/crossings.ts)
      if (stored.accepted > 0) scheduleCrossingCheck(db, workspace.id, ctx.logger);
      res.json(merge(checked, stored));
    },

    async postLogins(req: Request, res: Response) {
      const { workspace } = apiLocals(res);
      const items = batchItems(req.body, 'logins');
      const w = acceptedWindow(workspace);
      const checked = checkItems(items, loginSchema, 'login', w, false);
      const stored = await recordLogins(db, workspace.id, checked.valid.map((v) => toLogin(v.value)), w);
      res.json(merge(checked, stored));
    },

    putUser: putRoster(emailParamSchema, 'email', userBodySchema, putUser),
    putAgent: putRoster(externalIdParamSchema, 'id', agentBodySchema, putAgent),
    putGroup: putRoster(externalIdParamSchema, 'id', groupBodySchema, putGroup),

    async postQuote(req: Request, res: Response) {
      const { workspace } = apiLocals(res);
      const body = parseBody(quoteBodySchema, req.body);
      const agent = body.billable.agent ?? null;
      try {
        const q = await quoteCredits(db, workspace.id, { user: body.user, billable: { category: body.billable.category, units: body.billable.units, agent } });
        res.json({ credits: q.credits, allowed: q.allowed, reason: q.reason ?? null });
      } catch (err) {
        // an unknown user or agent is a fault of the body (422 naming the field), not a missing resource
        const field = err instanceof HttpError && err.status === 404 ? (err.details as { field?: string } | undefined)?.field : undefined;
        if (field === 'user') throw new HttpError(422, `user: no user with email ${body.user} in this workspace`, 'validation_failed', { user: 'no such user in this workspace' });
        if (field === 'billable.agent') throw new HttpError(422, `billable.agent: no agent with id ${agent} in this workspace`, 'validation_failed', { 'billable.agent': 'no such agent in this workspace' });
        throw err;
      }
    },

  };
}
