// Demo data: a deterministic, realistic organisation (acme, credits billing) and a smaller second
// workspace (globex, seat billing). Every user, agent, group, interaction and login goes through the
// same write path as the ingestion API, so rollups and credits are right by construction.
import type { Knex } from 'knex';
import { hashPassword } from '../src/auth/password';
import { upsertAgent, upsertGroup, upsertUser } from '../src/ingest/roster';
import { recordInteractions, recordLogins } from '../src/ingest/write-path';
import type { CreditCategory, InteractionInput, LoginInput } from '../src/domain/model';
import { DEPARTMENTS } from '../src/domain/model';
import { listTables } from '../src/db/dialect';
import { requestAccess } from '../src/credits/access-requests';
import {
  DEFAULT_TIME_ZONE,
  addDays,
  addMonths,
  daysBetween,
  daysInRange,
  firstDayOfMonth,
  lastDayOfMonth,
  monthOfDay,
  parseDay,
  startOfDayUtc,
  toDbTime,
  today,
} from '../src/db/time';

export interface DemoOptions {
  /** users in acme (default 250); globex gets about a sixth */
  users?: number;
  /** months of history ending yesterday (default 13) */
  months?: number;
  /** PRNG seed (default 42) */
  seed?: number;
  /** delete the demo workspaces first */
  reset?: boolean;
  /** the day the data ends (default: yesterday in America/Chicago) */
  endDay?: string;
  /** progress callback (one line per step) */
  log?: (line: string) => void;
}

export interface DemoSummary extends Totals {
  workspaces: number;
  from: string;
  to: string;
}

export const DEMO_SLUGS = ['acme', 'globex'] as const;
export const DEMO_LOGINS = [
  { email: 'admin@acme.test', password: 'demo-admin-1', workspace: 'acme', role: 'admin' },
  { email: 'member@acme.test', password: 'demo-member-1', workspace: 'acme', role: 'member' },
  { email: 'admin@globex.test', password: 'demo-admin-2', workspace: 'globex', role: 'admin' },
] as const;

