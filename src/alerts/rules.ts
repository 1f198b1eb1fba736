// Alert rules of a workspace: a condition with its parameters plus the channels that tell people
// (in-app, e-mail to chosen admins, webhook, Slack). All SQL of rules, their state and firings.
import type { Knex } from 'knex';
import { z } from 'zod';
import { toDbTime } from '../db/time';

export const CONDITIONS = ['pool_below', 'cap_reached', 'allocation_above', 'usage_spike'] as const;
export type Condition = (typeof CONDITIONS)[number];
export const SCOPES = ['workspace', 'group', 'user'] as const;
export type Scope = (typeof SCOPES)[number];

export const CONDITION_LABELS: Record<Condition, string> = {
  pool_below: 'Credit pool balance at or below',
  cap_reached: 'Pay-as-you-go monthly cap reached',
  allocation_above: 'Monthly token use above a share of the allocation',
  usage_spike: 'Daily usage spike',
};

export const paramsSchema = {
  pool_below: z.object({ threshold: z.coerce.number({ error: 'Enter a number of credits.' }).min(0, 'Use 0 or more.').max(1e12, 'Too large.') }),
  cap_reached: z.object({}),
  allocation_above: z.object({
    scope: z.enum(SCOPES, { error: 'Choose workspace, group or user.' }),
    percent: z.coerce.number({ error: 'Enter a percentage.' }).min(1, 'Use 1 to 1000.').max(1000, 'Use 1 to 1000.'),
  }),
  usage_spike: z.object({
    scope: z.enum(SCOPES, { error: 'Choose workspace, group or user.' }),
    metric: z.enum(['tokens', 'credits'], { error: 'Choose tokens or credits.' }),
    k: z.coerce.number({ error: 'Enter a number of standard deviations.' }).min(0.5, 'Use 0.5 to 20.').max(20, 'Use 0.5 to 20.'),
  }),
} as const;

export type RuleParams = {
  threshold?: number;
  scope?: Scope;
  percent?: number;
  metric?: 'tokens' | 'credits';
  k?: number;
};

export interface Channels {
  inapp: boolean;
  /** user ids of admins to e-mail */
  email: number[];
  webhook: boolean;
  slack: boolean;
}

export interface AlertRule {
  id: number;
  workspace_id: number;
  name: string;
  condition: Condition;
  params: RuleParams;
  channels: Channels;
  enabled: boolean;
  builtin: string | null;
}

function parseJson<T>(s: unknown, fallback: T): T {
  try {
    return (JSON.parse(String(s ?? '')) as T) ?? fallback;
  } catch {
    return fallback;
  }
}

function toRule(r: Record<string, unknown>): AlertRule {
  const ch = parseJson<Partial<Channels>>(r.channels, {});
  return {
    id: Number(r.id),
    workspace_id: Number(r.workspace_id),
    name: String(r.name),
    condition: r.condition as Condition,
    params: parseJson<RuleParams>(r.params, {}),
    channels: { inapp: !!ch.inapp, email: Array.isArray(ch.email) ? ch.email.map(Number) : [], webhook: !!ch.webhook, slack: !!ch.slack },
    enabled: !!r.enabled,
    builtin: (r.builtin as string) ?? null,
  };
}

export async function listRules(db: Knex, workspaceId: number, condition?: Condition, enabledOnly = false): Promise<AlertRule[]> {
  const q = db('alert_rules').where({ workspace_id: workspaceId }).orderBy('id');
  if (condition) q.where({ condition });
  if (enabledOnly) q.where({ enabled: true });
  return (await q).map(toRule);
}

export async function getRule(db: Knex, workspaceId: number, id: number): Promise<AlertRule | null> {
  const r = await db('alert_rules').where({ workspace_id: workspaceId, id }).first();
  return r ? toRule(r) : null;
}

export interface RuleInput {
  name: string;
  condition: Condition;
  params: RuleParams;
  channels: Channels;
  enabled: boolean;
}

export async function createRule(db: Knex, workspaceId: number, input: RuleInput, builtin: string | null = null): Promise<number> {
  const now = toDbTime(new Date());
  const [id] = await db('alert_rules').insert({
    workspace_id: workspaceId,
    name: input.name,
    condition: input.condition,
    params: JSON.stringify(input.params),
    channels: JSON.stringify(input.channels),
    enabled: input.enabled,
    builtin,
    created_at: now,
    updated_at: now,
  });
  return Number(id);
}

export async function updateRule(db: Knex, workspaceId: number, id: number, input: Omit<RuleInput, 'condition'>): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('alert_rules')
      .where({ workspace_id: workspaceId, id })
      .update({ name: input.name, params: JSON.stringify(input.params), channels: JSON.stringify(input.channels), enabled: input.enabled, updated_at: toDbTime(new Date()) });
    // New parameters: every subject starts armed again.
    await trx('alert_rule_state').where({ rule_id: id }).delete();
  });
}

