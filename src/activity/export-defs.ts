// CSV export definitions of this feature (columns feed the exporter and the data dictionary).
import { defineExport, utcCell, type ExportDefinition } from '../csv/definitions';
import { SURFACE_LABELS, type Surface } from '../domain/model';
import type { LogRow } from './queries';

/** What the activity log and its CSV show for a prompt the retention policy removed. */
export const REMOVED_BY_RETENTION = 'removed by retention policy';

/** An interaction row as the activity queries select it, plus its local time and the user's email (added while streaming). */
export type ActivityCsvRow = LogRow & { occurred_at_local: string; user_email: string };

export const ACTIVITY_LOG_EXPORT = defineExport<ActivityCsvRow>({
  id: 'user-activity-interactions',
  file: 'activity-log.csv',
  path: '/admin/users/:id/logs.csv',
  title: 'Activity log of one user',
  description:
    'Every interaction of one user, newest first, with the filters of the Activity Logs page applied (date range, model, surface, training, kind). Prompt text is the stored excerpt (at most 500 characters).',
  area: 'Activity Logs',
  columns: [
    { key: 'interaction_id', type: 'integer', description: 'Internal id of the interaction (unique; a tie-breaker for equal timestamps).', example: '184220', value: (r) => r.id },
    { key: 'user_email', type: 'string', description: 'Email of the user.', example: 'jane@example.com' },
    { key: 'occurred_at_utc', type: 'datetime', description: 'When the interaction happened, UTC (ISO 8601, like every export).', example: '2026-03-09T15:04:05.120Z', value: (r) => utcCell(r.occurred_at) },
    {
      key: 'occurred_at_local',
      type: 'string',
      description:
        'The same instant as local wall-clock time in the workspace time zone (YYYY-MM-DD HH:MM:SS, not UTC). In the hour repeated when clocks fall back, the zone abbreviation follows, so the two 01:30s differ (01:30:00 CDT, then 01:30:00 CST).',
      example: '2026-03-09 10:04:05',
      value: (r) => r.occurred_at_local,
    },
    { key: 'day', type: 'date', description: 'Reporting day in the workspace time zone (the day the reports count it on).', example: '2026-03-09' },
    { key: 'surface', type: 'string', description: `Where it happened: ${Object.values(SURFACE_LABELS).join(', ')} (unknown surfaces are Other).`, example: 'Chat', value: (r) => SURFACE_LABELS[r.surface as Surface] ?? r.surface },
    { key: 'token_kind', type: 'string', description: 'inference (a generation) or embedding (document ingestion / training run).', example: 'inference' },
    { key: 'output', type: 'string', description: 'text or image.', example: 'text' },
    { key: 'model', type: 'string', description: 'Model that served the interaction.', example: 'gpt-4o' },
    { key: 'prompt', type: 'string', description: 'Stored prompt excerpt (truncated to 500 characters; cells starting with = + - @ are prefixed with an apostrophe). "removed by retention policy" when the workspace\'s data retention removed the text (the row and its numbers stay).', example: 'Summarise the Q3 report', value: (r) => (Number(r.prompt_removed ?? 0) ? REMOVED_BY_RETENTION : r.prompt_excerpt) },
    { key: 'prompt_tokens', type: 'integer', description: 'Prompt (input) tokens.', example: '812' },
    { key: 'completion_tokens', type: 'integer', description: 'Completion (output) tokens.', example: '240' },
    { key: 'total_tokens', type: 'integer', description: 'prompt_tokens + completion_tokens.', example: '1052' },
    { key: 'training', type: 'boolean', description: 'true when the interaction ingested a dataset (training/embedding run).', example: 'false', value: (r) => !!Number(r.training) },
    { key: 'iq_layers', type: 'string', description: 'IQ layers applied, comma-separated (brand_voice, knowledge, audience, style_guide, visual_guidelines).', example: 'brand_voice,knowledge' },
    { key: 'credits_charged', type: 'integer', description: 'Credits charged for the interaction (0 when not billable).', example: '0' },
    { key: 'ip', type: 'string', description: 'Client IP address reported by the platform.', example: '203.0.113.7' },
  ],
});

export const ACTIVITY_EXPORTS: ExportDefinition[] = [ACTIVITY_LOG_EXPORT];
