// quoteCredits: the cost before an action runs and every reason it may be refused.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { closeAll, freshDb } from '../helpers/db';
import { createWorkspace, createUser } from '../helpers/fixtures';
import { addCredits, updatePrices, updateSettings } from '../../src/credits/admin';
import { quoteCredits } from '../../src/credits/quote';
import { DEFAULT_PRICES } from '../../src/credits/prices';
import request from 'supertest';
import { createApp } from '../../src/app';
import { testContext } from '../helpers/app';
import { createApiKey } from '../../src/apikeys/keys';
import { billable, creditWorld, record } from './fixture';
import { upsertAgent } from '../../src/ingest/roster';

describe('credits: quotes', () => {
  let db: Knex;
  let w: Awaited<ReturnType<typeof creditWorld>>;
  beforeEach(async () => {
    db = await freshDb();
    w = await creditWorld(db);
    await addCredits(db, w.actor, w.wsId, { kind: 'grant', amount: 100, expiresAt: null, note: null, priceCents: null });
  });
  afterEach(closeAll);

  const q = (who: string, category: 'grid' | 'api' | 'agents', units: number) => quoteCredits(db, w.wsId, { user: w.email(who), billable: { category, units } });

  it('allows an action the prepaid balance pays, with its cost', async () => {
    const r = await q('alice', 'api', 30); // 30 x 2
    expect(r).to.include({ credits: 60, allowed: true });
    expect(r.reason).to.match(/Costs 60 credits; 100 prepaid credits are available/);
  });

  it('refuses a user who may not spend credits, and says how to get access', async () => {
    const r = await q('bob', 'api', 1);
    expect(r).to.include({ credits: 2, allowed: false });
    expect(r.reason).to.match(/may not spend credits.*Request credit access/);
  });

  it('refuses when the balance cannot pay and PAYG is off', async () => {
    const r = await q('alice', 'api', 51); // 102 > 100
    expect(r).to.include({ credits: 102, allowed: false });
    expect(r.reason).to.match(/Not enough credits.*has 100 left and pay-as-you-go is off/);
  });

  it('allows the rest on PAYG within the cap, and refuses beyond the remaining headroom', async () => {
    await updateSettings(db, w.actor, w.wsId, { paygEnabled: true, paygCap: 50, includedPerPeriod: 0 });
    const ok = await q('alice', 'api', 75); // 150 = 100 prepaid + 50 PAYG
    expect(ok).to.include({ credits: 150, allowed: true });
    expect(ok.reason).to.match(/100 from the prepaid balance and 50 billed as pay-as-you-go/);
    const no = await q('alice', 'api', 76); // 152 > 150
    expect(no).to.include({ credits: 152, allowed: false });
    expect(no.reason).to.match(/only 100 prepaid credits and 50 pay-as-you-go credits/);
  });

  it('refuses once the monthly PAYG cap is reached', async () => {
    await updateSettings(db, w.actor, w.wsId, { paygEnabled: true, paygCap: 40, includedPerPeriod: 0 });
    await record(db, w.wsId, [billable(w.email('alice'), 'api', 70)]); // 140 = 100 prepaid + 40 PAYG
    const r = await q('alice', 'api', 1);
    expect(r).to.include({ credits: 2, allowed: false });
    expect(r.reason).to.match(/pay-as-you-go cap of 40 credits has been reached/);
  });

  it('allows anything when PAYG has no cap', async () => {
    await updateSettings(db, w.actor, w.wsId, { paygEnabled: true, paygCap: null, includedPerPeriod: 0 });
    expect(await q('alice', 'agents', 1000)).to.include({ credits: 1000 * DEFAULT_PRICES.agent_other, allowed: true });
  });

  it('prices Grid rows after the free test rows, with the edited price table', async () => {
    await updatePrices(db, w.actor, w.wsId, { ...DEFAULT_PRICES, grid_row: 3 }, 10);
    expect(await q('alice', 'grid', 4)).to.include({ credits: 0, allowed: true });
    await record(db, w.wsId, [billable(w.email('alice'), 'grid', 8)]); // 8 free rows used, 2 left
    expect(await q('alice', 'grid', 5)).to.include({ credits: 9, allowed: true }); // 3 charged rows x 3
  });

  it('answers over the ingestion API (POST /api/v1/credits/quote)', async () => {
    const app = createApp(testContext(db));
    const { key } = await createApiKey(db, w.wsId, 'quotes', w.admin);
    const post = (body: object) => request(app).post('/api/v1/credits/quote').set('Authorization', `Bearer ${key}`).send(body);
    const ok = await post({ user: w.email('alice'), billable: { category: 'api', units: 50 } }).expect(200);
    expect(ok.body).to.deep.equal({ credits: 100, allowed: true, reason: 'Costs 100 credits; 100 prepaid credits are available.' });
    const no = await post({ user: w.email('bob'), billable: { category: 'agents', units: 1 } }).expect(200);
    expect(no.body).to.include({ credits: DEFAULT_PRICES.agent_other, allowed: false });
    expect(no.body.reason).to.match(/may not spend credits/);
  });

  it('prices an agent run by the agent type over the API (billable.agent), 422 for an unknown agent', async () => {
    await upsertAgent(db, w.wsId, { externalId: 'deep-research', name: 'Deep research', kind: 'custom', type: 'research' });
    await upsertAgent(db, w.wsId, { externalId: 'tuner', name: 'Tuner', kind: 'custom', type: 'optimization' });
    await updateSettings(db, w.actor, w.wsId, { paygEnabled: true, paygCap: null, includedPerPeriod: 0 });
    const app = createApp(testContext(db));
    const { key } = await createApiKey(db, w.wsId, 'quotes', w.admin);
    const post = (body: object) => request(app).post('/api/v1/credits/quote').set('Authorization', `Bearer ${key}`).send(body);
    // Default prices: research 25, optimization 20, any other agent run 10 (per run).
    const research = await post({ user: w.email('alice'), billable: { category: 'agents', units: 2, agent: 'deep-research' } }).expect(200);
    expect(research.body).to.include({ credits: 50, allowed: true });
    const tuner = await post({ user: w.email('alice'), billable: { category: 'agents', units: 1, agent: 'tuner' } }).expect(200);
    expect(tuner.body).to.include({ credits: 20, allowed: true });
    const plain = await post({ user: w.email('alice'), billable: { category: 'agents', units: 1 } }).expect(200);
    expect(plain.body).to.include({ credits: 10, allowed: true });
    const unknown = await post({ user: w.email('alice'), billable: { category: 'agents', units: 1, agent: 'nope' } }).expect(422);
    expect(unknown.body.error.message).to.equal('billable.agent: no agent with id nope in this workspace');
    const bad = await post({ user: w.email('alice'), billable: { category: 'agents', units: 1, agent: '' } }).expect(422);
    expect(bad.body.error.message).to.equal('billable.agent: must not be empty');
    const nobody = await post({ user: 'nobody@nowhere.test', billable: { category: 'api', units: 1 } }).expect(422);
    expect(nobody.body.error).to.deep.equal({ code: 'validation_failed', message: 'user: no user with email nobody@nowhere.test in this workspace', details: { user: 'no such user in this workspace' } });
    // The same agent priced the same way when the run is recorded.
    const r = await record(db, w.wsId, [billable(w.email('alice'), 'agents', 2, 5, { agent: 'deep-research' })]);
    expect(r.accepted).to.equal(1);
    const row = await db('interactions').where({ workspace_id: w.wsId }).first();
    expect(Number(row.credits_charged)).to.equal(50);
  });

  it('charges nothing in a seat-billed workspace', async () => {
    const seat = await createWorkspace(db, { billing_mode: 'seat' });
    await createUser(db, seat.id, { email: 'x@seat.test' });
    expect(await quoteCredits(db, seat.id, { user: 'x@seat.test', billable: { category: 'api', units: 5 } })).to.include({ credits: 0, allowed: true });
  });
});
