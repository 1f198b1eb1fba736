// The CSV files a scheduled report can attach: per-user totals and daily totals of the period.
import { defineExport, type ExportDefinition } from '../csv/definitions';

export interface DigestUserRow {
  email: string;
  name: string;
  interactions: number;
  total_tokens: number;
  credits: number;
  allocation: number;
}

export interface DigestDayRow {
  day: string;
  interactions: number;
  total_tokens: number;
  credits: number;
}

export const digestUsersExport: ExportDefinition<DigestUserRow> = defineExport({
  id: 'report-users',
  file: 'report-users.csv',
  path: '/admin/settings/reports',
  title: 'Report: usage per user',
  description: 'Attached to scheduled reports: each user with activity in the report period, with their monthly token allocation.',
  area: 'Usage',
  columns: [
    { key: 'email', type: 'string', description: 'E-mail of the user.', example: 'ada@example.com' },
    { key: 'name', type: 'string', description: 'Display name.', example: 'Ada Lovelace' },
    { key: 'interactions', type: 'integer', description: 'Interactions (inference and embedding) in the period.', example: '412' },
    { key: 'total_tokens', type: 'integer', description: 'Tokens (inference and embedding) in the period.', example: '1832000' },
    { key: 'credits', type: 'decimal', description: 'Credits charged to the user in the period.', example: '120.5' },
    { key: 'allocation', type: 'integer', description: 'Monthly inference-token allocation of the user (0 = none).', example: '2000000' },
  ],
});

export const digestDaysExport: ExportDefinition<DigestDayRow> = defineExport({
  id: 'report-days',
  file: 'report-days.csv',
  path: '/admin/settings/reports',
  title: 'Report: daily totals',
  description: 'Attached to scheduled reports: one row per day of the period (workspace time zone).',
  area: 'Usage',
  columns: [
    { key: 'day', type: 'date', description: 'Day in the workspace time zone.', example: '2026-11-30' },
    { key: 'interactions', type: 'integer', description: 'Interactions that day.', example: '1840' },
    { key: 'total_tokens', type: 'integer', description: 'Tokens that day.', example: '9120000' },
    { key: 'credits', type: 'decimal', description: 'Credits consumed that day.', example: '310' },
  ],
});

export const REPORT_EXPORTS = [digestUsersExport, digestDaysExport];
export const REPORT_EXPORT_IDS = REPORT_EXPORTS.map((d) => d.id);
