// CSV export of limits: the per-group showback (columns feed the exporter and the data dictionary).
import { defineExport, type ExportDefinition } from '../csv/definitions';
import type { ShowbackRow } from './reports';

const blank = (v: number | null) => (v == null ? '' : v);

export const GROUP_SHOWBACK_EXPORT: ExportDefinition<ShowbackRow> = defineExport<ShowbackRow>({
  id: 'group-showback',
  file: 'group-showback.csv',
  path: '/admin/settings/limits/showback.csv',
  title: 'Group showback',
  description:
    'Per active group and calendar month (workspace time zone, the last 12 months including this one): the tokens and credits of its current members, and the group\'s shared monthly budgets in force today. For charging usage back to departments and teams.',
  area: 'Limits',
  columns: [
    { key: 'group', type: 'string', description: 'Group name.', example: 'Engineering' },
    { key: 'month', type: 'string', description: 'Calendar month (YYYY-MM) in the workspace time zone.', example: '2026-11' },
    { key: 'members', type: 'integer', description: 'Members of the group now (usage is theirs, for the whole month).', example: '42' },
    { key: 'inference_tokens', type: 'integer', description: 'Inference tokens (prompt + completion) of the members in the month.', example: '1830422' },
    { key: 'embedding_tokens', type: 'integer', description: 'Embedding tokens of the members in the month.', example: '90210' },
    { key: 'credits', type: 'integer', description: 'Credits charged for the members\' actions in the month (including overage).', example: '1250' },
    { key: 'inference_budget', type: 'integer', description: 'The group\'s shared monthly inference-token budget in force today; empty when none.', example: '2000000', value: (r) => blank(r.inference_budget) },
    { key: 'embedding_budget', type: 'integer', description: 'The group\'s shared monthly embedding-token budget in force today; empty when none.', example: '', value: (r) => blank(r.embedding_budget) },
    { key: 'credits_budget', type: 'integer', description: 'The group\'s shared monthly credit budget in force today; empty when none.', example: '5000', value: (r) => blank(r.credits_budget) },
  ],
});

export const LIMITS_EXPORTS: ExportDefinition[] = [GROUP_SHOWBACK_EXPORT];
