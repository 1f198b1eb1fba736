// The names of chart series with a fixed colour. A Chart.js config built on the server gives each
// dataset a `series` name (a doughnut: one per slice), never a colour; public/js/charts.js looks the
// name up as the custom property --series-<name> of public/css/palette.css, the one palette. Datasets
// without a name take the ordered colours --chart-1, --chart-2, ... by position.
import { CREDIT_CATEGORIES, OUTPUTS, SURFACES, TOKEN_KINDS, type CreditCategory, type Output, type Surface } from '../domain/model';

export const SERIES = [
  ...TOKEN_KINDS,
  'interactive',
  'ingestion',
  ...CREDIT_CATEGORIES.map((c) => `credit-${c}` as const),
  ...SURFACES.map((s) => `surface-${s}` as const),
  ...OUTPUTS.map((o) => `output-${o}` as const),
  'agent-public',
  'agent-custom',
  'iq-both',
  'iq-knowledge',
  'iq-brand-voice',
  'iq-none',
  'generations',
  'adoption',
  'logins',
] as const;

export type Series = (typeof SERIES)[number];

export const surfaceSeries = (s: Surface): Series => `surface-${s}`;
export const creditSeries = (c: CreditCategory): Series => `credit-${c}`;
export const outputSeries = (o: Output): Series => `output-${o}`;
