// CSV export definitions of Token Statistics (the three account-metrics exports). The exporters and
// the data dictionary both read these, so a column cannot be exported without a description.
import { defineExport, utcCell, type ExportColumn, type ExportDefinition, type RosterRow } from '../csv/definitions';

/** One month of the workspace's token history (months without usage are rows of zeros). */
export interface MonthRow {
  period: string; // YYYY-MM
  inference: number;
  embedding: number;
}

/** A user row as the users queries select it: the roster plus last activity and token columns. */
export interface UserExportRow extends RosterRow {
  last_active_at: string | null;
  max_inference_tokens?: number | string | null;
  max_embedding_tokens?: number | string | null;
  total_inference_tokens?: number | string | null;
  total_embedding_tokens?: number | string | null;
  total_usage_tokens?: number | string | null;
  monthly_inference_tokens?: number | string | null;
  previous_month_inference_tokens?: number | string | null;
}

const n = (v: unknown) => Number(v ?? 0);

export const TOKEN_USAGE_EXPORT = defineExport<MonthRow>({
  id: 'token-usage',
  file: 'token-usage.csv',
  path: '/admin/exports/token-usage.csv',
  title: 'Token usage by month',
  description:
    'The full monthly token history of the workspace, oldest month first: one row per calendar month (workspace time zone) from the month the workspace began to the current month, months without usage as zeros.',
  area: 'Token Statistics',
  columns: [
    { key: 'period', type: 'string', description: 'Calendar month in the workspace time zone (YYYY-MM). The current month is month-to-date.', example: '2026-01' },
    { key: 'inference_tokens', type: 'integer', description: 'Tokens of inference interactions (prompt + completion) in the month.', example: '1523400', value: (r) => r.inference },
    { key: 'embedding_tokens', type: 'integer', description: 'Tokens of embedding interactions (document ingestion, training) in the month.', example: '250000', value: (r) => r.embedding },
    { key: 'total_tokens', type: 'integer', description: 'inference_tokens + embedding_tokens.', example: '1773400', value: (r) => r.inference + r.embedding },
  ],
});

const USER_COLUMNS: ExportColumn<UserExportRow>[] = [
  { key: 'id', type: 'integer', description: 'User id in this console (stable; the id in /admin/users/<id>/logs).', example: '42' },
  { key: 'name', type: 'string', description: 'Display name.', example: 'Ada Lovelace' },
  { key: 'email', type: 'string', description: 'Sign-in e-mail address (unique in the workspace).', example: 'ada@example.com' },
  { key: 'role', type: 'string', description: 'admin or member.', example: 'member' },
  { key: 'department', type: 'string', description: 'Department, empty when not set.', example: 'Marketing' },
  { key: 'status', type: 'string', description: 'invited (not yet joined), active, or revoked (access removed).', example: 'active' },
  { key: 'invited_at', type: 'datetime', description: 'When the user was invited (UTC, ISO 8601); empty when unknown.', example: '2026-01-05T14:03:00.000Z', value: (r) => utcCell(r.invited_at) },
  { key: 'joined_at', type: 'datetime', description: 'When the user joined (UTC); empty while invited.', example: '2026-01-06T09:12:44.000Z', value: (r) => utcCell(r.joined_at) },
  { key: 'revoked_at', type: 'datetime', description: 'When access was revoked (UTC); empty unless revoked.', example: '', value: (r) => utcCell(r.revoked_at) },
  {
    key: 'last_active_at',
    type: 'datetime',
    description: 'Last AI interaction or platform login (UTC); empty when the user was never active.',
    example: '2026-03-02T16:40:10.512Z',
    value: (r) => utcCell(r.last_active_at),
  },
];

export const USERS_EXPORT = defineExport<UserExportRow>({
  id: 'users',
  file: 'users.csv',
  path: '/admin/exports/users.csv',
  title: 'Users',
  description: 'The current user list of the workspace (every status), one row per user, ordered by id.',
  area: 'Token Statistics',
  columns: USER_COLUMNS,
});

export const USERS_WITH_TOKENS_EXPORT = defineExport<UserExportRow>({
  id: 'users-with-tokens',
  file: 'users-with-tokens.csv',
  path: '/admin/exports/users-with-tokens.csv',
  title: 'Users with tokens',
  description:
    'The user list with each user’s token allocations and usage: lifetime inference, embedding and combined totals, this calendar month’s and the previous calendar month’s inference tokens (workspace time zone). Useful for audits and usage reports.',
  area: 'Token Statistics',
  columns: [
    ...USER_COLUMNS,
    { key: 'max_inference_tokens', type: 'integer', description: 'Monthly inference token allocation assigned to the user (0 = none assigned).', example: '1000000', value: (r) => n(r.max_inference_tokens) },
    { key: 'max_embedding_tokens', type: 'integer', description: 'Training/embedding token allocation assigned to the user (0 = none assigned).', example: '500000', value: (r) => n(r.max_embedding_tokens) },
    {
      key: 'total_inference_tokens',
      type: 'integer',
      description: 'Inference tokens (prompt + completion of chat and generation) consumed since the account was created.',
      example: '2200000',
      value: (r) => n(r.total_inference_tokens),
    },
    {
      key: 'total_embedding_tokens',
      type: 'integer',
      description: 'Embedding tokens (document ingestion and training) consumed since the account was created.',
      example: '250000',
      value: (r) => n(r.total_embedding_tokens),
    },
    {
      key: 'total_usage_tokens',
      type: 'integer',
      description: 'Total tokens consumed since the account was created: total_inference_tokens + total_embedding_tokens.',
      example: '2450000',
      value: (r) => n(r.total_usage_tokens),
    },
    {
      key: 'monthly_inference_tokens',
      type: 'integer',
      description: 'Inference tokens used in the current calendar month (workspace time zone), month to date.',
      example: '120500',
      value: (r) => n(r.monthly_inference_tokens),
    },
    {
      key: 'previous_month_inference_tokens',
      type: 'integer',
      description: 'Inference tokens used in the previous calendar month (workspace time zone).',
      example: '98000',
      value: (r) => n(r.previous_month_inference_tokens),
    },
  ],
});

export const TOKEN_EXPORTS: ExportDefinition[] = [TOKEN_USAGE_EXPORT, USERS_EXPORT, USERS_WITH_TOKENS_EXPORT];
