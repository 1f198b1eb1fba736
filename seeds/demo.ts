// Demo data: a deterministic, realistic organisation (acme, credits billing) and a smaller second
// workspace (globex, seat billing). Every user, agent, group, interaction and login goes through the
// same write path as the ingestion API, and credits through the credits engine, so rollups and
// credits are right by construction. The pieces: demo/random.ts (the seeded stream),
// demo/vocabulary.ts, demo/people.ts (roster, groups, agents, allocations), demo/credits.ts,
// demo/usage.ts, demo/reset.ts; this file plans the workspaces and runs the steps in order.
import type { Knex } from 'knex';
import { DEFAULT_TIME_ZONE, addDays, addMonths, daysBetween, lastDayOfMonth, monthOfDay, toDbTime, today } from '../src/db/time';
import { Rng, mulberry32 } from './demo/random';
import { CUSTOM_AGENTS, PUBLIC_AGENTS } from './demo/vocabulary';
import { buildPeople, noonUtc, seedAgents, seedGroups, seedPeople, sizeAllocations, type SpecialPerson } from './demo/people';
import { seedUsage } from './demo/usage';
import { seedAccessRequests, seedCreditHistory } from './demo/credits';
import { DEMO_SLUGS, deleteDemoWorkspaces } from './demo/reset';

export { mulberry32 } from './demo/random';
export { DEMO_SLUGS } from './demo/reset';

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

export const DEMO_LOGINS = [
  { email: 'admin@acme.test', password: 'demo-admin-1', workspace: 'acme', role: 'admin' },
  { email: 'member@acme.test', password: 'demo-member-1', workspace: 'acme', role: 'member' },
  { email: 'admin@globex.test', password: 'demo-admin-2', workspace: 'globex', role: 'admin' },
] as const;

/** Interactions per user over 13 months (about 200k for 250 users). */
const INTERACTIONS_PER_USER_13M = 800;

// ---------------------------------------------------------------------------------------------
// One workspace

interface WorkspacePlan {
  slug: string;
  name: string;
  billing: 'credits' | 'seat';
  users: number;
  interactionsTarget: number;
  special: SpecialPerson[];
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
  const [wsIdRaw] = await db('workspaces').insert({
    slug: plan.slug,
    name: plan.name,
    time_zone: DEFAULT_TIME_ZONE,
    billing_mode: plan.billing,
    payg_enabled: plan.billing === 'credits',
    payg_monthly_cap: plan.billing === 'credits' ? 20_000 : null,
    included_credits_per_period: plan.billing === 'credits' ? 25_000 : 0,
    grid_free_test_rows: plan.billing === 'credits' ? 10 : 0,
    created_at: toDbTime(noonUtc(addDays(startDay, -220))),
  });
  const wsId = Number(wsIdRaw);
  const ws = await db('workspaces').where({ id: wsId }).first();

  // The order of the steps is part of the data: each draws from the workspace's random stream.
  const people = buildPeople(rng, plan.slug, plan.users, startDay, endDay, plan.special);
  await seedPeople(db, wsId, people);
  totals.users += people.length;
  const reach = await seedGroups(db, wsId, people);
  totals.groups += reach.count;
  const agentPool = plan.agents ? await seedAgents(db, wsId, people, startDay) : [];
  if (plan.agents) totals.agents += PUBLIC_AGENTS.length + CUSTOM_AGENTS.length;
  // Credits bought before the usage they pay for; the write path charges the usage.
  if (plan.billing === 'credits') totals.creditEntries += await seedCreditHistory(db, ws, people[0], startDay, endDay);
  const monthTokens = await seedUsage(db, wsId, plan, rng, people, reach, agentPool, startDay, endDay, totals, log);
  const assigned = await sizeAllocations(db, wsId, rng, people, endDay, monthTokens);
  if (plan.billing === 'credits') await seedAccessRequests(db, wsId, people);
  await db('workspaces')
    .where({ id: wsId })
    .update({
      purchased_inference_tokens: Math.ceil((assigned.inference * 1.15) / 10_000_000) * 10_000_000,
      purchased_embedding_tokens: Math.ceil((Math.max(assigned.embedding, 1) * 1.3) / 10_000_000) * 10_000_000,
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
