// Alert rules: the spike rule on a hand-built daily series (complete days, workspace zone), the
// pool rule inside the charging transaction (once per crossing, re-armed by a top-up), allocation
// rules with limit.exceeded, and the channels (in-app, e-mail notification, webhook outbox).
import { expect } from 'chai';
import type { Knex } from 'knex';
import { closeAll } from '../helpers/db';
import { createTestApp, type TestApp } from '../helpers/app';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { addDays, startOfDayUtc } from '../../src/db/time';
import { createRule, ensureDefaultRules, listRules } from '../../src/alerts/rules';
import { evaluateWorkspaceRules, spikeVerdict, BASELINE_DAYS } from '../../src/alerts/evaluate';
import { createEndpoint } from '../../src/webhooks/endpoints';
import { addCredits } from '../../src/credits/admin';
import { billable, creditWorld, record } from '../credits/fixture';

const channels = { inapp: true, email: [] as number[], webhook: true, slack: false };

async function dailyUser(db: Knex, ws: number, user: number, day: string, tokens: number) {
  await db('rollup_daily_user').insert({ workspace_id: ws, day, user_id: user, token_kind: 'inference', interactions: 1, iq_interactions: 0, total_tokens: tokens });
}

describe('alert rules', function () {
  this.timeout(30_000);
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(closeAll);

  it('spikeVerdict: mean and population standard deviation of the baseline, spike above mean + k·sd', () => {
    // 28 days alternating 100 and 300: mean 200, population sd 100.
    const baseline = Array.from({ length: 28 }, (_, i) => (i % 2 ? 300 : 100));
    expect(spikeVerdict(baseline, 500, 3)).to.deep.equal({ mean: 200, stddev: 100, spike: false }); // 500 = mean + 3 sd, not above
    expect(spikeVerdict(baseline, 501, 3).spike).to.equal(true);
    expect(spikeVerdict(baseline, 401, 2).spike).to.equal(true);
    // Too little history (6 active days): never a spike.
    const sparse = Array.from({ length: 28 }, (_, i) => (i < 6 ? 10 : 0));
    expect(spikeVerdict(sparse, 1e9, 3).spike).to.equal(false);
  });

  it('the spike rule fires on the complete day in the workspace zone, once per crossing, and re-arms when a day is normal', async () => {
    const ws = await createWorkspace(t.db, { slug: 'spike', time_zone: 'America/Chicago' });
    const ada = await createUser(t.db, ws.id, { email: 'ada@spike.test' });
    const bob = await createUser(t.db, ws.id, { email: 'bob@spike.test' });
    const D = '2026-11-20';
    // Hand-built series: 28 baseline days of 1,000 ± 100 for Ada (mean 1,000, sd 100), 1,000 flat for Bob.
    for (let i = 1; i <= BASELINE_DAYS; i++) {
      await dailyUser(t.db, ws.id, ada, addDays(D, -i), i % 2 ? 1100 : 900);
      await dailyUser(t.db, ws.id, bob, addDays(D, -i), 1000);
    }
    await dailyUser(t.db, ws.id, ada, D, 1301); // > 1000 + 3·100
    await dailyUser(t.db, ws.id, bob, D, 1000);
    // D+1 is incomplete (today in Chicago): a huge value there must not count yet.
    await dailyUser(t.db, ws.id, bob, addDays(D, 1), 1_000_000);
    const ruleId = await createRule(t.db, ws.id, { name: 'Token spike', condition: 'usage_spike', params: { scope: 'user', metric: 'tokens', k: 3 }, channels, enabled: true });
    await createEndpoint(t.db, t.ctx.config.encryptionKey, ws.id, { kind: 'webhook', url: 'https://example.com/h', description: '', eventTypes: ['alert.fired'] });

    // 2026-11-21 23:30 in Chicago (05:30 UTC on the 22nd): the 20th is the last complete day.
    const now = new Date(startOfDayUtc(addDays(D, 1), 'America/Chicago').getTime() + 23.5 * 3600_000);
    expect(await evaluateWorkspaceRules(t.db, ws.id, now)).to.equal(1);
    const firings = await t.db('alert_firings').where({ rule_id: ruleId });
    expect(firings.map((f) => f.subject)).to.deep.equal([`user:${ada}`]);
    expect(JSON.parse(firings[0].values_json)).to.deep.equal({ day: D, metric: 'tokens', value: 1301, mean: 1000, stddev: 100, k: 3 });
    expect(firings[0].summary).to.include('ada@spike.test used 1,301 tokens on 2026-11-20');
    // Channels: the in-app notification and the alert.fired webhook event, in the same transaction.
    expect(await t.db('notifications').where({ workspace_id: ws.id, kind: 'alert.usage_spike' })).to.have.length(1);
    const ev = await t.db('webhook_events').where({ workspace_id: ws.id, type: 'alert.fired' });
    expect(ev).to.have.length(1);
    expect(JSON.parse(ev[0].payload).data.subject).to.deep.equal({ type: 'user', id: ada, name: 'ada@spike.test' });

    // Evaluating again the same day: nothing new.
    expect(await evaluateWorkspaceRules(t.db, ws.id, now)).to.equal(0);
    // Day D+1 complete: Ada's 0 tokens are normal (re-armed); Bob's 1,000,000 is a spike over a flat baseline.
    const next = new Date(now.getTime() + 24 * 3600_000);
    expect(await evaluateWorkspaceRules(t.db, ws.id, next)).to.equal(1);
    const state = await t.db('alert_rule_state').where({ rule_id: ruleId }).orderBy('subject');
    expect(state.map((s) => [s.subject, !!s.fired, s.last_day])).to.deep.equal([
      [`user:${ada}`, false, addDays(D, 1)],
      [`user:${bob}`, true, addDays(D, 1)],
    ]);
    // Ada spikes again on D+2: fires again (a new crossing).
    await dailyUser(t.db, ws.id, ada, addDays(D, 2), 5000);
    expect(await evaluateWorkspaceRules(t.db, ws.id, new Date(next.getTime() + 24 * 3600_000))).to.equal(1);
    expect(await t.db('alert_firings').where({ rule_id: ruleId })).to.have.length(3);
  });

  it('a pool rule fires inside the charging transaction once per crossing and re-arms after a top-up', async () => {
    const w = await creditWorld(t.db, { slug: 'pool' });
    await addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount: 2000, expiresAt: null, note: null, priceCents: null });
    const ruleId = await createRule(t.db, w.wsId, { name: 'Below 1,500', condition: 'pool_below', params: { threshold: 1500 }, channels: { ...channels, email: [w.admin] }, enabled: true });
    await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 40)]); // 2,000 -> 1,960 (api = 1 credit/unit? measured below)
    const after1 = await t.db('alert_firings').where({ rule_id: ruleId });
    const spent1 = 2000 - Number((await t.db('credit_ledger').where({ workspace_id: w.wsId }).sum({ s: 'amount' }).first())!.s);
    expect(after1).to.have.length(spent1 >= 500 ? 1 : 0);
    // Charge until the balance is at or below 1,500.
    while (Number((await t.db('credit_ledger').where({ workspace_id: w.wsId }).sum({ s: 'amount' }).first())!.s) > 1500) {
      await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 100)]);
    }
    const fired = await t.db('alert_firings').where({ rule_id: ruleId });
    expect(fired).to.have.length(1);
    const balance = Number((await t.db('credit_ledger').where({ workspace_id: w.wsId }).sum({ s: 'amount' }).first())!.s);
    expect(JSON.parse(fired[0].values_json)).to.deep.equal({ balance, threshold: 1500, payg_enabled: false });
    // The e-mail channel: a notification addressed to the chosen admin, queued for e-mail only (the
    // in-app one is for every admin); credit rules write credit notifications, named by the level.
    const mails = await t.db('notifications').where({ workspace_id: w.wsId, kind: 'credits.threshold.1500', recipient_user_id: w.admin });
    expect(mails.map((m) => !!m.in_app)).to.deep.equal([false]);
    // More charges below the line: no new firing.
    await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 10)]);
    expect(await t.db('alert_firings').where({ rule_id: ruleId })).to.have.length(1);
    // A top-up lifts it above (re-arms), the next crossing fires again.
    await addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount: 1000, expiresAt: null, note: null, priceCents: null });
    while (Number((await t.db('credit_ledger').where({ workspace_id: w.wsId }).sum({ s: 'amount' }).first())!.s) > 1500) {
      await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 100)]);
    }
    expect(await t.db('alert_firings').where({ rule_id: ruleId })).to.have.length(2);
  });

  it('default rules: the credit levels and the cap become editable rules, starting in the pool state (no retroactive firing)', async () => {
    const w = await creditWorld(t.db, { slug: 'defaults' });
    await addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount: 3000, expiresAt: null, note: null, priceCents: null }); // below 10,000 and 5,000 already
    await ensureDefaultRules(t.db, w.wsId, true);
    await ensureDefaultRules(t.db, w.wsId, true); // idempotent
    const rules = await listRules(t.db, w.wsId);
    expect(rules.map((r) => r.builtin)).to.deep.equal(['pool_below:10000', 'pool_below:5000', 'pool_below:1000', 'pool_below:0', 'cap_reached', 'allocation_above:user:100']);
    // A charge that stays above 1,000 fires none of them (10,000 and 5,000 were already passed).
    await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 10)]);
    expect(await t.db('alert_firings').where({ workspace_id: w.wsId })).to.have.length(0);
  });

  it('allocation rules: a user at or above P % of the monthly allocation fires once; at 100 % limit.exceeded is sent', async () => {
    const w = await creditWorld(t.db, { slug: 'alloc' });
    await t.db('users').where({ id: w.alice }).update({ max_inference_tokens: 100 });
    await createEndpoint(t.db, t.ctx.config.encryptionKey, w.wsId, { kind: 'webhook', url: 'https://example.com/h', description: '', eventTypes: ['limit.exceeded', 'alert.fired'] });
    const r90 = await createRule(t.db, w.wsId, { name: '90 %', condition: 'allocation_above', params: { scope: 'user', percent: 90 }, channels, enabled: true });
    const r100 = await createRule(t.db, w.wsId, { name: '100 %', condition: 'allocation_above', params: { scope: 'user', percent: 100 }, channels, enabled: true });
    // 3 events of 30 tokens = 90 tokens: 90 %.
    await record(t.db, w.wsId, [1, 2, 3].map((i) => billable(w.email('alice'), 'api', 0, i)));
    expect(await evaluateWorkspaceRules(t.db, w.wsId)).to.equal(1);
    expect((await t.db('alert_firings').where({ rule_id: r90 }))[0].summary).to.include('alice@alloc.test used 90 % of the');
    expect(await evaluateWorkspaceRules(t.db, w.wsId)).to.equal(0);
    await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 0, 4)]); // 120 tokens: 120 %
    expect(await evaluateWorkspaceRules(t.db, w.wsId)).to.equal(1);
    const f100 = await t.db('alert_firings').where({ rule_id: r100 });
    expect(JSON.parse(f100[0].values_json)).to.include({ used: 120, limit: 100, percent: 120, threshold_percent: 100 });
    const limitEvents = await t.db('webhook_events').where({ workspace_id: w.wsId, type: 'limit.exceeded' });
    expect(limitEvents).to.have.length(1);
    expect(JSON.parse(limitEvents[0].payload).data).to.deep.include({ subject: { type: 'user', id: w.alice, name: 'alice@alloc.test' }, metric: 'inference_tokens', limit: 100, used: 120 });
  });
});
