// Formatting shared by every page and message: whole numbers, days, months and full timestamps (one
// format each across pages: 'Nov 6, 2026', 'Dec 2026' and 'Dec 6, 2026, 20:31'), and JSON safe inside
// a <script> block.
import { fromDbTime, isRepeatedLocalTime, localDateTime, zoneAbbreviation } from '../db/time';

const NUMBER = new Intl.NumberFormat('en-US');

/** 1234567 -> '1,234,567'; a missing value is an em dash. */
export function formatNumber(n: number | null | undefined): string {
  if (n == null) return '—';
  const v = Number(n);
  // whole numbers (nearly every figure of a table) grouped by hand: Intl's format is the slow part
  // of drawing a long table; the result is the same (a property test compares them)
  if (Number.isSafeInteger(v)) {
    const digits = String(Math.abs(v));
    let out = '';
    for (let i = digits.length; i > 0; i -= 3) out = digits.slice(Math.max(0, i - 3), i) + (out ? ',' + out : '');
    return v < 0 ? '-' + out : out;
  }
  return NUMBER.format(v);
}

/** JSON for a <script type="application/json"> block: nothing in it can close the element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 'YYYY-MM' -> 'Nov 2026': every page shows a month this way. */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTH_NAMES[m - 1]} ${y}`;
}

/** 'YYYY-MM-DD' (or a longer timestamp) -> 'Nov 24, 2026': every page shows a day this way. */
export function dayLabel(day: string): string {
  const [y, m, d] = day.slice(0, 10).split('-').map(Number);
  return `${MONTH_NAMES[m - 1]} ${d}, ${y}`;
}

export interface Timestamp {
  /** 'Dec 6, 2026, 20:31' in the zone; 'Nov 1, 2026, 01:30 CDT' in the hour a fall-back day repeats */
  text: string;
  /** the two halves of `text` around ', ' (a narrow cell breaks the line there and nowhere else) */
  day: string;
  clock: string;
  /** the exact instant, ISO 8601 UTC ('2026-12-07T02:31:05.000Z'), for <time datetime> */
  iso: string;
  /** the exact instant for a tooltip: 'Dec 6, 2026, 20:31:05 CST (America/Chicago) · 2026-12-07 02:31:05 UTC' */
  title: string;
}

/** Matches every Timestamp text: the format pages show a date-time in (tests check pages against it). */
export const TIMESTAMP_PATTERN = /^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}, [0-2]\d:[0-5]\d(?: [A-Z][A-Za-z0-9+:-]{1,8})?$/;

/**
 * A stored instant (a DB timestamp string or a Date) as every page shows a full date-time: in the
 * workspace zone, 24-hour clock, to the minute, with the zone's abbreviation only where the local
 * time is ambiguous (the repeated hour of a fall-back day). Null for a missing value. Pages render
 * it with timeTag below, a <time> element carrying the exact UTC instant.
 */
export function timestamp(value: string | Date | null | undefined, zone: string): Timestamp | null {
  const at = fromDbTime(value ?? null);
  if (!at || Number.isNaN(at.getTime())) return null;
  const wall = localDateTime(at, zone); // 'YYYY-MM-DD HH:MM:SS'
  const repeated = isRepeatedLocalTime(at, zone);
  const abbr = zoneAbbreviation(at, zone);
  const utc = at.toISOString();
  const day = dayLabel(wall);
  const clock = `${wall.slice(11, 16)}${repeated ? ` ${abbr}` : ''}`;
  return {
    text: `${day}, ${clock}`,
    day,
    clock,
    iso: utc,
    title: `${dayLabel(wall)}, ${wall.slice(11, 19)} ${abbr} (${zone}) · ${utc.slice(0, 19).replace('T', ' ')} UTC`,
  };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (v: string) => v.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/**
 * A full date-time as every page shows one, as HTML: a <time> with the exact UTC instant and a
 * title, the day and the clock each kept on one line; `ifNone` (default an em dash) when there is
 * none. Views write it with <%- timeTag(at) %> (a function, not a partial: a table of a hundred
 * rows would otherwise resolve and copy an include per cell).
 */
export function timeTag(value: string | Date | null | undefined, zone: string, ifNone = '—'): string {
  const ts = timestamp(value, zone);
  if (!ts) return escapeHtml(ifNone);
  return `<time datetime="${escapeHtml(ts.iso)}" title="${escapeHtml(ts.title)}"><span class="nowrap">${escapeHtml(ts.day)},</span> <span class="nowrap">${escapeHtml(ts.clock)}</span></time>`;
}

/**
 * A timestamp inside a sentence read away from its page (a notification, an e-mail, a limit's
 * description): the same format, always followed by the zone's abbreviation ('Dec 6, 2026, 20:31 CST').
 */
export function timestampInSentence(value: string | Date | null | undefined, zone: string): string {
  const at = fromDbTime(value ?? null);
  const ts = timestamp(at, zone);
  if (!at || !ts) return '—';
  return isRepeatedLocalTime(at, zone) ? ts.text : `${ts.text} ${zoneAbbreviation(at, zone)}`;
}
