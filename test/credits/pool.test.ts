// The pool: balance arithmetic with expiring packs, soonest-expiring-first draw-down, PAYG cap
// reached mid-batch, threshold alerts (once each, re-armed by a top-up), concurrent batches.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { closeAll, freshDb, isMySqlRun } from '../helpers/db';
import { addCredits, removeCredits, updateSettings } from '../../src/credits/admin';
import { readPool, refreshPool } from '../../src/credits/pool';
import { rebuildCreditRollups } from '../../src/credits/rebuild';
import { upsertAgent } from '../../src/ingest/roster';
import { billable, countBy, creditWorld, DAY, notificationsOf, packCacheMatchesLedger, recentlyThisMonth, record } from './fixture';

describe('credits: the pool', () => {
  let db: Knex;
  beforeEach(async () => {
    db = await freshDb();
  });
  afterEach(closeAll);

  it('derives the balance from the ledger: expired packs stop counting and their expiry is one ledger row', async () => {
    const w = await creditWorld(db);
    const now = Date.now();
    // Bought 10 days ago, expired yesterday, never used: 1,000 credits.
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 1000, expiresAt: new Date(now - DAY), note: 'old', priceCents: null }, new Date(now - 10 * DAY));
    await addCredits(db, w.actor, w.wsId, { kind: 'purchase', amount: 5000, expiresAt: new Date(now + 30 * DAY), note: 'pack', priceCents: 400_00 });
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 2000, expiresAt: null, note: 'goodwill', priceCents: null });
    // 100 API calls at the default 2 credits each = 200 credits, from the 5,000 pack (expires first).
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 100)]);
    await refreshPool(db, w.wsId);
    await refreshPool(db, w.wsId); // idempotent: still one expiry row

    const ws = await db('workspaces').where({ id: w.wsId }).first();
    const pool = await readPool(db, ws);
    expect(pool.available).to.equal(5000 + 2000 - 200);
    const expiries = await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'expiry' });
    expect(expiries).to.have.length(1);
    expect(Number(expiries[0].amount)).to.equal(-1000);
    const sum = await db('credit_ledger').where({ workspace_id: w.wsId }).sum({ s: 'amount' }).first();
    expect(Number(sum!.s)).to.equal(1000 + 5000 + 2000 - 200 - 1000);
    const byPack = Object.fromEntries(pool.packs.map((p) => [p.note, p.remaining]));
    expect(byPack).to.deep.equal({ pack: 4800, goodwill: 2000 });
    expect(await packCacheMatchesLedger(db, w.wsId)).to.deep.equal({ cached: 3, mismatches: [] });
  });

  it('picks up a pack written straight into the ledger (as the demo seed does) and keeps its cached balance right', async () => {
    const w = await creditWorld(db);
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 50, expiresAt: null, note: 'first', priceCents: null });
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 10, 50)]); // 20 from 'first'
    const now = new Date().toISOString().slice(0, 23).replace('T', ' ');
    await db('credit_ledger').insert({ workspace_id: w.wsId, occurred_at: now, day: now.slice(0, 10), entry_type: 'purchase', amount: 500, expires_at: null, note: 'direct' });
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 40, 40)]); // 80: 30 from 'first', 50 from 'direct'
    const ws = await db('workspaces').where({ id: w.wsId }).first();
    const pool = await readPool(db, ws);
    expect(pool.available).to.equal(50 + 500 - 20 - 80);
    expect(Object.fromEntries(pool.packs.map((p) => [p.note, p.remaining]))).to.deep.equal({ first: 0, direct: 450 });
    expect(await packCacheMatchesLedger(db, w.wsId)).to.deep.equal({ cached: 2, mismatches: [] });
  });

  it('draws on the soonest-expiring packs first and records which pack each credit came from', async () => {
    const w = await creditWorld(db);
    const now = Date.now();
    const later = await addCredits(db, w.actor, w.wsId, { kind: 'purchase', amount: 100, expiresAt: new Date(now + 5 * DAY), note: 'A', priceCents: null });
    const sooner = await addCredits(db, w.actor, w.wsId, { kind: 'purchase', amount: 100, expiresAt: new Date(now + 2 * DAY), note: 'B', priceCents: null });
    const never = await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 100, expiresAt: null, note: 'C', priceCents: null });
    // 125 API calls x 2 = 250 credits: all of B, all of A, 50 of C.
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 125)]);
    const rows = await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'consumption' }).orderBy('id');
    expect(rows.map((r) => [Number(r.source_entry_id), Number(r.amount)])).to.deep.equal([
      [sooner, -100],
      [later, -100],
      [never, -50],
    ]);
    const i = await db('interactions').where({ workspace_id: w.wsId }).first();
    expect(Number(i.credits_charged)).to.equal(250);
    expect(!!i.overage).to.equal(false);
  });

  it('pays a late-reported event from a pack that was valid when it happened, then settles the pack', async () => {
    const w = await creditWorld(db);
    const now = Date.now();
    // Reported now: one call 3 hours ago (old pack still valid), one 1 hour ago (it was not).
    // "Two hours ago" is on billable()'s clock (recentlyThisMonth) and taken at the same instant,
    // so the events stay on either side of the expiry even early on the 1st.
    const events = [billable(w.email('alice'), 'api', 15, 180), billable(w.email('alice'), 'api', 10, 60)];
    const twoHoursAgo = recentlyThisMonth(120);
    // A pack without expiry: 100. One valid until two hours ago (recorded ten days ago, and not
    // settled since: nothing touched the pool after it expired): 100.
    const open = await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 100, expiresAt: null, note: 'open', priceCents: null });
    const old = await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 100, expiresAt: twoHoursAgo, note: 'old', priceCents: null }, new Date(now - 10 * DAY));
    await record(db, w.wsId, events);
    const draws = await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'consumption' }).orderBy('id');
    expect(draws.map((d) => [Number(d.source_entry_id), Number(d.amount)])).to.deep.equal([
      [old, -30],
      [open, -20],
    ]);
    // The old pack's remaining 70 expired; an event after that settlement cannot use it.
    await refreshPool(db, w.wsId);
    const expiry = await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'expiry' });
    expect(expiry.map((e) => [Number(e.source_entry_id), Number(e.amount)])).to.deep.equal([[old, -70]]);
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 5, 170)]);
    const last = await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'consumption' }).orderBy('id', 'desc').first();
    expect([Number(last.source_entry_id), Number(last.amount)]).to.deep.equal([open, -10]);
    const ws = await db('workspaces').where({ id: w.wsId }).first();
    expect((await readPool(db, ws)).available).to.equal(70);
    expect(await packCacheMatchesLedger(db, w.wsId)).to.deep.equal({ cached: 2, mismatches: [] });
  });

  it('does not pay back-dated usage from a pack recorded more than a day after it (pays late reports within a day)', async () => {
    const w = await creditWorld(db, { payg_enabled: true, payg_monthly_cap: null });
    const now = Date.now();
    // Before: a pack of 10 recorded 5 days ago (valid then). Now: a pack of 1,000 recorded today.
    const early = await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 10, expiresAt: null, note: 'early', priceCents: null }, new Date(now - 5 * DAY));
    const today = await addCredits(db, w.actor, w.wsId, { kind: 'purchase', amount: 1000, expiresAt: null, note: 'today', priceCents: 100 });
    // Reported now: 10 API calls (20 credits) from 3 days ago, then 5 calls (10 credits) from 2 hours ago.
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 10, undefined, { occurredAt: new Date(now - 3 * DAY) }), billable(w.email('alice'), 'api', 5, 120)]);
    const rows = await db('credit_ledger').where({ workspace_id: w.wsId }).whereIn('entry_type', ['consumption', 'payg', 'overage']).orderBy('id');
    // The old usage: 10 from the early pack, the other 10 on PAYG (the big pack did not exist yet);
    // the recent usage: from today's pack (recorded within a day of it).
    expect(rows.map((r) => [r.entry_type, r.source_entry_id == null ? null : Number(r.source_entry_id), Number(r.amount)])).to.deep.equal([
      ['consumption', early, -10],
      ['payg', null, -10],
      ['consumption', today, -10],
    ]);
    const ws = await db('workspaces').where({ id: w.wsId }).first();
    expect((await readPool(db, ws)).available).to.equal(990);
  });

  it('uses PAYG up to the monthly cap, then flags the rest of the batch as overage; one cap alert', async () => {
    const w = await creditWorld(db, { payg_enabled: true, payg_monthly_cap: 200 });
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 100, expiresAt: null, note: null, priceCents: null });
    // Five calls of 40 units (80 credits) each, in time order: pack 100, then PAYG 200, then 100 unpaid.
    const events = [50, 40, 30, 20, 10].map((m) => billable(w.email('alice'), 'api', 40, m));
    await record(db, w.wsId, events);
    const rows = await db('interactions').where({ workspace_id: w.wsId }).orderBy('occurred_at');
    expect(rows.map((r) => !!r.overage)).to.deep.equal([false, false, false, true, true]);
    expect(rows.map((r) => Number(r.credits_charged))).to.deep.equal([80, 80, 80, 80, 80]);
    const types = await db('credit_ledger').where({ workspace_id: w.wsId }).whereIn('entry_type', ['consumption', 'payg', 'overage']).select('entry_type').sum({ s: 'amount' }).groupBy('entry_type');
    expect(Object.fromEntries((types as { entry_type: string; s: number }[]).map((t) => [t.entry_type, Number(t.s)]))).to.deep.equal({ consumption: -100, payg: -200, overage: -100 });
    const roll = await db('rollup_daily_credits').where({ workspace_id: w.wsId }).sum({ c: 'credits', o: 'overage_credits' }).first();
    // Overage counts whole actions: the 4th (60 PAYG + 20 unpaid) and the 5th.
    expect([Number(roll!.c), Number(roll!.o)]).to.deep.equal([400, 160]);
    const ws = await db('workspaces').where({ id: w.wsId }).first();
    const pool = await readPool(db, ws);
    expect([pool.available, pool.paygUsed, pool.paygHeadroom]).to.deep.equal([0, 200, 0]);
    // Another batch: no second cap alert in the same month.
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 1, 5)]);
    const alerts = countBy(await notificationsOf(db, w.wsId), (n) => n.kind);
    expect(alerts).to.deep.equal({ 'credits.threshold.0': 1, 'credits.payg_cap': 1 });
  });

  it('alerts once when an admin lowers the PAYG cap to or below what PAYG already used this month', async () => {
    const w = await creditWorld(db, { payg_enabled: true, payg_monthly_cap: 1000 });
    // No prepaid credits: 100 API calls at 2 credits = 200 credits, all on PAYG (under the 1,000 cap).
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 100, 10)]);
    const capAlerts = async () => (await notificationsOf(db, w.wsId, 'credits.payg_cap')).length;
    expect(await capAlerts()).to.equal(0);
    await updateSettings(db, w.actor, w.wsId, { paygEnabled: true, paygCap: 500, includedPerPeriod: 0 }); // still above 200 used
    expect(await capAlerts()).to.equal(0);
    await updateSettings(db, w.actor, w.wsId, { paygEnabled: true, paygCap: 150, includedPerPeriod: 0 }); // below 200 used: reached now
    const alerts = await notificationsOf(db, w.wsId, 'credits.payg_cap');
    expect(alerts).to.have.length(1);
    expect(alerts[0].title).to.match(/cap reached/);
    expect(alerts[0].body).to.include('150');
    // Off and on again with the same cap, and the next charge: no second alert for this cap.
    await updateSettings(db, w.actor, w.wsId, { paygEnabled: false, paygCap: 150, includedPerPeriod: 0 });
    await updateSettings(db, w.actor, w.wsId, { paygEnabled: true, paygCap: 150, includedPerPeriod: 0 });
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 1, 5)]);
    expect(await capAlerts()).to.equal(1);
    const ws = await db('workspaces').where({ id: w.wsId }).first();
    expect([(await readPool(db, ws)).paygUsed, (await readPool(db, ws)).paygHeadroom]).to.deep.equal([200, 0]);
  });

  it('does not alert on a cap change when PAYG used nothing this month', async () => {
    const w = await creditWorld(db, { payg_enabled: true, payg_monthly_cap: 1000 });
    await updateSettings(db, w.actor, w.wsId, { paygEnabled: true, paygCap: 0, includedPerPeriod: 0 });
    expect(await notificationsOf(db, w.wsId, 'credits.payg_cap')).to.have.length(0);
  });

  it('prices agent runs by the agent type and Grid rows after the free test rows', async () => {
    const w = await creditWorld(db, { grid_free_test_rows: 10 });
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 1000, expiresAt: null, note: null, priceCents: null });
    await upsertAgent(db, w.wsId, { externalId: 'res-1', name: 'Researcher', kind: 'public', type: 'research' });
    await upsertAgent(db, w.wsId, { externalId: 'opt-1', name: 'Optimizer', kind: 'public', type: 'optimization' });
    await upsertAgent(db, w.wsId, { externalId: 'seo-1', name: 'SEO', kind: 'custom', type: 'seo' });
    await record(db, w.wsId, [
      billable(w.email('alice'), 'agents', 2, 50, { agent: 'res-1' }), // 2 x 25
      billable(w.email('alice'), 'agents', 1, 40, { agent: 'opt-1' }), // 20
      billable(w.email('alice'), 'agents', 1, 30, { agent: 'seo-1' }), // 10
      billable(w.email('alice'), 'grid', 7, 20), // free
      billable(w.email('alice'), 'grid', 7, 10), // 3 free + 4 x 1
    ]);
    const rows = await db('interactions').where({ workspace_id: w.wsId }).orderBy('occurred_at');
    expect(rows.map((r) => Number(r.credits_charged))).to.deep.equal([50, 20, 10, 0, 4]);
    const monthly = await db('credit_monthly').where({ workspace_id: w.wsId });
    expect(monthly.reduce((s, m) => s + Number(m.grid_free_rows), 0)).to.equal(10);
  });

  it('flags all credits of a user without credit permission as overage, still charging them', async () => {
    const w = await creditWorld(db);
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 1000, expiresAt: null, note: null, priceCents: null });
    await record(db, w.wsId, [billable(w.email('bob'), 'agents', 1)]); // agent run without a known agent: 10 credits
    const i = await db('interactions').where({ workspace_id: w.wsId }).first();
    expect([Number(i.credits_charged), !!i.overage]).to.deep.equal([10, true]);
    const roll = await db('rollup_daily_user_credits').where({ workspace_id: w.wsId, user_id: w.bob }).first();
    expect([Number(roll.credits), Number(roll.overage_credits)]).to.deep.equal([10, 10]);
    const ws = await db('workspaces').where({ id: w.wsId }).first();
    expect((await readPool(db, ws)).available).to.equal(990);
  });

  it('fires each threshold once per crossing (levels passed together as one alert naming the lowest) and re-arms the ones a top-up lifts the balance above', async () => {
    const w = await creditWorld(db);
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 12_000, expiresAt: null, note: null, priceCents: null });
    const spend = (credits: number, minutesAgo: number) => record(db, w.wsId, [billable(w.email('alice'), 'api', credits / 2, minutesAgo)]);
    await spend(1500, 90); // 10,500
    expect(await notificationsOf(db, w.wsId)).to.have.length(0);
    await spend(600, 80); // 9,900: crosses 10,000
    await spend(100, 70); // 9,800: nothing new
    await spend(5000, 60); // 4,800: crosses 5,000
    let kinds = (await notificationsOf(db, w.wsId)).map((n) => n.kind);
    expect(kinds).to.deep.equal(['credits.threshold.10000', 'credits.threshold.5000']);
    await addCredits(db, w.actor, w.wsId, { kind: 'purchase', amount: 6000, expiresAt: null, note: null, priceCents: null }); // 10,800: re-arms 10,000 and 5,000
    await spend(1000, 50); // 9,800: crosses 10,000 again
    await spend(9800, 40); // 0: crosses 5,000, 1,000 and 0 in one step -> one alert, naming 0
    const all = await notificationsOf(db, w.wsId);
    kinds = all.map((n) => n.kind);
    expect(countBy(kinds, (k) => k)).to.deep.equal({
      'credits.threshold.10000': 2,
      'credits.threshold.5000': 1,
      'credits.threshold.0': 1,
    });
    const zero = all.find((n) => n.kind === 'credits.threshold.0')!;
    expect(zero.title).to.equal('Credits used up: balance is 0');
    expect(zero.body).to.include('Balance when this alert fired: 0 credits. It passed the 5,000 and 1,000 alert levels on the way.');
    const first5000 = all.find((n) => n.kind === 'credits.threshold.5000')!;
    expect(first5000.title).to.equal('Credit balance below 5,000: 4,800 left');
    expect(first5000.body).to.include('Balance when this alert fired: 4,800 credits');
    await spend(2, 30); // still 0 (overage): no repeat, and 5,000 and 1,000 stay disarmed
    expect(await notificationsOf(db, w.wsId)).to.have.length(4);
  });

  it('audits settings changes and removals with before and after', async () => {
    const w = await creditWorld(db);
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 500, expiresAt: null, note: null, priceCents: null });
    await updateSettings(db, w.actor, w.wsId, { paygEnabled: true, paygCap: 1000, includedPerPeriod: 0 });
    await removeCredits(db, w.actor, w.wsId, { amount: 200, note: 'correction' });
    expect(await packCacheMatchesLedger(db, w.wsId)).to.deep.equal({ cached: 1, mismatches: [] });
    const audit = await db('audit_log').where({ workspace_id: w.wsId }).orderBy('id');
    expect(audit.map((a) => a.action)).to.deep.equal(['credits.grant', 'credits.settings.update', 'credits.adjustment']);
    expect(JSON.parse(audit[1].before_json)).to.include({ payg_enabled: false, payg_monthly_cap: null });
    expect(JSON.parse(audit[1].after_json)).to.include({ payg_enabled: true, payg_monthly_cap: 1000 });
    expect(JSON.parse(audit[2].after_json)).to.include({ available: 300 });
  });

  it('rebuilding the credit rollups from raw rows gives what the charges upkept', async () => {
    const w = await creditWorld(db, { payg_enabled: true, payg_monthly_cap: 100 });
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 150, expiresAt: null, note: null, priceCents: null });
    await record(db, w.wsId, [
      billable(w.email('alice'), 'api', 50, 300), // 100 prepaid
      billable(w.email('alice'), 'api', 50, 200), // 50 prepaid + 50 PAYG
      billable(w.email('bob'), 'agents', 10, 100), // 100: 50 PAYG + 50 unpaid, and bob may not spend
      billable(w.email('alice'), 'grid', 3, 50), // 3 unpaid
    ]);
    const snapshot = async () => ({
      users: await db('rollup_daily_user_credits').where({ workspace_id: w.wsId }).orderBy(['day', 'user_id', 'category']).select('day', 'user_id', 'category', 'events', 'credits', 'overage_credits'),
      months: await db('credit_monthly').where({ workspace_id: w.wsId }).orderBy('month').select('month', 'payg_credits', 'overage_credits'),
    });
    const before = await snapshot();
    expect(before.months.map((m) => [Number(m.payg_credits), Number(m.overage_credits)]).reduce((a, b) => [a[0] + b[0], a[1] + b[1]])).to.deep.equal([100, 103]);
    await rebuildCreditRollups(db, w.wsId);
    const normalise = (x: Awaited<ReturnType<typeof snapshot>>) => JSON.stringify({ users: x.users.map((r) => Object.values(r).map(String)), months: x.months.map((r) => Object.values(r).map(String)) });
    expect(normalise(await snapshot())).to.equal(normalise(before));
    const ws = await db('workspaces').where({ id: w.wsId }).first();
    expect((await readPool(db, ws)).available).to.equal(0);
  });

  it('grants included credits once per month, expiring at month end', async () => {
    const w = await creditWorld(db, { included_credits_per_period: 3000 });
    await refreshPool(db, w.wsId);
    await refreshPool(db, w.wsId);
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 10, 1)]);
    const included = await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'included' });
    expect(included).to.have.length(1);
    expect(Number(included[0].amount)).to.equal(3000);
    const ws = await db('workspaces').where({ id: w.wsId }).first();
    expect((await readPool(db, ws)).available).to.equal(2980);
  });

  // The race only exists on MariaDB/MySQL (row locks); on SQLite the same assertions hold because writers are serialised.
  it('grants the included credits again each period; last period\'s unused included credits expire as a ledger row', async () => {
    const w = await creditWorld(db, { included_credits_per_period: 3000, time_zone: 'UTC' });
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 10, 1)]); // 20 credits of this month's 3,000
    const ws = await db('workspaces').where({ id: w.wsId }).first();
    const now = new Date();
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 3, 12));
    expect((await readPool(db, ws, nextMonth)).available).to.equal(3000); // counts before it is written
    await refreshPool(db, w.wsId, nextMonth);
    await refreshPool(db, w.wsId, nextMonth);
    const included = await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'included' }).orderBy('id');
    expect(included.map((r) => Number(r.amount))).to.deep.equal([3000, 3000]);
    const expiries = await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'expiry' });
    expect(expiries.map((r) => [Number(r.source_entry_id), Number(r.amount)])).to.deep.equal([[Number(included[0].id), -2980]]);
    expect((await readPool(db, ws, nextMonth)).available).to.equal(3000);
  });

  it(`two parallel batches never double-spend or lose a row (${isMySqlRun() ? 'MariaDB' : 'SQLite'})`, async () => {
    const w = await creditWorld(db);
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 300, expiresAt: new Date(Date.now() + 5 * DAY), note: 'A', priceCents: null });
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 300, expiresAt: null, note: 'B', priceCents: null });
    // Two batches of 50 calls at 5 units (10 credits): 1,000 credits wanted, 600 available.
    const a = Array.from({ length: 50 }, (_, i) => billable(w.email('alice'), 'api', 5, 100 - i));
    const b = Array.from({ length: 50 }, (_, i) => billable(w.email('alice'), 'api', 5, 100 - i));
    const results = await Promise.all([record(db, w.wsId, a), record(db, w.wsId, b)]);
    expect(results.map((r) => r.accepted)).to.deep.equal([50, 50]);
    expect(Number((await db('interactions').where({ workspace_id: w.wsId }).count({ n: '*' }).first())!.n)).to.equal(100);
    const paid = await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'consumption' }).select('source_entry_id').sum({ s: 'amount' }).groupBy('source_entry_id');
    expect(paid.map((p) => Number(p.s)).sort()).to.deep.equal([-300, -300]);
    const over = await db('credit_ledger').where({ workspace_id: w.wsId, entry_type: 'overage' }).sum({ s: 'amount' }).first();
    expect(Number(over!.s)).to.equal(-400);
    const charged = await db('interactions').where({ workspace_id: w.wsId }).sum({ c: 'credits_charged' }).first();
    expect(Number(charged!.c)).to.equal(1000);
    const withRows = await db('credit_ledger').where({ workspace_id: w.wsId }).whereNotNull('interaction_client_id').countDistinct({ n: 'interaction_client_id' }).first();
    expect(Number(withRows!.n)).to.equal(100);
    expect(countBy(await notificationsOf(db, w.wsId), (n) => n.kind)).to.deep.equal({ 'credits.threshold.0': 1 });
    expect(await packCacheMatchesLedger(db, w.wsId)).to.deep.equal({ cached: 2, mismatches: [] });
  });
});
