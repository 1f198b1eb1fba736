// Usage-page definitions: the hours-saved table (also shown in the data dictionary) and the
// reporting window rules. The clock the reports read "now" from is src/reports/clock.ts.
import type { Surface } from '../ingest/model';

/**
 * Minutes of work a single generation saves, per surface. A directional estimate based on
 * productivity research and platform data: useful for trends, not for billing. Edit here to
 * change it; the Usage page card and the data dictionary both read this table.
 */
export const HOURS_SAVED_MINUTES: Record<Surface, number> = {
  chat: 5,
  agent: 15,
  ask: 3,
  command: 4,
  extension: 4,
  api: 5,
  toolbar: 2,
  grid: 6,
  other: 3,
};

/** How far back the Usage page reports: the rolling 12 months ending with the last reported day. */
export const WINDOW_MONTHS = 12;

/** Active users look back this many days, ending yesterday, whatever range is selected. */
export const ACTIVE_USER_DAYS = 30;
