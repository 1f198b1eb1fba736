// View-model helpers of the Credits section: number, money and day formats, labels, the chart config, form state.
import { fromDbTime, localDateTime } from '../db/time';
import type { FieldErrors } from '../http/validate';
import type { CategorySeries } from './reports';
import { dayLabel, formatNumber, monthLabel } from '../http/format';
import { creditSeries } from '../http/chart-series';

export const fmt = formatNumber;
export { dayLabel };
export const money = (cents: number | null | undefined) =>
  cents == null ? '—' : `$${(Number(cents) / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The local day of a DB timestamp, as every page shows a day ('Nov 24, 2026'). Full date-times go
 * through timeTag of src/http/format.ts. */
export function dateOf(value: string | null | undefined, zone: string): string {
  const d = fromDbTime(value ?? null);
  return d ? dayLabel(localDateTime(d, zone)) : '—';
}

export const ENTRY_LABELS: Record<string, string> = {
  included: 'Included credits',
  purchase: 'Purchase',
  grant: 'Grant',
  consumption: 'Usage (prepaid)',
  payg: 'Usage (pay-as-you-go)',
  overage: 'Overage (unpaid)',
  expiry: 'Expiry',
  adjustment: 'Adjustment',
};

export const CATEGORY_LABELS: Record<string, string> = { grid: 'Grid', api: 'API', agents: 'Agents' };

/** A bucket of the usage series as every page shows it: 'Nov 24, 2026' (a day, or a week by its Monday) or 'Nov 2026'. */
export function bucketLabel(label: string, bucket: CategorySeries['bucket']): string {
  return bucket === 'month' ? monthLabel(label) : dayLabel(label);
}

export function chartConfig(series: CategorySeries) {
  return {
    type: 'bar',
    data: {
      labels: series.labels.map((l) => bucketLabel(l, series.bucket)),
      datasets: (['grid', 'api', 'agents'] as const).map((c) => ({ label: CATEGORY_LABELS[c], data: series.rows.map((r) => r[c]), stack: 'credits', unit: ' credits', series: creditSeries(c) })),
    },
    options: {
      plugins: { legend: { position: 'bottom' } },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'Credits' } } },
    },
  };
}

export interface FormState {
  form: string;
  errors: FieldErrors;
  values: Record<string, unknown>;
}

/** Field errors and submitted values of the form that failed, for re-rendering it in place. */
export function formHelpers(state: FormState | null) {
  const failed = (form: string) => !!state && state.form === form;
  const err = (form: string, field: string) => (state && state.form === form ? state.errors[field] ?? '' : '');
  return {
    failed,
    err,
    /** The first field with an error gets focus when the page opens (autofocus). */
    focus: (form: string, field: string) => failed(form) && Object.keys(state!.errors)[0] === field,
    /** aria attributes (and autofocus on the first invalid field) for an input. */
    attrs: (form: string, field: string, errId: string) => {
      if (!err(form, field)) return '';
      return ` aria-invalid="true" aria-describedby="${errId}"${Object.keys(state!.errors)[0] === field ? ' autofocus data-autofocus' : ''}`;
    },
    val: (form: string, field: string, fallback: unknown) => {
      if (state && state.form === form) {
        const v = state.values[field];
        return typeof v === 'string' ? v : '';
      }
      return fallback == null ? '' : String(fallback);
    },
  };
}

