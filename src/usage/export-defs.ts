// CSV export definitions of the Usage page (columns feed the exporters and the data dictionary).
// Exports that name users or agents look them up in small in-memory maps (built per download)
// instead of SQL joins, so the big generation-log query stays on its index.
import { defineExport, utcCell, type ExportDefinition, type RosterRow } from '../csv/definitions';

export interface Lookups {
  users: Map<number, { email: string; name: string }>;
  agents: Map<number, { external_id: string; name: string; kind: string; type: string }>;
}

const EMPTY: Lookups = { users: new Map(), agents: new Map() };

const day = (v: unknown) => (v == null ? '' : String(v).slice(0, 10));

export interface GenerationRow {
  occurred_at: string;
  day: string;
  user_id: number;
  output: string;
  surface: string;
  agent_id: number | null;
  iq_layers: string;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

const byUser = (r: { user_id: number }) => r.user_id;
const byAgent = (r: { agent_id: number | null }) => r.agent_id;

/**
 * The generation log. Its `stored` columns are what generationLogQuery may have the database format
 * (src/csv/database-cells.ts); the user and agent cells are looked up and cached per user and agent.
 */
export function generationLogExport(l: Lookups): ExportDefinition<GenerationRow> {
  const agent = (id: number | null) => (id == null ? undefined : l.agents.get(id));
  return defineExport<GenerationRow>({
    id: 'generation-log',
    file: 'generation-log.csv',
    path: '/admin/exports/generation-log.csv',
    title: 'Generation log',
    description: 'One row per generation (inference interaction, text or image) over the rolling 12-month window, through yesterday. You can also download only the range selected on the page; the file name says which (12-months or selected-range).',
    area: 'Usage',
    columns: [
      { key: 'occurred_at_utc', type: 'datetime', stored: 'occurred_at', description: 'When the generation happened, UTC (ISO 8601).', example: '2026-11-02T15:04:05.123Z', value: (r) => utcCell(r.occurred_at) },
      { key: 'local_date', type: 'date', stored: 'day', cacheBy: (r) => r.day, description: 'Reporting day in the workspace time zone.', example: '2026-11-02', value: (r) => day(r.day) },
      { key: 'user_email', type: 'string', cacheBy: byUser, description: 'Email of the user who generated.', example: 'ana@example.com', value: (r) => l.users.get(r.user_id)?.email ?? '' },
      { key: 'user_name', type: 'string', cacheBy: byUser, description: 'Display name of the user.', example: 'Ana Silva', value: (r) => l.users.get(r.user_id)?.name ?? '' },
      { key: 'output_type', type: 'string', cacheBy: (r) => r.output, description: 'text or image.', example: 'text', value: (r) => r.output },
      { key: 'surface', type: 'string', cacheBy: (r) => r.surface, description: 'Feature the generation came from: chat, agent, ask, command, extension, api, toolbar, grid or other (unattributed).', example: 'chat' },
      { key: 'agent_id', type: 'string', cacheBy: byAgent, description: 'Id of the agent that ran it (empty when none).', example: 'seo-brief', value: (r) => agent(r.agent_id)?.external_id ?? '' },
      { key: 'agent_name', type: 'string', cacheBy: byAgent, description: 'Name of the agent (empty when none).', example: 'SEO brief writer', value: (r) => agent(r.agent_id)?.name ?? '' },
      { key: 'agent_kind', type: 'string', cacheBy: byAgent, description: 'public (platform-provided) or custom (workspace-created); empty when no agent.', example: 'custom', value: (r) => agent(r.agent_id)?.kind ?? '' },
      { key: 'agent_type', type: 'string', cacheBy: byAgent, description: 'Type of the agent (research, content, seo...); empty when no agent.', example: 'seo', value: (r) => agent(r.agent_id)?.type ?? '' },
      { key: 'iq_layers', type: 'string', cacheBy: (r) => r.iq_layers, description: 'Jasper IQ layers applied, comma-separated (brand_voice, knowledge, audience, style_guide, visual_guidelines); empty when none.', example: 'brand_voice,knowledge' },
      { key: 'model', type: 'string', cacheBy: (r) => r.model, description: 'Model that produced the output.', example: 'gpt-4o' },
      { key: 'prompt_tokens', type: 'integer', stored: 'prompt_tokens', description: 'Prompt (input) tokens.', example: '420' },
      { key: 'completion_tokens', type: 'integer', stored: 'completion_tokens', description: 'Completion (output) tokens.', example: '380' },
      { key: 'total_tokens', type: 'integer', stored: 'total_tokens', description: 'Prompt + completion tokens.', example: '800' },
    ],
  });
}

export interface LoginDayRow {
  day: string;
  user_id: number;
  logins: number;
  first_at: string | null;
  last_at: string | null;
}

export function userActivityLogExport(l: Lookups): ExportDefinition<LoginDayRow> {
  return defineExport<LoginDayRow>({
    id: 'user-activity-log',
    file: 'user-activity-log.csv',
    path: '/admin/exports/user-activity-log.csv',
    title: 'User activity log',
    description: 'Daily web-app login records per user for the past 12 months (one row per user per day with at least one login). You can also download only the range selected on the page; the file name says which (12-months or selected-range).',
    area: 'Usage',
    columns: [
      { key: 'date', type: 'date', description: 'Day in the workspace time zone.', example: '2026-11-02', value: (r) => day(r.day) },
      { key: 'user_email', type: 'string', description: 'Email of the user.', example: 'ana@example.com', value: (r) => l.users.get(r.user_id)?.email ?? '' },
      { key: 'user_name', type: 'string', description: 'Display name of the user.', example: 'Ana Silva', value: (r) => l.users.get(r.user_id)?.name ?? '' },
      { key: 'logins', type: 'integer', description: 'Number of logins that day.', example: '2' },
      { key: 'first_login_utc', type: 'datetime', description: 'First login of the day, UTC.', example: '2026-11-02T14:00:00.000Z', value: (r) => utcCell(r.first_at) },
      { key: 'last_login_utc', type: 'datetime', description: 'Last login of the day, UTC.', example: '2026-11-02T21:30:00.000Z', value: (r) => utcCell(r.last_at) },
    ],
  });
}


export type ActivityLookup = Map<number, { first_at: string | null; last_at: string | null }>;

export function userLogExport(activity: ActivityLookup): ExportDefinition<RosterRow> {
  return defineExport<RosterRow>({
    id: 'user-log',
    file: 'user-log.csv',
    path: '/admin/exports/user-log.csv',
    title: 'User log',
    description: 'The workspace roster: every user with role, department, invite/join/revoke dates and first/last activity (generations or logins).',
    area: 'Usage',
    columns: [
      { key: 'user_email', type: 'string', description: 'Email (unique in the workspace).', example: 'ana@example.com', value: (r) => r.email },
      { key: 'user_name', type: 'string', description: 'Display name.', example: 'Ana Silva', value: (r) => r.name },
      { key: 'role', type: 'string', description: 'admin or member.', example: 'member' },
      { key: 'department', type: 'string', description: 'Department, when known.', example: 'Marketing' },
      { key: 'status', type: 'string', description: 'invited, active or revoked.', example: 'active' },
      { key: 'invited_at_utc', type: 'datetime', description: 'When the user was invited, UTC.', example: '2026-01-05T16:00:00.000Z', value: (r) => utcCell(r.invited_at) },
      { key: 'joined_at_utc', type: 'datetime', description: 'When the user accepted and joined, UTC.', example: '2026-01-06T09:12:00.000Z', value: (r) => utcCell(r.joined_at) },
      { key: 'revoked_at_utc', type: 'datetime', description: 'When access was revoked, UTC (empty unless revoked).', example: '', value: (r) => utcCell(r.revoked_at) },
      { key: 'first_activity_utc', type: 'datetime', description: 'First generation or login, UTC.', example: '2026-01-06T09:20:00.000Z', value: (r) => utcCell(activity.get(r.id)?.first_at) },
      { key: 'last_activity_utc', type: 'datetime', description: 'Latest generation or login, UTC.', example: '2026-11-02T21:30:00.000Z', value: (r) => utcCell(activity.get(r.id)?.last_at) },
    ],
  });
}

export interface AgentRow {
  id: number;
  external_id: string;
  name: string;
  type: string;
  visibility: string;
  status: string;
  creator_user_id: number | null;
  created_at: string;
}

export type AgentUseLookup = Map<number, { runs: number; last_day: string | null }>;

export function agentsLogExport(l: Lookups, uses: AgentUseLookup): ExportDefinition<AgentRow> {
  return defineExport<AgentRow>({
    id: 'agents-log',
    file: 'agents-log.csv',
    path: '/admin/exports/agents-log.csv',
    title: 'Agents log',
    description: 'Every custom (workspace-created) agent, used or not, with visibility, creator and its runs in the rolling 12 months.',
    area: 'Usage',
    columns: [
      { key: 'agent_id', type: 'string', description: 'Agent id as sent by the platform.', example: 'seo-brief', value: (r) => r.external_id },
      { key: 'agent_name', type: 'string', description: 'Agent name.', example: 'SEO brief writer', value: (r) => r.name },
      { key: 'agent_type', type: 'string', description: 'Type of agent (research, content, seo, analysis, general...).', example: 'seo', value: (r) => r.type },
      { key: 'visibility', type: 'string', description: 'private, shared or workspace.', example: 'workspace' },
      { key: 'status', type: 'string', description: 'active or archived.', example: 'active' },
      { key: 'creator_email', type: 'string', description: 'Email of the user who created it (empty when unknown).', example: 'ana@example.com', value: (r) => (r.creator_user_id == null ? '' : (l.users.get(r.creator_user_id)?.email ?? '')) },
      { key: 'creator_name', type: 'string', description: 'Name of the creator.', example: 'Ana Silva', value: (r) => (r.creator_user_id == null ? '' : (l.users.get(r.creator_user_id)?.name ?? '')) },
      { key: 'created_at_utc', type: 'datetime', description: 'When the agent was created, UTC.', example: '2026-03-01T12:00:00.000Z', value: (r) => utcCell(r.created_at) },
      { key: 'runs_12_months', type: 'integer', description: 'Runs in the rolling 12-month window (0 when unused).', example: '57', value: (r) => uses.get(r.id)?.runs ?? 0 },
      { key: 'last_used_date', type: 'date', description: 'Last day with a run in the window (workspace time zone); empty when unused.', example: '2026-11-01', value: (r) => uses.get(r.id)?.last_day ?? '' },
    ],
  });
}

export interface GroupMemberRow {
  external_id: string;
  group_name: string;
  knowledge_applied: number | boolean;
  brand_voice_applied: number | boolean;
  email: string;
  name: string;
  department: string | null;
  added_at: string;
}

export function groupMembersLogExport(): ExportDefinition<GroupMemberRow> {
  return defineExport<GroupMemberRow>({
    id: 'group-members-log',
    file: 'group-members-log.csv',
    path: '/admin/exports/group-members-log.csv',
    title: 'Group members log',
    description: 'One row per active member of each active group, with the Jasper IQ resources applied to the group. Archived groups and invited or revoked users are left out.',
    area: 'Usage',
    columns: [
      { key: 'group_id', type: 'string', description: 'Group id as sent by the platform.', example: 'mkt-emea', value: (r) => r.external_id },
      { key: 'group_name', type: 'string', description: 'Group name.', example: 'Marketing EMEA' },
      { key: 'knowledge_applied', type: 'boolean', description: 'Knowledge is applied to the group.', example: 'true' },
      { key: 'brand_voice_applied', type: 'boolean', description: 'Brand Voice is applied to the group.', example: 'false' },
      { key: 'iq_resources', type: 'string', description: 'IQ resources applied, separated by "; " (empty when none).', example: 'Knowledge; Brand Voice', value: (r) => [r.knowledge_applied ? 'Knowledge' : '', r.brand_voice_applied ? 'Brand Voice' : ''].filter(Boolean).join('; ') },
      { key: 'user_email', type: 'string', description: 'Email of the member.', example: 'ana@example.com', value: (r) => r.email },
      { key: 'user_name', type: 'string', description: 'Name of the member.', example: 'Ana Silva', value: (r) => r.name },
      { key: 'department', type: 'string', description: 'Department of the member, when known.', example: 'Marketing' },
      { key: 'added_at_utc', type: 'datetime', description: 'When the member was added to the group, UTC.', example: '2026-02-10T10:00:00.000Z', value: (r) => utcCell(r.added_at) },
    ],
  });
}

export const USAGE_EXPORTS: ExportDefinition[] = [
  generationLogExport(EMPTY),
  userActivityLogExport(EMPTY),
  userLogExport(new Map()),
  agentsLogExport(EMPTY, new Map()),
  groupMembersLogExport(),
];
