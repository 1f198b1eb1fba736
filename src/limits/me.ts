// A member's own limits (/me): every limit that applies, used and remaining, the projected use at
// the end of the period at the current pace, and their temporary increase requests.
import { Router } from 'express';
import type { Knex } from 'knex';
import type { AppContext } from '../http/context';
import { requireUser } from '../http/guards';
import { parse } from '../http/validate';
import { actorFrom } from '../audit/audit';
import { formatNumber } from '../http/format';
import { periodBounds, usedFor } from './decide';
import { describeLimit, METRIC_LABELS, METRICS, PERIODS } from './model';
import { askingUserById } from './queries';
import { limitsForUser } from './service';
import { myLimitRequests, requestIncrease } from './requests';
import { localToUtc, requestFormSchema } from './forms';
import { limitUse } from './status';

export interface MyLimitRow {
  label: string;
  source: string;
  limit: string;
  used: string;
  remaining: string;
  percent: number;
  projected: string;
  projectedOver: boolean;
  over: boolean;
  near: boolean;
  mode: string;
  periodEnds: string;
  metric: string;
  period: string;
}

export async function myLimitsView(db: Knex, ws: number, userId: number, now: Date = new Date()) {
  const user = await askingUserById(db, ws, userId);
  if (!user) return { rows: [] as MyLimitRow[], requests: [], options: [] };
  const mine = await limitsForUser(db, ws, user, now);
  const rows: MyLimitRow[] = mine.limits.map((l) => {
    const { used, projected, state } = limitUse(l, usedFor(l, mine.usage), mine.today);
    return {
      label: `${METRIC_LABELS[l.metric]} per ${l.period}${l.counts.kind === 'group' ? ` (shared by ${l.name})` : ''}`,
      source: describeLimit(l),
      limit: formatNumber(l.amount),
      used: formatNumber(used),
      remaining: formatNumber(Math.max(0, l.amount - used)),
      percent: l.amount > 0 ? Math.round((used / l.amount) * 100) : 100,
      projected: formatNumber(projected),
      projectedOver: projected > l.amount,
      over: state === 'over',
      near: state === 'near',
      mode: l.mode,
      periodEnds: periodBounds(mine.today, l.period).end,
      metric: l.metric,
      period: l.period,
    };
  });
  const requests = (await myLimitRequests(db, ws, userId)).map((r) => ({
    ...r,
    label: `${formatNumber(r.amount)} ${METRIC_LABELS[r.metric]} per ${r.period}`,
    until: r.expires_at ?? null,
  }));
  const options = METRICS.flatMap((metric) => PERIODS.map((period) => ({ value: `${metric}:${period}`, label: `${METRIC_LABELS[metric]} per ${period}` })));
  return { rows, requests, options, zone: mine.timeZone };
}

/** Messages of the request form's errors (the redirect carries only the code). */
export const REQUEST_ERRORS: Record<string, string> = {
  amount: 'Enter the new limit as a whole number.',
  expires: 'Say until when you need the increase (a date and time).',
  past: 'Pick an end of the increase in the future.',
  limit: 'Choose which limit to raise.',
};

/** POST /me/limits/requests: a member asks for a temporary increase (back to /me). */
export function meLimitsRouter(ctx: AppContext): Router {
  const router = Router();
  router.post('/me/limits/requests', requireUser, async (req, res) => {
    const user = req.user!;
    const [metric, period] = String(req.body?.limit ?? '').split(':');
    const parsed = parse(requestFormSchema, { ...req.body, metric, period });
    const ws = await ctx.db('workspaces').select('time_zone').where({ id: user.workspace_id }).first();
    const expiresAt = parsed.ok ? localToUtc(parsed.data.expires_at, ws.time_zone) : null;
    if (!parsed.ok || !expiresAt) {
      const field = parsed.ok ? 'expires_at' : Object.keys(parsed.errors)[0];
      return res.redirect(303, `/me?limit_error=${field === 'amount' ? 'amount' : field === 'expires_at' ? 'expires' : 'limit'}#limits`);
    }
    if (expiresAt.getTime() <= Date.now()) return res.redirect(303, '/me?limit_error=past#limits');
    const created = await requestIncrease(ctx.db, actorFrom(req), user.workspace_id, user.id, { metric: parsed.data.metric, period: parsed.data.period, amount: parsed.data.amount, expiresAt, note: parsed.data.note });
    res.redirect(303, `/me?limit_request=${created ? 'sent' : 'pending'}#limits`);
  });
  return router;
}
