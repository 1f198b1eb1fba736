// Workspace settings → Data retention (/admin/settings/retention): how long prompt text and raw rows
// are kept. Saving asks for confirmation naming what the next purge run removes, then audits the change.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { requireAdmin } from '../http/guards';
import { renderPage } from '../http/render';
import { fieldErrors } from '../http/validate';
import { actorFrom, recordAudit } from '../audit/audit';
import { settingsLocals } from '../settings/sections';
import { cutoffsFor, MAX_PROMPT_DAYS, MAX_RAW_MONTHS, MIN_RAW_MONTHS, pendingCounts, readPolicy, savePolicy, type RetentionPolicy } from './policy';
import { registerRetentionJob } from './job';

const optionalInt = (min: number, max: number, label: string) =>
  z
    .string()
    .trim()
    .max(12)
    .optional()
    .transform((s) => (s ? s : null))
    .refine((s) => s === null || /^\d+$/.test(s), `${label}: enter a whole number, or leave it empty to keep forever.`)
    .transform((s) => (s === null ? null : Number(s)))
    .refine((n) => n === null || (n >= min && n <= max), `${label}: between ${min} and ${max}, or empty to keep forever.`);

export const retentionFormSchema = z.object({
  prompt_days: optionalInt(1, MAX_PROMPT_DAYS, 'Prompt text'),
  raw_months: optionalInt(MIN_RAW_MONTHS, MAX_RAW_MONTHS, 'Raw interactions and logins'),
  confirm: z.string().optional(),
});

const asText = (n: number | null) => (n === null ? '' : String(n));

export function retentionRouter(ctx: AppContext): Router {
  registerRetentionJob();
  const router = Router();
  const db = ctx.db;

  async function view(res: Response, locals: { values?: Record<string, string>; errors?: Record<string, string>; confirm?: unknown; saved?: boolean }, status = 200) {
    const ws = res.locals.workspace;
    const policy = await readPolicy(db, ws.id);
    const cut = cutoffsFor(policy, ws.time_zone, new Date());
    const pending = await pendingCounts(db, ws.id, cut, policy);
    renderPage(
      res,
      'pages/settings/retention',
      {
        title: 'Data retention',
        ...settingsLocals(ws, 'retention'),
        policy,
        cutoffs: cut,
        pending,
        minRawMonths: MIN_RAW_MONTHS,
        values: locals.values ?? { prompt_days: asText(policy.promptDays), raw_months: asText(policy.rawMonths) },
        errors: locals.errors ?? {},
        confirm: locals.confirm ?? null,
        saved: !!locals.saved,
      },
      status,
    );
  }

  async function showRetention(req: Request, res: Response) {
    await view(res, { saved: req.query.saved === '1' });
  }

  async function updateRetention(req: Request, res: Response) {
    const ws = res.locals.workspace;
    const body = req.body ?? {};
    const values = { prompt_days: String(body.prompt_days ?? '').trim(), raw_months: String(body.raw_months ?? '').trim() };
    const parsed = retentionFormSchema.safeParse({ prompt_days: values.prompt_days, raw_months: values.raw_months, confirm: body.confirm });
    if (!parsed.success) return view(res, { values, errors: fieldErrors(parsed.error) }, 422);
    const before = await readPolicy(db, ws.id);
    const next = { promptDays: parsed.data.prompt_days, rawMonths: parsed.data.raw_months };
    if (next.promptDays === before.promptDays && next.rawMonths === before.rawMonths) return res.redirect(303, '/admin/settings/retention');
    const cut = cutoffsFor(next, ws.time_zone, new Date());
    const counts = await pendingCounts(db, ws.id, cut, before);
    if (parsed.data.confirm !== 'yes') {
      return view(res, { values, confirm: { counts, cutoffs: cut, promptDays: next.promptDays, rawMonths: next.rawMonths } });
    }
    await savePolicy(db, ws.id, next);
    await recordAudit(db, {
      workspaceId: ws.id,
      actor: actorFrom(req),
      action: 'retention.update',
      targetType: 'workspace',
      targetId: ws.id,
      before: { prompt_days: before.promptDays, raw_months: before.rawMonths },
      after: {
        prompt_days: next.promptDays,
        raw_months: next.rawMonths,
        next_run_removes: { prompts: counts.prompts, interactions: counts.interactions, logins: counts.logins },
      },
    });
    res.redirect(303, '/admin/settings/retention?saved=1');
  }

  router.get('/admin/settings/retention', requireAdmin, showRetention);
  router.post('/admin/settings/retention', requireAdmin, updateRetention);
  return router;
}

export type { RetentionPolicy };
