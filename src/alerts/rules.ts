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

/** Who is e-mailed: every active admin ('all', also admins added later) or these admins' user ids. */
export type EmailTo = 'all' | number[];

export interface Channels {
  inapp: boolean;
  email: EmailTo;
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
    channels: { inapp: !!ch.inapp, email: ch.email === 'all' ? 'all' : Array.isArray(ch.email) ? ch.email.map(Number) : [], webhook: !!ch.webhook, slack: !!ch.slack },
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

/**
 * The default credit alert levels: pool balance at or below each. The one place these numbers live:
 * the default rules are made from them, and the credit meter colours at them (src/credits/state.ts).
 */
export const DEFAULT_CREDIT_LEVELS = [10_000, 5_000, 1_000, 0] as const;

export interface DefaultRule {
  builtin: string;
  input: RuleInput;
  /** a credit rule: only credit-billed workspaces get it */
  appliesToCredits: boolean;
}

const EVERYWHERE: Channels = { inapp: true, email: 'all', webhook: true, slack: true };

/**
 * The rules every workspace starts with. The credit ones are the only source of credit alerts: in
 * the console and by e-mail to every admin (as the pool used to send them), and to webhook and
 * Slack endpoints. Admins edit, switch off or delete them like any rule.
 */
export const DEFAULT_RULES: DefaultRule[] = [
  ...DEFAULT_CREDIT_LEVELS.map((t) => ({
    builtin: `pool_below:${t}`,
    appliesToCredits: true,
    input: { name: t === 0 ? 'Credits used up' : `Credit balance below ${t.toLocaleString('en-US')}`, condition: 'pool_below' as const, params: { threshold: t }, channels: EVERYWHERE, enabled: true },
  })),
  {
    builtin: 'cap_reached',
    appliesToCredits: true,
    input: { name: 'Pay-as-you-go cap reached', condition: 'cap_reached', params: {}, channels: EVERYWHERE, enabled: true },
  },
  {
    builtin: 'allocation_above:user:100',
    appliesToCredits: false,
    input: { name: 'User used their whole allocation', condition: 'allocation_above', params: { scope: 'user', percent: 100 }, channels: { inapp: true, email: [], webhook: true, slack: false }, enabled: true },
  },
];

function defaultsFor(credits: boolean, only?: 'credits'): DefaultRule[] {
  return DEFAULT_RULES.filter((d) => (d.appliesToCredits ? credits : only !== 'credits'));
}

async function insertDefault(db: Knex, workspaceId: number, d: DefaultRule): Promise<void> {
  const now = toDbTime(new Date());
  const { input } = d;
  await db('alert_rules')
    .insert({ workspace_id: workspaceId, name: input.name, condition: input.condition, params: JSON.stringify(input.params), channels: JSON.stringify(input.channels), enabled: input.enabled, builtin: d.builtin, created_at: now, updated_at: now })
    .onConflict(['workspace_id', 'builtin'])
    .ignore();
}

/**
 * Gives the workspace each default rule once (`only: 'credits'`: just the credit ones, as the credit
 * pool does before it checks its rules). alert_rule_defaults remembers what was given, so a default
 * rule an admin deleted stays deleted. Safe across processes (unique keys, inserts that ignore a
 * row another process wrote first). A new rule has no state: its first check records where the
 * pool stands and fires nothing (see src/alerts/credit-rules.ts).
 */
export async function ensureDefaultRules(db: Knex, workspaceId: number, credits: boolean, only?: 'credits'): Promise<void> {
  const given = new Set((await db('alert_rule_defaults').select('builtin').where({ workspace_id: workspaceId })).map((r: { builtin: string }) => r.builtin));
  const missing = defaultsFor(credits, only).filter((d) => !given.has(d.builtin));
  for (const d of missing) {
    await insertDefault(db, workspaceId, d);
    await db('alert_rule_defaults').insert({ workspace_id: workspaceId, builtin: d.builtin, installed_at: toDbTime(new Date()) }).onConflict(['workspace_id', 'builtin']).ignore();
  }
}

/** The default rules this workspace does not have (deleted by an admin): what "Restore default rules" brings back. */
export async function missingDefaultRules(db: Knex, workspaceId: number, credits: boolean): Promise<DefaultRule[]> {
  const have = new Set((await db('alert_rules').select('builtin').where({ workspace_id: workspaceId }).whereNotNull('builtin')).map((r: { builtin: string }) => r.builtin));
  return defaultsFor(credits).filter((d) => !have.has(d.builtin));
}

/** Creates the deleted default rules again, as they first were (edited ones are left alone); returns their names. */
export async function restoreDefaultRules(db: Knex, workspaceId: number, credits: boolean): Promise<string[]> {
  const missing = await missingDefaultRules(db, workspaceId, credits);
  await db.transaction(async (trx) => {
    for (const d of missing) {
      await insertDefault(trx, workspaceId, d);
      await trx('alert_rule_defaults').insert({ workspace_id: workspaceId, builtin: d.builtin, installed_at: toDbTime(new Date()) }).onConflict(['workspace_id', 'builtin']).ignore();
    }
  });
  return missing.map((d) => d.input.name);
}

// ---- State: one row per rule and subject, "fired" until the condition clears. ----

export async function firedSubjects(db: Knex, ruleId: number): Promise<Map<string, { fired: boolean; last_day: string | null }>> {
  const rows = await db('alert_rule_state').select('subject', 'fired', 'last_day').where({ rule_id: ruleId });
  return new Map(rows.map((r: { subject: string; fired: unknown; last_day: string | null }) => [r.subject, { fired: !!r.fired, last_day: r.last_day }]));
}

/** The enabled rules of one condition with their state for one subject (`fired` null: not checked yet), in one query. */
export async function rulesWithState(db: Knex, workspaceId: number, condition: Condition, subject: string): Promise<{ rule: AlertRule; fired: boolean | null }[]> {
  const rows = await db('alert_rules as r')
    .leftJoin('alert_rule_state as s', (j) => j.on('s.rule_id', '=', 'r.id').andOnVal('s.subject', '=', subject))
    .select('r.*', 's.fired as state_fired', 's.rule_id as state_rule')
    .where({ 'r.workspace_id': workspaceId, 'r.condition': condition, 'r.enabled': true })
    .orderBy('r.id');
  return rows.map((r: Record<string, unknown>) => ({ rule: toRule(r), fired: r.state_rule == null ? null : !!r.state_fired }));
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
