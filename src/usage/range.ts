// The Usage page's date range lives in src/reports/range.ts (shared with Credits > Usage, so both
// follow one rule); this module keeps the usage feature's imports where they were.
export * from '../reports/range';
