// The demo usage: interactions and logins of every person, day by day, through the same write path as
// the ingestion API (recordInteractions / recordLogins), so rollups and credit charges are real.
import type { Knex } from 'knex';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import type { CreditCategory, InteractionInput, LoginInput } from '../../src/domain/model';
import { DEFAULT_TIME_ZONE, addMonths, daysBetween, daysInRange, monthOfDay, startOfDayUtc } from '../../src/db/time';
import type { Rng } from './random';
import type { AgentChoice, GroupReach, MonthTokens, Person } from './people';
import {
  EMBEDDING_MODEL,
  HOURS,
  IMAGE_MODELS,
  INFERENCE_MODELS_EARLY,
  INFERENCE_MODELS_LATE,
  LEVEL_WEIGHT,
  PREMIUM_AGENTS,
  PROMPTS,
  SURFACE_WEIGHTS,
  weekdayFactor,
} from './vocabulary';

/** Events per write-path call (the API's batch limit). */
const BATCH = 1000;

export interface UsagePlan {
  slug: string;
  billing: 'credits' | 'seat';
  /** interactions the workspace should have over the whole range (the activity is scaled to it) */
  interactionsTarget: number;
}

/**
 * Generates and records the usage from `startDay` through `endDay`; adds what was stored to `counts`.
 * Returns each person's tokens of the last two months (key id*2 + 1 for the month of `endDay`, id*2
 * for the month before), which the allocations are sized from.
 */
export async function seedUsage(
  db: Knex,
  wsId: number,
  plan: UsagePlan,
  rng: Rng,
  people: Person[],
  reach: GroupReach,
  agentPool: AgentChoice[],
  startDay: string,
  endDay: string,
  counts: { interactions: number; logins: number },
  log: (l: string) => void,
): Promise<Map<number, MonthTokens>> {
  const zone = DEFAULT_TIME_ZONE;
  // Expected interactions per user-day = weight(level) x weekday x adoption ramp, scaled so
  // the workspace total matches the target.
  const days = daysInRange(startDay, endDay);
  const span = Math.max(1, days.length - 1);
  const ramp = (p: Person, dayIdx: number, day: string) => {
    const t = dayIdx / span;
    const org = 0.55 + 0.45 * t; // the organisation's adoption grows over the year
    const personal = p.fromDay ? Math.min(1, 0.35 + daysBetween(p.fromDay, day) / 60) : 0; // new users ramp up
    return org * personal;
  };
  const activeOn = (p: Person, day: string) => p.fromDay !== null && day >= p.fromDay && day <= p.toDay!;
  let expected = 0;
  days.forEach((day, i) => {
    const f = weekdayFactor(day);
    for (const p of people) if (activeOn(p, day)) expected += LEVEL_WEIGHT[p.level] * f * ramp(p, i, day);
  });
  const scale = expected > 0 ? plan.interactionsTarget / expected : 0;

  const thisMonth = monthOfDay(endDay);
  const prevMonth = addMonths(thisMonth, -1);
  const monthTokens = new Map<number, MonthTokens>();
  let seq = 0;
  let loginSeq = 0;
  let events: InteractionInput[] = [];
  let logins: LoginInput[] = [];
  const flushEvents = async () => {
    if (!events.length) return;
    const r = await recordInteractions(db, wsId, events);
    if (r.rejected.length) throw new Error(`demo seed: ${r.rejected.length} events rejected, first: ${r.rejected[0].error}`);
    counts.interactions += r.accepted;
    events = [];
  };
  const flushLogins = async () => {
    if (!logins.length) return;
    const r = await recordLogins(db, wsId, logins);
    if (r.rejected.length) throw new Error(`demo seed: ${r.rejected.length} logins rejected, first: ${r.rejected[0].error}`);
    counts.logins += r.accepted;
    logins = [];
  };

  for (let i = 0; i < days.length; i++) {
    const day = days[i];
    const t = i / span;
    const midnight = startOfDayUtc(day, zone).getTime();
    const wf = weekdayFactor(day);
    const iqShare = 0.12 + 0.43 * t; // IQ layers on a rising share of generations
    const models = t < 0.45 ? INFERENCE_MODELS_EARLY : INFERENCE_MODELS_LATE;
    const month = monthOfDay(day);
    for (const p of people) {
      if (!activeOn(p, day)) continue;
      const lambda = LEVEL_WEIGHT[p.level] * wf * ramp(p, i, day) * scale;
      const n = rng.poisson(lambda);
      // Logins: most working days with activity, some days with a login and no generation.
      const loginCount = n > 0 ? (rng.chance(0.85) ? 1 + (rng.chance(0.25) ? 1 : 0) : 0) : rng.chance(p.level === 'idle' ? 0.08 * wf : 0.04 * wf) ? 1 : 0;
      for (let k = 0; k < loginCount; k++) {
        const hour = k === 0 ? rng.int(7, 9) : rng.int(12, 16);
        logins.push({
          user: p.email,
          occurredAt: new Date(midnight + hour * 3600_000 + rng.int(0, 3599_999) + (loginSeq++ % 7)),
          ip: rng.chance(0.9) ? p.ip : `172.16.${rng.int(0, 255)}.${rng.int(2, 254)}`,
        });
      }
      for (let k = 0; k < n; k++) {
        const hour = rng.weighted(HOURS);
        const occurredAt = new Date(midnight + hour * 3600_000 + rng.int(0, 3599_999));
        const id = `${plan.slug}-demo-${(seq++).toString(36).padStart(7, '0')}`;
        const e = interaction(rng, { billing: plan.billing, reach, agentPool }, p, id, occurredAt, iqShare, models);
        if (month === thisMonth || month === prevMonth) {
          const key = p.id! * 2 + (month === thisMonth ? 1 : 0);
          const m = monthTokens.get(key) ?? { inf: 0, emb: 0 };
          if (e.kind === 'inference') m.inf += e.promptTokens + e.completionTokens;
          else m.emb += e.promptTokens + e.completionTokens;
          monthTokens.set(key, m);
        }
        events.push(e);
        if (events.length >= BATCH) await flushEvents();
      }
      if (logins.length >= BATCH) await flushLogins();
    }
    if (i % 60 === 59) log(`  ${plan.slug}: through ${day}, ${counts.interactions + events.length} interactions`);
  }
  await flushEvents();
  await flushLogins();
  return monthTokens;
}

