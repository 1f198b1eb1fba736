// Time-zone bucketing: a UTC instant -> the workspace's reporting day, ISO week (Monday) and month.
// Computed in TypeScript at write time so SQL never needs date functions.

export const DEFAULT_TIME_ZONE = 'America/Chicago';

const dayFormatters = new Map<string, Intl.DateTimeFormat>();
const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function dayFormatter(zone: string): Intl.DateTimeFormat {
  let f = dayFormatters.get(zone);
  if (!f) {
    // en-CA formats as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(zone, f);
  }
  return f;
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The reporting day ('YYYY-MM-DD') of an instant in a zone. */
export function dayOf(instant: Date, zone: string = DEFAULT_TIME_ZONE): string {
  return dayFormatter(zone).format(instant);
}

/** 'YYYY-MM' of a day string. */
export function monthOfDay(day: string): string {
  return day.slice(0, 7);
}

export function monthOf(instant: Date, zone: string = DEFAULT_TIME_ZONE): string {
  return monthOfDay(dayOf(instant, zone));
}

/** Parses 'YYYY-MM-DD' as a calendar date (UTC midnight, used for day arithmetic only). */
export function parseDay(day: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`not a YYYY-MM-DD day: ${day}`);
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if (d.toISOString().slice(0, 10) !== day) throw new RangeError(`not a calendar day: ${day}`);
  return d;
}

/**
 * Days a request may name: calendar days of years 1000-8999, so that every range computed from one
 * (a day before, a year after) is still a four-digit year that parseDay accepts.
 */
export function isValidDay(day: string): boolean {
  try {
    const year = parseDay(day).getUTCFullYear();
    return year >= 1000 && year <= 8999;
  } catch {
    return false;
  }
}

export function formatDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  const d = parseDay(day);
  d.setUTCDate(d.getUTCDate() + n);
  return formatDay(d);
}

/** Whole days from a to b (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((parseDay(b).getTime() - parseDay(a).getTime()) / 86_400_000);
}

/** The Monday that starts the ISO week containing `day`. */
export function weekStartOfDay(day: string): string {
  const d = parseDay(day);
  const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
  d.setUTCDate(d.getUTCDate() - dow);
  return formatDay(d);
}

