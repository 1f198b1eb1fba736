// The demo roster: people (with their activity level and dates), groups with IQ resources, agents,
// and the token allocations sized from each person's recent usage. Everything goes through the
// roster upserts the ingestion API uses.
import type { Knex } from 'knex';
import { hashPassword } from '../../src/auth/password';
import { upsertAgent, upsertGroup, upsertUser } from '../../src/ingest/roster';
import { DEPARTMENTS } from '../../src/domain/model';
import { addDays, daysBetween, lastDayOfMonth, monthOfDay, parseDay } from '../../src/db/time';
import type { Rng } from './random';
import { CUSTOM_AGENTS, DEPT_WEIGHTS, FIRST, LAST, NEVER_USED, PUBLIC_AGENTS, SURFACE_WEIGHTS, type Level } from './vocabulary';

/** A person the plan names (the demo logins). */
export interface SpecialPerson {
  email: string;
  name: string;
  role: 'admin' | 'member';
  department: string;
  password: string;
  level: Level;
  maySpend: boolean;
}

export interface Person {
  email: string;
  name: string;
  department: string;
  role: 'admin' | 'member';
  status: 'invited' | 'active' | 'revoked';
  level: Level;
  /** first and last day of possible activity (inclusive); null = never */
  fromDay: string | null;
  toDay: string | null;
  invitedAt: Date;
  joinedAt: Date | null;
  revokedAt: Date | null;
  maySpend: boolean;
  ip: string;
  /** prefers some surfaces (index into SURFACE_WEIGHTS boosted) */
  favouriteSurface: string;
  embeds: boolean;
  password?: string;
  id?: number;
}

export function noonUtc(day: string): Date {
  return new Date(parseDay(day).getTime() + 17 * 3600_000);
}

export function buildPeople(rng: Rng, slug: string, count: number, startDay: string, endDay: string, special: SpecialPerson[]): Person[] {
  const span = daysBetween(startDay, endDay);
  const people: Person[] = [];
  const used = new Set<string>();
  const depts = Object.entries(DEPT_WEIGHTS) as [string, number][];
  for (let i = 0; i < count; i++) {
    const s = special[i];
    let email: string;
    let name: string;
    if (s) {
      email = s.email;
      name = s.name;
    } else {
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      name = `${first} ${last}`;
      const base = `${first}.${last}`.toLowerCase().normalize('NFD').replace(/[^a-z.]/g, '');
      email = `${base}@${slug}.test`;
      for (let n = 2; used.has(email); n++) email = `${base}${n}@${slug}.test`;
    }
    used.add(email);
    const department = s?.department ?? rng.weighted(depts);
    const level: Level = s?.level ?? rng.weighted([['power', 6], ['heavy', 14], ['regular', 45], ['light', 25], ['idle', 10]] as const);
    // Adoption grows: 55% were on board before the window, the rest join over the year.
    const joinOffset = s ? -30 : rng.chance(0.55) ? -rng.int(10, 200) : Math.floor(rng.next() * span * 0.92);
    const joinDay = addDays(startDay, joinOffset);
    let status: Person['status'] = 'active';
    let fromDay: string | null = joinDay < startDay ? startDay : joinDay;
    let toDay: string | null = endDay;
    let revokedAt: Date | null = null;
    let joinedAt: Date | null = noonUtc(joinDay);
    let invitedAt = noonUtc(addDays(joinDay, -rng.int(1, 12)));
    if (!s && rng.chance(0.035)) {
      // invited, never joined
      status = 'invited';
      invitedAt = noonUtc(addDays(endDay, -rng.int(2, 40)));
      joinedAt = null;
      fromDay = null;
      toDay = null;
    } else if (!s && rng.chance(0.03)) {
      // left the organisation: revoked part-way through
      status = 'revoked';
      const revokeDay = addDays(startDay, Math.floor(span * (0.35 + rng.next() * 0.6)));
      if (revokeDay <= fromDay) fromDay = addDays(revokeDay, -60) < startDay ? startDay : addDays(revokeDay, -60);
      toDay = addDays(revokeDay, -1);
      revokedAt = noonUtc(revokeDay);
    }
    people.push({
      email,
      name,
      department,
      role: s?.role ?? (rng.chance(0.02) ? 'admin' : 'member'),
      status,
      level,
      fromDay,
      toDay,
      invitedAt,
      joinedAt,
      revokedAt,
      maySpend: s ? s.maySpend : !rng.chance(0.15),
      ip: `10.${20 + (i % 200)}.${rng.int(0, 255)}.${rng.int(2, 254)}`,
      favouriteSurface: rng.weighted(SURFACE_WEIGHTS.slice(0, 8)),
      embeds: department === 'Engineering' || department === 'Support' ? rng.chance(0.5) : rng.chance(0.08),
      password: s?.password,
    });
  }
  return people;
}

/** Creates the people (only the demo logins get a password: argon2 is deliberately slow); sets their ids. */
export async function seedPeople(db: Knex, wsId: number, people: Person[]): Promise<void> {
  for (const p of people) {
    const { id } = await upsertUser(db, wsId, {
      email: p.email,
      name: p.name,
      role: p.role,
      department: p.department,
      status: p.status,
      invitedAt: p.invitedAt,
      joinedAt: p.joinedAt,
      revokedAt: p.revokedAt,
      maySpendCredits: p.maySpend,
      passwordHash: p.password ? await hashPassword(p.password) : null,
    });
    p.id = id;
  }
}

/** Who is in a group with Knowledge / Brand Voice applied (their generations use those layers more). */
export interface GroupReach {
  count: number;
  knowledgeUsers: Set<string>;
  brandUsers: Set<string>;
}