export async function deleteRule(db: Knex, workspaceId: number, id: number): Promise<void> {
  await db.transaction(async (trx) => {
    const r = await trx('alert_rules').select('id').where({ workspace_id: workspaceId, id }).first();
    if (!r) return;
    await trx('alert_firings').where({ rule_id: id }).delete();
    await trx('alert_rule_state').where({ rule_id: id }).delete();
    await trx('alert_rules').where({ id }).delete();
  });
}

/** Today's built-in credit alerts as editable rules (webhook and Slack channels; in-app/e-mail come from the credit pool). */
export const DEFAULT_RULES: { builtin: string; input: RuleInput; appliesToCredits: boolean }[] = [
  ...[10_000, 5_000, 1_000, 0].map((t) => ({
    builtin: `pool_below:${t}`,
    appliesToCredits: true,
    input: { name: t === 0 ? 'Credits used up' : `Credit balance below ${t.toLocaleString('en-US')}`, condition: 'pool_below' as const, params: { threshold: t }, channels: { inapp: false, email: [], webhook: true, slack: true }, enabled: true },
  })),
  {
    builtin: 'cap_reached',
    appliesToCredits: true,
    input: { name: 'Pay-as-you-go cap reached', condition: 'cap_reached', params: {}, channels: { inapp: false, email: [], webhook: true, slack: true }, enabled: true },
  },
  {
    builtin: 'allocation_above:user:100',
    appliesToCredits: false,
    input: { name: 'User used their whole allocation', condition: 'allocation_above', params: { scope: 'user', percent: 100 }, channels: { inapp: true, email: [], webhook: true, slack: false }, enabled: true },
  },
];

/**
 * Creates the default rules once per workspace (the unique builtin key makes it idempotent across
 * processes). Pool rules start in the state the credit pool's own alerts are in, so nothing fires
 * for a level that was already passed.
 */
export async function ensureDefaultRules(db: Knex, workspaceId: number, credits: boolean): Promise<void> {
  const have = new Set((await db('alert_rules').select('builtin').where({ workspace_id: workspaceId }).whereNotNull('builtin')).map((r: { builtin: string }) => r.builtin));
  const missing = DEFAULT_RULES.filter((d) => !have.has(d.builtin) && (credits || !d.appliesToCredits));
  if (missing.length === 0) return;
  const state = await db('credit_state').select('armed_thresholds').where({ workspace_id: workspaceId }).first();
  const armed = state?.armed_thresholds == null ? null : new Set(String(state.armed_thresholds).split(',').filter(Boolean).map(Number));
  for (const d of missing) {
    try {
      const id = await createRule(db, workspaceId, d.input, d.builtin);
      if (d.input.condition === 'pool_below' && armed) {
        await setFired(db, id, 'workspace', !armed.has(d.input.params.threshold!));
      }
    } catch {
      /* another process created it first */
    }
  }
}

// ---- State: one row per rule and subject, "fired" until the condition clears. ----

export async function firedSubjects(db: Knex, ruleId: number): Promise<Map<string, { fired: boolean; last_day: string | null }>> {
  const rows = await db('alert_rule_state').select('subject', 'fired', 'last_day').where({ rule_id: ruleId });
  return new Map(rows.map((r: { subject: string; fired: unknown; last_day: string | null }) => [r.subject, { fired: !!r.fired, last_day: r.last_day }]));
}

export async function setFired(db: Knex, ruleId: number, subject: string, fired: boolean, lastDay?: string): Promise<void> {
  const row: Record<string, unknown> = { rule_id: ruleId, subject, fired, updated_at: toDbTime(new Date()) };
  if (lastDay !== undefined) row.last_day = lastDay;
  await db('alert_rule_state').insert(row).onConflict(['rule_id', 'subject']).merge(Object.keys(row).filter((k) => k !== 'rule_id' && k !== 'subject'));
}

export interface FiringRow {
  id: number;
  rule_id: number;
  rule_name: string;
  subject: string;
  summary: string;
  values_json: string;
  fired_at: string;
}

export async function listFirings(db: Knex, workspaceId: number, opts: { ruleId?: number; limit?: number } = {}): Promise<FiringRow[]> {
  const q = db('alert_firings as f')
    .join('alert_rules as r', 'r.id', 'f.rule_id')
    .select('f.id', 'f.rule_id', 'r.name as rule_name', 'f.subject', 'f.summary', 'f.values_json', 'f.fired_at')
    .where('f.workspace_id', workspaceId)
    .orderBy('f.id', 'desc')
    .limit(opts.limit ?? 50);
  if (opts.ruleId) q.where('f.rule_id', opts.ruleId);
  return q;
}