/** ISO week label, e.g. '2026-W01' (the ISO week-year may differ from the calendar year). */
export function isoWeekOfDay(day: string): string {
  const d = parseDay(day);
  const dow = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - dow + 3); // Thursday of this week decides the year
  const year = d.getUTCFullYear();
  // Week 1 holds the year's first Thursday, so the Thursday's day-of-year gives the week.
  const week = 1 + Math.floor((d.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const idx = y * 12 + (m - 1) + n;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
}

export function firstDayOfMonth(month: string): string {
  return `${month}-01`;
}

export function lastDayOfMonth(month: string): string {
  return addDays(firstDayOfMonth(addMonths(month, 1)), -1);
}

/** Every month from a to b inclusive ('YYYY-MM'). */
export function monthsBetween(a: string, b: string): string[] {
  const out: string[] = [];
  for (let m = a; m <= b; m = addMonths(m, 1)) out.push(m);
  return out;
}

/** Every day from a to b inclusive. */
export function daysInRange(a: string, b: string): string[] {
  const out: string[] = [];
  for (let d = a; d <= b; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Offset of `zone` from UTC at `instant`, in minutes (east positive). */
export function zoneOffsetMinutes(instant: Date, zone: string): number {
  // A zone's offset changes on a couple of days a year: an offset found constant over a whole UTC
  // day is kept for that day, so a page of timestamps (or an export) asks Intl about once per day.
  const dayKey = Math.floor(instant.getTime() / DAY_MS);
  let byDay = steadyOffsets.get(zone);
  if (!byDay) steadyOffsets.set(zone, (byDay = new Map()));
  const known = byDay.get(dayKey);
  if (known !== undefined) return known;
  const off = offsetFromIntl(instant, zone);
  const start = offsetFromIntl(new Date(dayKey * DAY_MS), zone);
  if (start === off && offsetFromIntl(new Date(dayKey * DAY_MS + DAY_MS - 1000), zone) === off) {
    if (byDay.size >= 20_000) byDay.clear();
    byDay.set(dayKey, off);
  }
  return off;
}

const DAY_MS = 86_400_000;
/** zone -> UTC day number -> the offset that held all that day (days with a change are not kept) */
const steadyOffsets = new Map<string, Map<number, number>>();

function offsetFromIntl(instant: Date, zone: string): number {
  let f = partsFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

/** The UTC instant at which local midnight of `day` begins in `zone` (handles 23/25-hour days). */
export function startOfDayUtc(day: string, zone: string): Date {
  const guess = parseDay(day).getTime();
  let t = guess - zoneOffsetMinutes(new Date(guess), zone) * 60000;
  t = guess - zoneOffsetMinutes(new Date(t), zone) * 60000;
  return new Date(t);
}

/** Local wall-clock 'YYYY-MM-DD HH:MM:SS' of an instant in a zone (for display and CSV). */
export function localDateTime(instant: Date, zone: string): string {
  const off = zoneOffsetMinutes(instant, zone);
  return new Date(instant.getTime() + off * 60000).toISOString().slice(0, 19).replace('T', ' ');
}

const abbrevFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's short name at an instant ("CDT", "CST"; "GMT+1" where no abbreviation exists). */
export function zoneAbbreviation(instant: Date, zone: string): string {
  // a zone's name follows its offset (CST at -360, CDT at -300): asked of Intl once per zone, offset
  // and year (a zone that changed its standard time keeps each year's name)
  const key = `${zone}|${zoneOffsetMinutes(instant, zone)}|${instant.getUTCFullYear()}`;
  let name = abbreviations.get(key);
  if (name === undefined) {
    let f = abbrevFormatters.get(zone);
    if (!f) abbrevFormatters.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' })));
    name = f.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (abbreviations.size < 10_000) abbreviations.set(key, name);
  }
  return name;
}
const abbreviations = new Map<string, string>();

/**
 * True when the instant's local wall-clock time happens twice that day (the hour repeated when
 * clocks fall back): 01:30 CDT and 01:30 CST are one hour apart but read the same without the zone.
 */
export function isRepeatedLocalTime(instant: Date, zone: string): boolean {
  const off = zoneOffsetMinutes(instant, zone);
  const wall = localDateTime(instant, zone);
  for (const hours of [-3, 3]) {
    const other = zoneOffsetMinutes(new Date(instant.getTime() + hours * 3600_000), zone);
    if (other === off) continue;
    const twin = new Date(instant.getTime() + (off - other) * 60_000);
    if (twin.getTime() !== instant.getTime() && localDateTime(twin, zone) === wall) return true;
  }
  return false;
}

/** Local wall-clock time for display and CSV; in a repeated hour the zone abbreviation follows ("01:30:00 CDT"). */
export function localDateTimeLabel(instant: Date, zone: string): string {
  const wall = localDateTime(instant, zone);
  return isRepeatedLocalTime(instant, zone) ? `${wall} ${zoneAbbreviation(instant, zone)}` : wall;
}

/** DB timestamp string (UTC, millisecond precision) — the one format both engines store and return. */
export function toDbTime(instant: Date): string {
  return instant.toISOString().slice(0, 23).replace('T', ' ');
}

/** Parses a DB timestamp string (UTC) back to a Date. */
export function fromDbTime(value: string | Date | null | undefined): Date | null {
  if (value == null) return null;
  if (value instanceof Date) return value;
  const s = value.includes('T') ? value : value.replace(' ', 'T');
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
}

/** Today in a zone (the reporting day that is in progress). */
export function today(zone: string, now: Date = new Date()): string {
  return dayOf(now, zone);
}

/**
 * The reporting day of an instant in one zone, memoised per quarter hour: zone offsets are whole
 * quarter hours and change only on quarter hours, so a local midnight never falls inside a UTC
 * quarter-hour bucket and every instant of a bucket has the same day. Saves an Intl call per event.
 */
const dayMemos = new Map<string, Map<number, string>>();
const QUARTER_HOUR_MS = 15 * 60_000;
export function dayMemo(zone: string): (at: Date) => string {
  let memo = dayMemos.get(zone);
  if (!memo) dayMemos.set(zone, (memo = new Map()));
  const m = memo;
  return (at: Date) => {
    const bucket = Math.floor(at.getTime() / QUARTER_HOUR_MS);
    let day = m.get(bucket);
    if (day === undefined) {
      if (m.size > 50_000) m.clear();
      day = dayOf(new Date(bucket * QUARTER_HOUR_MS), zone);
      m.set(bucket, day);
    }
    return day;
  };
}