/** What a person's generation draws from: the workspace's billing, group reach and agents in use. */
interface GenerationContext {
  billing: UsagePlan['billing'];
  reach: GroupReach;
  agentPool: AgentChoice[];
}

/** One interaction of person `p` (an embedding run now and then, else a generation). */
function interaction(rng: Rng, ctx: GenerationContext, p: Person, id: string, occurredAt: Date, iqShare: number, models: readonly (readonly [string, number])[]): InteractionInput {
  const prompts = PROMPTS[p.department] ?? PROMPTS.Marketing;
  if (p.embeds && rng.chance(0.06)) {
    // An embedding run (knowledge upload or fine-tuning data), some flagged as training.
    return {
      id,
      user: p.email,
      occurredAt,
      kind: 'embedding',
      surface: rng.chance(0.7) ? 'api' : 'chat',
      output: 'text',
      model: EMBEDDING_MODEL,
      promptTokens: Math.round(rng.logNormal(12_000, 0.9)),
      completionTokens: 0,
      training: rng.chance(0.4),
      ip: p.ip,
      prompt: null,
    };
  }
  const surface = rng.chance(0.35) ? p.favouriteSurface : rng.weighted(SURFACE_WEIGHTS);
  const image = (surface === 'chat' || surface === 'agent' || surface === 'toolbar') && rng.chance(p.department === 'Marketing' ? 0.14 : 0.04);
  let agent: string | null = null;
  if (surface === 'agent' || (surface === 'chat' && rng.chance(0.05))) {
    const own = ctx.agentPool.filter((a) => !a.department || a.department === p.department);
    if (own.length) agent = rng.weighted(own.map((a) => [a.id, a.weight] as const));
  }
  const iq: string[] = [];
  if (rng.chance(iqShare)) {
    if (ctx.reach.brandUsers.has(p.email) ? rng.chance(0.7) : rng.chance(0.3)) iq.push('brand_voice');
    if (ctx.reach.knowledgeUsers.has(p.email) ? rng.chance(0.7) : rng.chance(0.3)) iq.push('knowledge');
    if (rng.chance(0.25)) iq.push('audience');
    if (rng.chance(0.15)) iq.push('style_guide');
    if (image && rng.chance(0.5)) iq.push('visual_guidelines');
    if (!iq.length) iq.push(rng.pick(['brand_voice', 'knowledge', 'audience']));
  }
  let billable: { category: CreditCategory; units: number } | null = null;
  if (ctx.billing === 'credits' && p.maySpend) {
    if (surface === 'grid') billable = { category: 'grid', units: rng.int(1, 25) };
    else if (surface === 'api') billable = { category: 'api', units: rng.int(1, 3) };
    else if (agent && PREMIUM_AGENTS.has(agent)) billable = { category: 'agents', units: 1 };
  }
  return {
    id,
    user: p.email,
    occurredAt,
    kind: 'inference',
    surface: surface === '' && rng.chance(0.5) ? null : surface,
    output: image ? 'image' : 'text',
    agent,
    iqLayers: iq,
    model: image ? rng.pick(IMAGE_MODELS) : rng.weighted(models),
    promptTokens: Math.max(5, Math.round(rng.logNormal(image ? 120 : 480, 0.8))),
    completionTokens: image ? 1290 : Math.max(1, Math.round(rng.logNormal(360, 0.75))),
    training: false,
    ip: rng.chance(0.93) ? p.ip : `172.16.${rng.int(0, 255)}.${rng.int(2, 254)}`,
    prompt: rng.pick(prompts),
    billable,
  };
}
