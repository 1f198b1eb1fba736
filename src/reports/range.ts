// The reports' date range (Usage and Credits > Usage): presets, URL parsing (zod), the rolling 12-month window, clamping,
// "through yesterday" and the previous period of the same length.
import { z } from 'zod';
import { addDays, addMonths, daysBetween, firstDayOfMonth, formatDay, isValidDay, lastDayOfMonth, monthOfDay, parseDay, today } from '../db/time';
import type { FieldErrors } from '../http/validate';
import { fieldErrors } from '../http/validate';

export interface UsageRange {
  from: string;
  to: string;
  includeToday: boolean;
  /** today in the workspace zone */
  today: string;
  /** the last day with complete data: yesterday, or today when includeToday */
  lastDay: string;
  /** first day of the rolling 12-month window */
  windowStart: string;
  /** notes shown above the page when the requested range was changed */
  notes: string[];
  /** the matching preset id, or 'custom' */
  preset: string;
  days: number;
  prevFrom: string;
  prevTo: string;
  timeZone: string;
}

export interface Preset {
  id: string;
  label: string;
  from: string;
  to: string;
  /** why the preset cannot be used right now (shown instead of a link); undefined when usable */
  unavailable?: string;
}

const dayString = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use the format YYYY-MM-DD.')
  .refine(isValidDay, 'This is not a calendar date.');

export const rangeQuerySchema = z
  .object({
    from: z.union([z.literal(''), dayString]).optional(),
    to: z.union([z.literal(''), dayString]).optional(),
    today: z.enum(['1', 'on', 'true', '0', 'off', 'false', '']).optional(),
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'The end date must be on or after the start date.' });
  });

/** The first day of the rolling 12 months ending on `lastDay` (same calendar date a year earlier, plus one day). */
export function windowStartFor(lastDay: string): string {
  const d = parseDay(lastDay);
  const yearBefore = new Date(Date.UTC(d.getUTCFullYear() - 1, d.getUTCMonth(), d.getUTCDate()));
  // 29 February has no twin: Date.UTC rolls to 1 March, which is then the day after the twin.
  if (yearBefore.getUTCDate() !== d.getUTCDate()) return formatDay(yearBefore);
  return addDays(formatDay(yearBefore), 1);
}

/**
 * The presets for a workspace clock. "This month" and "Last month" follow the calendar month of
 * today (workspace zone), not of the last reported day: on the 1st, without "Include today", this
 * month has no complete day yet (the preset says so instead of showing last month), and last month
 * is the month that just ended.
 */
export function presetsFor(todayDay: string, lastDay: string, windowStart: string): Preset[] {
  const month = monthOfDay(todayDay);
  const prevMonth = addMonths(month, -1);
  const clampFrom = (d: string) => (d < windowStart ? windowStart : d);
  const monthStart = firstDayOfMonth(month);
  const thisMonth: Preset = { id: 'this-month', label: 'This month', from: monthStart, to: lastDay };
  if (lastDay < monthStart) {
    thisMonth.to = monthStart;
    thisMonth.unavailable = `This month has no complete day yet: data runs through yesterday (${lastDay}). Switch on "Include today" to see today so far.`;
  }
  return [
    { id: '7d', label: 'Last 7 days', from: addDays(lastDay, -6), to: lastDay },
    { id: '30d', label: 'Last 30 days', from: addDays(lastDay, -29), to: lastDay },
    { id: '90d', label: 'Last 90 days', from: addDays(lastDay, -89), to: lastDay },
    { id: '12m', label: 'Last 12 months', from: windowStart, to: lastDay },
    thisMonth,
    { id: 'last-month', label: 'Last month', from: clampFrom(firstDayOfMonth(prevMonth)), to: lastDayOfMonth(prevMonth) },
  ];
}

export const DEFAULT_PRESET = '30d';

export type RangeResult = { ok: true; range: UsageRange } | { ok: false; errors: FieldErrors; message: string; fallback: UsageRange };

function truthy(v: string | undefined): boolean {
  return v === '1' || v === 'on' || v === 'true';
}

