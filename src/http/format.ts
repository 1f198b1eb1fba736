// Formatting shared by every page and message: whole numbers, and JSON safe inside a <script> block.

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