/** Interactions per user over 13 months (about 200k for 250 users). */
const INTERACTIONS_PER_USER_13M = 800;
const BATCH = 1000;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** mulberry32: small, fast, good enough for demo data, identical on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  weighted<T>(pairs: readonly (readonly [T, number])[]): T {
    const total = pairs.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [v, w] of pairs) {
      r -= w;
      if (r < 0) return v;
    }
    return pairs[pairs.length - 1][0];
  }
  /** Poisson-distributed count (Knuth; lambdas here stay small). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary of the demo organisation

const FIRST = ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Elijah', 'Sophia', 'James', 'Isabella', 'Lucas', 'Mia', 'Mateo', 'Amelia', 'Benjamin', 'Harper', 'Ethan', 'Evelyn', 'Henry', 'Aisha', 'Wei', 'Priya', 'Diego', 'Fatima', 'Kenji', 'Chloe', 'Omar', 'Grace', 'Ravi', 'Zoe', 'Samuel', 'Nora', 'Daniel', 'Lena', 'Carlos', 'Hannah', 'Tomás', 'Ingrid', 'Kwame', 'Yuki', 'Marta'];
const LAST = ['Smith', 'Johnson', 'Garcia', 'Brown', 'Nguyen', 'Patel', 'Kim', 'Martinez', 'Lee', 'Wilson', 'Anderson', 'Thomas', 'Moore', 'Jackson', 'Okafor', 'Rossi', 'Schmidt', 'Chen', 'Lopez', 'Clark', 'Lewis', 'Walker', 'Hall', 'Young', 'Khan', 'Silva', 'Novak', 'Haddad', 'Ito', 'Berg'];

const DEPT_WEIGHTS: Record<(typeof DEPARTMENTS)[number], number> = { Marketing: 25, Sales: 20, Engineering: 20, Support: 12, Legal: 6, HR: 7, Finance: 10 };

const SURFACE_WEIGHTS: readonly (readonly [string, number])[] = [
  ['chat', 34],
  ['agent', 15],
  ['ask', 10],
  ['command', 8],
  ['extension', 10],
  ['api', 7],
  ['toolbar', 6],
  ['grid', 7],
  // Strings the platform sends that the console does not know: stored as 'other'.
  ['mobile-app', 1.2],
  ['slack', 1],
  ['', 0.5],
];

const PROMPTS: Record<string, string[]> = {
  Marketing: ['Write three subject lines for the spring launch email', 'Rewrite this product blurb in our brand voice', 'Draft a LinkedIn post announcing the partner webinar', 'Summarise the campaign results for Q2 in five bullets', 'Suggest SEO keywords for the pricing page'],
  Sales: ['Draft a follow-up email after a discovery call with a CFO', 'Summarise this account plan for the QBR', 'Give me objection handling for "too expensive"', 'Personalise this outreach for a healthcare prospect'],
  Engineering: ['Explain this stack trace and suggest a fix', 'Write unit tests for the date parser', 'Summarise the design doc for the ingestion service', 'Convert this SQL query to use keyset pagination'],
  Support: ['Draft a friendly reply to a customer whose export failed', 'Summarise this ticket thread for escalation', 'Turn these notes into a knowledge-base article'],
  Legal: ['Summarise the indemnity clause in plain English', 'Compare these two NDA versions and list the differences', 'Flag unusual terms in this vendor agreement'],
  HR: ['Write a job description for a senior data analyst', 'Draft an onboarding checklist for new managers', 'Summarise the engagement survey comments'],
  Finance: ['Explain the variance between budget and actuals for October', '=SUM(B2:B40) explain what this formula totals', 'Draft the monthly close summary for the CFO'],
};

const INFERENCE_MODELS_EARLY: readonly (readonly [string, number])[] = [
  ['gpt-4o', 45],
  ['gpt-4o-mini', 25],
  ['claude-3-5-sonnet', 20],
  ['gemini-1.5-pro', 10],
];
const INFERENCE_MODELS_LATE: readonly (readonly [string, number])[] = [
  ['gpt-4.1', 35],
  ['gpt-4o-mini', 15],
  ['claude-sonnet-4', 30],
  ['gemini-2.5-pro', 15],
  ['llama-3.1-70b', 5],
];
const IMAGE_MODELS = ['gpt-image-1', 'imagen-3'];
const EMBEDDING_MODEL = 'text-embedding-3-large';

const PUBLIC_AGENTS = [
  ['pub-research', 'Research Assistant', 'research'],
  ['pub-seo', 'SEO Optimizer', 'seo'],
  ['pub-content', 'Content Writer', 'content'],
  ['pub-analyst', 'Data Analyst', 'analysis'],
  ['pub-meeting', 'Meeting Summarizer', 'general'],
  ['pub-translate', 'Translator', 'content'],
  ['pub-competitor', 'Competitor Watch', 'research'],
  ['pub-legal-review', 'Contract Reviewer', 'analysis'],
] as const;
const CUSTOM_AGENTS = [
  ['cus-brand-check', 'Brand Voice Checker', 'optimization', 'workspace', 'Marketing'],
  ['cus-rfp', 'RFP Responder', 'content', 'shared', 'Sales'],
  ['cus-release-notes', 'Release Notes Writer', 'content', 'workspace', 'Engineering'],
  ['cus-ticket-triage', 'Ticket Triage', 'analysis', 'shared', 'Support'],
  ['cus-policy-qa', 'HR Policy Q&A', 'general', 'workspace', 'HR'],
  ['cus-close-helper', 'Month-end Close Helper', 'analysis', 'private', 'Finance'],
  ['cus-campaign-brief', 'Campaign Brief Builder', 'content', 'shared', 'Marketing'],
  ['cus-win-loss', 'Win/Loss Analyzer', 'analysis', 'private', 'Sales'],
  // Created but never run: shows up as unused in reports.
  ['cus-okr-drafter', 'OKR Drafter', 'general', 'private', 'HR'],
  ['cus-clause-library', 'Clause Library', 'research', 'shared', 'Legal'],
  ['cus-old-pilot', 'Pilot Agent (old)', 'general', 'private', 'Engineering'],
] as const;
const NEVER_USED = new Set(['cus-okr-drafter', 'cus-clause-library', 'cus-old-pilot', 'pub-legal-review']);
/** Agents whose runs are billable (premium actions charged to the credit pool). */
const PREMIUM_AGENTS = new Set(['pub-research', 'pub-competitor', 'pub-analyst', 'cus-rfp', 'cus-win-loss']);

// ---------------------------------------------------------------------------------------------
// People

type Level = 'power' | 'heavy' | 'regular' | 'light' | 'idle';
const LEVEL_WEIGHT: Record<Level, number> = { power: 9, heavy: 3.5, regular: 1.2, light: 0.3, idle: 0 };