/** Groups: one per department, plus cross-functional ones; IQ resources on some. */
export async function seedGroups(db: Knex, wsId: number, people: Person[]): Promise<GroupReach> {
  const active = people.filter((p) => p.status !== 'invited');
  const groups: { externalId: string; name: string; knowledge: boolean; brandVoice: boolean; members: string[] }[] = [];
  for (const d of DEPARTMENTS) {
    const members = people.filter((p) => p.department === d && p.status === 'active').map((p) => p.email);
    if (!members.length) continue;
    groups.push({
      externalId: `dept-${d.toLowerCase()}`,
      name: `${d} team`,
      knowledge: ['Support', 'Legal', 'Engineering', 'HR'].includes(d),
      brandVoice: ['Marketing', 'Sales'].includes(d),
      members,
    });
  }
  const champions = active.filter((p) => p.level === 'power' || p.level === 'heavy').slice(0, 18).map((p) => p.email);
  groups.push({ externalId: 'ai-champions', name: 'AI Champions', knowledge: true, brandVoice: true, members: champions });
  groups.push({ externalId: 'brand-council', name: 'Brand Council', knowledge: false, brandVoice: true, members: active.filter((p) => p.department === 'Marketing').slice(0, 8).map((p) => p.email) });
  groups.push({ externalId: 'launch-squad', name: 'Product Launch Squad', knowledge: false, brandVoice: false, members: active.filter((_, i) => i % 17 === 3).map((p) => p.email) });
  for (const g of groups) {
    await upsertGroup(db, wsId, { externalId: g.externalId, name: g.name, knowledgeApplied: g.knowledge, brandVoiceApplied: g.brandVoice, members: g.members });
  }
  return {
    count: groups.length,
    knowledgeUsers: new Set(groups.filter((g) => g.knowledge).flatMap((g) => g.members)),
    brandUsers: new Set(groups.filter((g) => g.brandVoice).flatMap((g) => g.members)),
  };
}

/** An agent people may run, with its pick weight (custom agents only within their department). */
export interface AgentChoice {
  id: string;
  weight: number;
  department?: string;
}

/** Agents: platform-provided (public) and workspace-created (custom), some never used. Returns those in use. */
export async function seedAgents(db: Knex, wsId: number, people: Person[], startDay: string): Promise<AgentChoice[]> {
  const active = people.filter((p) => p.status !== 'invited');
  const agentPool: AgentChoice[] = [];
  for (const [id, name, type] of PUBLIC_AGENTS) {
    await upsertAgent(db, wsId, { externalId: id, name, kind: 'public', type, visibility: 'workspace', creatorEmail: null, createdAt: noonUtc(addDays(startDay, -200)) });
    if (!NEVER_USED.has(id)) agentPool.push({ id, weight: 10 - agentPool.length });
  }
  let c = 0;
  for (const [id, name, type, visibility, dept] of CUSTOM_AGENTS) {
    const creator = active.find((p, i) => p.department === dept && i % 3 === c % 3) ?? active.find((p) => p.department === dept) ?? active[0];
    const createdDay = addDays(startDay, 20 + c * 25);
    await upsertAgent(db, wsId, {
      externalId: id,
      name,
      kind: 'custom',
      type,
      visibility,
      creatorEmail: creator.email,
      status: id === 'cus-old-pilot' ? 'archived' : 'active',
      createdAt: noonUtc(createdDay),
    });
    if (!NEVER_USED.has(id)) agentPool.push({ id, weight: 4, department: dept });
    c++;
  }
  return agentPool;
}

/** Inference and embedding tokens of one person in one month. */
export interface MonthTokens {
  inf: number;
  emb: number;
}

/**
 * Token allocations, sized from each user's recent usage (`monthTokens`: key id*2 + 1 for the month of
 * `endDay`, id*2 for the month before): most have headroom, some are near or over their monthly limit
 * (what admins come to the Users page to find). Returns the totals assigned.
 */
export async function sizeAllocations(db: Knex, wsId: number, rng: Rng, people: Person[], endDay: string, monthTokens: Map<number, MonthTokens>): Promise<{ inference: number; embedding: number }> {
  const nice = (n: number) => {
    const step = n >= 5_000_000 ? 1_000_000 : n >= 1_000_000 ? 250_000 : 50_000;
    return Math.max(step, Math.round(n / step) * step);
  };
  let assignedInference = 0;
  let assignedEmbedding = 0;
  const dayOfMonth = Number(endDay.slice(8, 10));
  const monthFraction = Math.max(0.2, dayOfMonth / Number(lastDayOfMonth(monthOfDay(endDay)).slice(8, 10)));
  for (const p of people) {
    if (p.status === 'revoked') continue;
    const cur = monthTokens.get(p.id! * 2 + 1) ?? { inf: 0, emb: 0 };
    const prev = monthTokens.get(p.id! * 2) ?? { inf: 0, emb: 0 };
    const typical = Math.max(cur.inf / monthFraction, prev.inf, 200_000);
    const tight = p.level === 'power' || (p.level === 'heavy' && rng.chance(0.3));
    const maxInf = nice(tight ? cur.inf * (0.85 + rng.next() * 0.3) || typical : typical * (1.5 + rng.next() * 2.5));
    const maxEmb = p.embeds ? nice(Math.max(prev.emb, cur.emb, 500_000) * (1.2 + rng.next() * 2)) : 0;
    await upsertUser(db, wsId, { email: p.email, name: p.name, maxInferenceTokens: maxInf, maxEmbeddingTokens: maxEmb });
    assignedInference += maxInf;
    assignedEmbedding += maxEmb;
  }
  return { inference: assignedInference, embedding: assignedEmbedding };
}
