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
// Day and month labels are the product's one format (src/http/format.ts).
import { dayLabel, monthLabel } from '../http/format';
export { dayLabel, monthLabel };

// ---------------------------------------------------------------- cards

/** "Mar 2026" or "Jan 2026 – Mar 2026" (chart subtitles). */
export function monthsSubtitle(months: string[]): string {
  return months.length === 1 ? monthLabel(months[0]) : `${monthLabel(months[0])} – ${monthLabel(months[months.length - 1])}`;
}
