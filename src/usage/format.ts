// Formatting of the Usage page: numbers with fixed decimals, percentages, month and day labels.

// Formatters are built once: toLocaleString with options builds a new Intl formatter per call,
// which cost several ms of CPU per chart (hundreds of labels and cells).
const numberFormats = new Map<number, Intl.NumberFormat>();
export const fmt = (v: number, digits = 0) => {
  let f = numberFormats.get(digits);
  if (!f) numberFormats.set(digits, (f = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f.format(v);
};
export const pct = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 'YYYY-MM' -> 'Nov 2026' */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m - 1]} ${y}`;
}

/** 'YYYY-MM-DD' -> 'Nov 24, 2026' */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return `${MONTHS[m - 1]} ${d}, ${y}`;
}

// ---------------------------------------------------------------- cards

/** "Mar 2026" or "Jan 2026 – Mar 2026" (chart subtitles). */
export function monthsSubtitle(months: string[]): string {
  return months.length === 1 ? monthLabel(months[0]) : `${monthLabel(months[0])} – ${monthLabel(months[months.length - 1])}`;
}