interface Person {
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

function noonUtc(day: string): Date {
  return new Date(parseDay(day).getTime() + 17 * 3600_000);
}

function buildPeople(rng: Rng, slug: string, count: number, startDay: string, endDay: string, special: { email: string; name: string; role: 'admin' | 'member'; department: string; password: string; level: Level; maySpend: boolean }[]): Person[] {
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

// ---------------------------------------------------------------------------------------------
// Calendar shape

function weekdayFactor(day: string): number {
  const dow = parseDay(day).getUTCDay(); // 0 Sunday
  const base = [0.1, 1.0, 1.12, 1.1, 1.05, 0.85, 0.15][dow];
  const md = day.slice(5);
  // Holidays: the last week of December and the first of January are quiet.
  if (md >= '12-24' || md <= '01-01') return base * 0.35;
  return base;
}

/** Working-hours distribution (local time). */
const HOURS: readonly (readonly [number, number])[] = [
  [6, 1], [7, 3], [8, 8], [9, 12], [10, 13], [11, 12], [12, 7], [13, 10], [14, 12], [15, 11], [16, 9], [17, 5], [18, 3], [19, 2], [20, 2], [21, 1], [22, 1],
];

// ---------------------------------------------------------------------------------------------
// Reset

async function deleteDemoWorkspaces(db: Knex): Promise<void> {
  const wss = await db('workspaces').select('id').whereIn('slug', [...DEMO_SLUGS]);
  const ids = wss.map((w: { id: number }) => w.id);
  if (!ids.length) return;
  const tables = (await listTables(db)).filter((t) => t !== 'workspaces' && !t.startsWith('knex_'));
  // Children first: tables with a foreign key to users/groups before those tables.
  const order = (t: string) => (t === 'users' ? 3 : t === 'groups' || t === 'agents' ? 2 : 1);
  tables.sort((a, b) => order(a) - order(b));
  for (const t of tables) {
    if (await db.schema.hasColumn(t, 'workspace_id')) await db(t).whereIn('workspace_id', ids).delete();
  }
  await db('workspaces').whereIn('id', ids).delete();
}

// ---------------------------------------------------------------------------------------------
// One workspace

interface WorkspacePlan {
  slug: string;
  name: string;
  billing: 'credits' | 'seat';
  users: number;
  interactionsTarget: number;
  special: Parameters<typeof buildPeople>[5];
  agents: boolean;
}

interface Totals {
  users: number;
  agents: number;
  groups: number;
  interactions: number;
  logins: number;
  creditEntries: number;
}

async function seedWorkspace(db: Knex, plan: WorkspacePlan, rng: Rng, startDay: string, endDay: string, totals: Totals, log: (l: string) => void) {
  const zone = DEFAULT_TIME_ZONE;
  const createdAt = toDbTime(noonUtc(addDays(startDay, -220)));
  const [wsIdRaw] = await db('workspaces').insert({
    slug: plan.slug,
    name: plan.name,
    time_zone: zone,
    billing_mode: plan.billing,
    payg_enabled: plan.billing === 'credits',
    payg_monthly_cap: plan.billing === 'credits' ? 20_000 : null,
    included_credits_per_period: plan.billing === 'credits' ? 25_000 : 0,
    grid_free_test_rows: plan.billing === 'credits' ? 10 : 0,
    created_at: createdAt,
  });
  const wsId = Number(wsIdRaw);

  // People (only the demo logins get a password: argon2 is deliberately slow).
  const people = buildPeople(rng, plan.slug, plan.users, startDay, endDay, plan.special);
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
  totals.users += people.length;

  // Groups: one per department, plus cross-functional ones; IQ resources on some.
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
  totals.groups += groups.length;
  const knowledgeUsers = new Set(groups.filter((g) => g.knowledge).flatMap((g) => g.members));
  const brandUsers = new Set(groups.filter((g) => g.brandVoice).flatMap((g) => g.members));

  // Agents: platform-provided (public) and workspace-created (custom), some never used.
  const agentPool: { id: string; weight: number; department?: string }[] = [];
  if (plan.agents) {
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
    totals.agents += PUBLIC_AGENTS.length + CUSTOM_AGENTS.length;
  }

  // Credit history: included credits every month and purchased packs, written before the usage
  // they pay for (the ledger is append-only; consumption rows come from the write path).
  if (plan.billing === 'credits') {
    const ledger: Record<string, unknown>[] = [];
    // The credits engine writes each month's included grant once, keyed 'included:YYYY-MM'.
    const hasDedupe = await db.schema.hasColumn('credit_ledger', 'dedupe_key');
    const grantAt = (day: string) => startOfDayUtc(day, zone);
    for (let m = monthOfDay(startDay); m <= monthOfDay(endDay); m = addMonths(m, 1)) {
      const day = firstDayOfMonth(m) < startDay ? startDay : firstDayOfMonth(m);
      ledger.push({
        workspace_id: wsId,
        occurred_at: toDbTime(grantAt(day)),
        day,
        entry_type: 'included',
        amount: 25_000,
        expires_at: toDbTime(grantAt(addDays(lastDayOfMonth(m), 1))),
        price_cents: null,
        note: `Included credits for ${m}`,
        ...(hasDedupe ? { dedupe_key: `included:${m}` } : {}),
      });
    }
    const span = daysBetween(startDay, endDay);
    const packs = [
      { at: 0, amount: 100_000, price: 90_000, note: 'Starter pack (100,000 credits)' },
      { at: 0.35, amount: 100_000, price: 90_000, note: 'Pack (100,000 credits)' },
      { at: 0.6, amount: 150_000, price: 127_500, note: 'Pack (150,000 credits)' },
      { at: 0.85, amount: 150_000, price: 127_500, note: 'Pack (150,000 credits)' },
    ];
    for (const p of packs) {
      const day = addDays(startDay, Math.floor(span * p.at));
      const at = new Date(grantAt(day).getTime() + 15 * 3600_000);
      ledger.push({
        workspace_id: wsId,
        occurred_at: toDbTime(at),
        day,
        entry_type: 'purchase',
        amount: p.amount,
        expires_at: toDbTime(new Date(at.getTime() + 730 * 86_400_000)), // packs are valid two years
        price_cents: p.price,
        note: p.note,
        created_by_user_id: people[0].id ?? null,
      });
    }
    await db.batchInsert('credit_ledger', ledger, 100);
    totals.creditEntries += ledger.length;
  }

  // Usage. Expected interactions per user-day = weight(level) x weekday x adoption ramp, scaled so
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
  const monthTokens = new Map<number, { inf: number; emb: number }>();
  let seq = 0;
  let loginSeq = 0;
  let events: InteractionInput[] = [];
  let logins: LoginInput[] = [];
  const flushEvents = async () => {
    if (!events.length) return;
    const r = await recordInteractions(db, wsId, events);
    if (r.rejected.length) throw new Error(`demo seed: ${r.rejected.length} events rejected, first: ${r.rejected[0].error}`);
    totals.interactions += r.accepted;
    events = [];
  };
  const flushLogins = async () => {
    if (!logins.length) return;
    const r = await recordLogins(db, wsId, logins);
    if (r.rejected.length) throw new Error(`demo seed: ${r.rejected.length} logins rejected, first: ${r.rejected[0].error}`);
    totals.logins += r.accepted;
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
        const prompts = PROMPTS[p.department] ?? PROMPTS.Marketing;
        let e: InteractionInput;
        if (p.embeds && rng.chance(0.06)) {
          // An embedding run (knowledge upload or fine-tuning data), some flagged as training.
          e = {
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
        } else {
          const surface = rng.chance(0.35) ? p.favouriteSurface : rng.weighted(SURFACE_WEIGHTS);
          const image = (surface === 'chat' || surface === 'agent' || surface === 'toolbar') && rng.chance(p.department === 'Marketing' ? 0.14 : 0.04);
          let agent: string | null = null;
          if (surface === 'agent' || (surface === 'chat' && rng.chance(0.05))) {
            const own = agentPool.filter((a) => !a.department || a.department === p.department);
            if (own.length) agent = rng.weighted(own.map((a) => [a.id, a.weight] as const));
          }
          const iq: string[] = [];
          if (rng.chance(iqShare)) {
            if (brandUsers.has(p.email) ? rng.chance(0.7) : rng.chance(0.3)) iq.push('brand_voice');
            if (knowledgeUsers.has(p.email) ? rng.chance(0.7) : rng.chance(0.3)) iq.push('knowledge');
            if (rng.chance(0.25)) iq.push('audience');
            if (rng.chance(0.15)) iq.push('style_guide');
            if (image && rng.chance(0.5)) iq.push('visual_guidelines');
            if (!iq.length) iq.push(rng.pick(['brand_voice', 'knowledge', 'audience']));
          }
          let billable: { category: CreditCategory; units: number } | null = null;
          if (plan.billing === 'credits' && p.maySpend) {
            if (surface === 'grid') billable = { category: 'grid', units: rng.int(1, 25) };
            else if (surface === 'api') billable = { category: 'api', units: rng.int(1, 3) };
            else if (agent && PREMIUM_AGENTS.has(agent)) billable = { category: 'agents', units: 1 };
          }
          e = {
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
    if (i % 60 === 59) log(`  ${plan.slug}: through ${day}, ${totals.interactions + events.length} interactions`);
  }
  await flushEvents();
  await flushLogins();

  // Token allocations, sized from each user's recent usage: most have headroom, some are near or
  // over their monthly limit (what admins come to the Users page to find).
  const nice = (n: number) => {
    const step = n >= 5_000_000 ? 1_000_000 : n >= 1_000_000 ? 250_000 : 50_000;
    return Math.max(step, Math.round(n / step) * step);
  };
  let assignedInference = 0;
  let assignedEmbedding = 0;
  const dayOfMonth = Number(endDay.slice(8, 10));
  const monthFraction = Math.max(0.2, dayOfMonth / Number(lastDayOfMonth(thisMonth).slice(8, 10)));
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
  // A few people without credit permission have asked for it (the demo member has not, so the
  // request flow can be tried from /me).
  if (plan.billing === 'credits') {
    const notes = ['I run the weekly pipeline report in Grid.', 'Need the Research Assistant for a competitor review.', null];
    const askers = people.filter((p) => p.status === 'active' && !p.maySpend && !p.password && p.level !== 'idle').slice(0, notes.length);
    for (const [i, p] of askers.entries()) {
      await requestAccess(db, { userId: p.id!, label: p.email, ip: p.ip }, wsId, p.id!, notes[i]);
    }
  }
  await db('workspaces')
    .where({ id: wsId })
    .update({
      purchased_inference_tokens: Math.ceil((assignedInference * 1.15) / 10_000_000) * 10_000_000,
      purchased_embedding_tokens: Math.ceil((Math.max(assignedEmbedding, 1) * 1.3) / 10_000_000) * 10_000_000,
    });
}

// ---------------------------------------------------------------------------------------------

/** Loads the demo (refuses when the demo workspaces exist, unless `reset`). */
export async function seedDemo(db: Knex, opts: DemoOptions = {}): Promise<DemoSummary> {
  const users = opts.users ?? 250;
  const months = opts.months ?? 13;
  const seed = opts.seed ?? 42;
  const log = opts.log ?? (() => undefined);
  if (!Number.isInteger(users) || users < 5) throw new RangeError('users must be a whole number of at least 5');
  if (!Number.isInteger(months) || months < 1) throw new RangeError('months must be a whole number of at least 1');

  if (opts.reset) await deleteDemoWorkspaces(db);
  else if (await db('workspaces').whereIn('slug', [...DEMO_SLUGS]).first()) {
    throw new Error('The demo workspaces already exist; run with --reset to replace them.');
  }

  const endDay = opts.endDay ?? addDays(today(DEFAULT_TIME_ZONE), -1);
  const endMonth = monthOfDay(endDay);
  const back = addMonths(endMonth, -months);
  const dom = Math.min(Number(endDay.slice(8, 10)), Number(lastDayOfMonth(back).slice(8, 10)));
  const startDay = addDays(`${back}-${String(dom).padStart(2, '0')}`, 1);

  const totals: Totals = { users: 0, agents: 0, groups: 0, interactions: 0, logins: 0, creditEntries: 0 };
  const scaleMonths = daysBetween(startDay, endDay) / 395;
  const globexUsers = Math.max(6, Math.round(users / 6));

  const plans: WorkspacePlan[] = [
    {
      slug: 'acme',
      name: 'Acme Corp',
      billing: 'credits',
      users,
      interactionsTarget: Math.round(users * INTERACTIONS_PER_USER_13M * scaleMonths),
      agents: true,
      special: [
        { email: 'admin@acme.test', name: 'Ada Admin', role: 'admin', department: 'Engineering', password: 'demo-admin-1', level: 'regular', maySpend: true },
        { email: 'member@acme.test', name: 'Max Member', role: 'member', department: 'Marketing', password: 'demo-member-1', level: 'regular', maySpend: false },
      ],
    },
    {
      slug: 'globex',
      name: 'Globex',
      billing: 'seat',
      users: globexUsers,
      interactionsTarget: Math.round(globexUsers * 500 * scaleMonths),
      agents: true,
      special: [{ email: 'admin@globex.test', name: 'Gina Globex', role: 'admin', department: 'Finance', password: 'demo-admin-2', level: 'light', maySpend: true }],
    },
  ];
  for (const [k, plan] of plans.entries()) {
    // Each workspace has its own stream, so globex does not change when acme's size does.
    const rng = new Rng(mulberry32(seed * 31 + k));
    log(`Seeding ${plan.slug} (${plan.users} users, ${startDay} to ${endDay})…`);
    await seedWorkspace(db, plan, rng, startDay, endDay, totals, log);
  }
  return { workspaces: plans.length, ...totals, from: startDay, to: endDay };
}