function build(from: string, to: string, includeToday: boolean, todayDay: string, lastDay: string, windowStart: string, notes: string[], timeZone: string): UsageRange {
  const days = daysBetween(from, to) + 1;
  const prevTo = addDays(from, -1);
  const prevFrom = addDays(prevTo, -(days - 1));
  const preset = presetsFor(todayDay, lastDay, windowStart).find((p) => !p.unavailable && p.from === from && p.to === to)?.id ?? 'custom';
  return { from, to, includeToday, today: todayDay, lastDay, windowStart, notes, preset, days, prevFrom, prevTo, timeZone };
}

/**
 * Parses ?from=&to=&today= against the workspace's clock. Out-of-window ranges are clamped with a
 * note; malformed input is an error (the caller answers 400 with the form). `defaultFull` makes a
 * missing range mean the whole 12-month window (exports) instead of the last 30 days (the page).
 */
export function resolveRange(query: unknown, timeZone: string, now: Date, opts: { defaultFull?: boolean } = {}): RangeResult {
  const todayDay = today(timeZone, now);
  const raw = (query ?? {}) as Record<string, unknown>;
  const pick = (k: string) => (Array.isArray(raw[k]) ? (raw[k] as unknown[])[0] : raw[k]);
  const parsed = rangeQuerySchema.safeParse({ from: pick('from'), to: pick('to'), today: pick('today') });
  const includeToday = parsed.success ? truthy(parsed.data.today) : truthy(typeof pick('today') === 'string' ? (pick('today') as string) : undefined);
  const lastDay = includeToday ? todayDay : addDays(todayDay, -1);
  const windowStart = windowStartFor(lastDay);
  const def = presetsFor(todayDay, lastDay, windowStart).find((p) => p.id === (opts.defaultFull ? '12m' : DEFAULT_PRESET))!;
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error);
    return {
      ok: false,
      errors,
      message: Object.values(errors).join(' '),
      fallback: build(def.from, def.to, includeToday, todayDay, lastDay, windowStart, [], timeZone),
    };
  }
  let from = parsed.data.from || '';
  let to = parsed.data.to || '';
  const notes: string[] = [];
  if (!from && !to) {
    from = def.from;
    to = def.to;
  } else if (!from) {
    from = to < windowStart ? windowStart : addDays(to < lastDay ? to : lastDay, -29);
    if (from < windowStart) from = windowStart;
  } else if (!to) {
    to = lastDay;
  }
  if (to < windowStart || from > lastDay) {
    notes.push(`${from} to ${to} is outside the reporting window (${windowStart} to ${lastDay}); showing the last 30 days instead.`);
    const d = presetsFor(todayDay, lastDay, windowStart).find((p) => p.id === DEFAULT_PRESET)!;
    from = d.from;
    to = d.to;
  } else {
    if (from < windowStart) {
      notes.push(`The reporting window covers the rolling 12 months: the start was moved from ${from} to ${windowStart}.`);
      from = windowStart;
    }
    if (to > lastDay) {
      notes.push(
        includeToday
          ? `Data runs through today (${lastDay}): the end was moved from ${to} to ${lastDay}.`
          : `Data runs through yesterday (${lastDay}): the end was moved from ${to} to ${lastDay}. Switch on "Include today" to add today's partial data.`,
      );
      to = lastDay;
    }
  }
  return { ok: true, range: build(from, to, includeToday, todayDay, lastDay, windowStart, notes, timeZone) };
}

/** Query string carrying a range (for links, partial URLs and exports). */
export function rangeQuery(r: Pick<UsageRange, 'from' | 'to' | 'includeToday'>, extra: Record<string, string | number | undefined> = {}): string {
  const p = new URLSearchParams({ from: r.from, to: r.to });
  if (r.includeToday) p.set('today', '1');
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== '') p.set(k, String(v));
  return p.toString();
}

/** Calendar months ('YYYY-MM') a range touches: the grain of the per-user (monthly) charts. */
export function monthsTouched(r: Pick<UsageRange, 'from' | 'to'>): string[] {
  const out: string[] = [];
  for (let m = monthOfDay(r.from); m <= monthOfDay(r.to); m = addMonths(m, 1)) out.push(m);
  return out;
}
