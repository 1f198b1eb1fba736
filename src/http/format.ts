// Formatting shared by every page and message: whole numbers, days and months (one format each across
// pages: 'Nov 6, 2026' and 'Dec 2026'), and JSON safe inside a <script> block.

const NUMBER = new Intl.NumberFormat('en-US');

/** 1234567 -> '1,234,567'; a missing value is an em dash. */
export function formatNumber(n: number | null | undefined): string {
  return n == null ? '—' : NUMBER.format(Number(n));
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
