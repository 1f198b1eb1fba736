// POST /api/v1/authorize over HTTP: scope, validation, events recorded through the API counting
// against every layer at once, concurrent calls, and credit decisions through the quote engine.
import { expect } from 'chai';
import type { Knex } from 'knex';
import type { Express } from 'express';
import { closeAll } from '../helpers/db';
import { createTestApp } from '../helpers/app';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { createApiKey } from '../../src/apikeys/keys';
import { upsertGroup } from '../../src/ingest/roster';
import { insertPolicy } from '../../src/limits/queries';
import { addCredits } from '../../src/credits/admin';
import { post } from '../ingest/helpers';
import { policy } from './fixture';
import { billable, record } from '../credits/fixture';
import { createEndpoint } from '../../src/webhooks/endpoints';
import { checkAllCrossings, checkWorkspaceCrossings, configureCrossingChecks } from '../../src/limits/crossings';

async function waitFor<T>(probe: () => Promise<T | null>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('limits: POST /api/v1/authorize', () => {
  let db: Knex;
  let app: Express;
  let key: string;
  let wsId: number;
  const e = (who: string) => `${who}@auth.test`;

  before(async () => {
    configureCrossingChecks({ delayMs: 50 });
    ({ db, app } = await createTestApp());
    const ws = await createWorkspace(db, { slug: 'auth', name: 'Auth Co', billing_mode: 'credits' });
    wsId = ws.id;
    const admin = await createUser(db, wsId, { email: e('admin'), role: 'admin' });
    const ann = await createUser(db, wsId, { email: e('ann') });
    await createUser(db, wsId, { email: e('ben') });
    await createUser(db, wsId, { email: e('cal'), maySpendCredits: false });
    const team = (await upsertGroup(db, wsId, { externalId: 'team', name: 'Team', members: [e('ann'), e('ben')] })).id;
    await insertPolicy(db, wsId, policy({ scope: 'workspace', metric: 'inference', period: 'month', amount: 1_000_000, mode: 'hard' }), null);
    await insertPolicy(db, wsId, policy({ scope: 'group', groupId: team, appliesTo: 'shared', metric: 'inference', period: 'month', amount: 2_000_000, mode: 'hard' }), null);
    await insertPolicy(db, wsId, policy({ scope: 'user', userId: ann, metric: 'inference', period: 'month', amount: 500_000, mode: 'soft' }), null);
    await insertPolicy(db, wsId, policy({ scope: 'user', userId: ann, metric: 'credits', period: 'month', amount: 50, mode: 'hard' }), null);
    await addCredits(db, { userId: admin, label: e('admin'), ip: null }, wsId, { kind: 'grant', amount: 1000, expiresAt: null, note: null, priceCents: null });
    key = (await createApiKey(db, wsId, 'platform', null)).key;
  });
  after(async () => {
    configureCrossingChecks({ delayMs: 1000 });
    await closeAll();
  });

  const authz = (body: unknown, k: string | null = key) => post(app, '/authorize', k, body);

  it('needs a key with the ingest scope', async () => {
    expect((await authz({ user: e('ann'), tokens: { inference: 1 } }, null)).status).to.equal(401);
    const readKey = (await createApiKey(db, wsId, 'bi', null, ['read'])).key;
    const r = await authz({ user: e('ann'), tokens: { inference: 1 } }, readKey);
    expect(r.status).to.equal(403);
    expect(r.body.error.code).to.equal('insufficient_scope');
  });

  it('rejects bad bodies with 422 naming the field', async () => {
    for (const [body, field] of [
      [{ tokens: { inference: 1 } }, 'user'],
      [{ user: e('ann') }, 'tokens'],
      [{ user: e('ann'), tokens: { inference: -1 } }, 'tokens.inference'],
      [{ user: e('ann'), tokens: { inference: 1.5 } }, 'tokens.inference'],
      [{ user: e('ann'), credits: { action: 'teleport', quantity: 1 } }, 'credits.action'],
    ] as const) {
      const r = await authz(body);
      expect(r.status, JSON.stringify(body)).to.equal(422);
      expect(r.body.error.code).to.equal('validation_failed');
      expect(r.body.error.details).to.have.property(field);
    }
  });

  it('events recorded through POST /api/v1/events count against every layer at once', async () => {
    const before = await authz({ user: e('ann'), tokens: { inference: 0 } });
    expect(before.status).to.equal(200);
    expect(before.body.limits.filter((l: any) => l.metric === 'inference').map((l: any) => [l.source, l.used])).to.deep.equal([
      ['user_override', 0],
      ['group_budget', 0],
    ]);
    const at = new Date(Date.now() - 1000).toISOString();
    const rec = await post(app, '/events', key, {
      events: [
        { id: 'a1', user: e('ann'), occurred_at: at, kind: 'inference', model: 'm', prompt_tokens: 300_000, completion_tokens: 100_000 },
        { id: 'b1', user: e('ben'), occurred_at: at, kind: 'inference', model: 'm', prompt_tokens: 900_000, completion_tokens: 0 },
      ],
    });
    expect(rec.body.accepted).to.equal(2);
    const after = await authz({ user: e('ann'), tokens: { inference: 100_001 } });
    // ann: 400k of her 500k soft override; Team: 400k + 900k of 2M
    expect(after.body.limits.filter((l: any) => l.metric === 'inference').map((l: any) => [l.source, l.limit, l.used, l.remaining])).to.deep.equal([
      ['user_override', 500_000, 400_000, 100_000],
      ['group_budget', 2_000_000, 1_300_000, 700_000],
    ]);
    expect(after.body.decision).to.equal('allow_with_warning');
    // ben has no override: the workspace default (900k of 1M) and the same shared budget
    const ben = await authz({ user: e('ben'), tokens: { inference: 100_000 } });
    expect(ben.body.limits.map((l: any) => [l.source, l.used])).to.deep.equal([
      ['workspace_default', 900_000],
      ['group_budget', 1_300_000],
    ]);
    expect(ben.body.decision).to.equal('allow'); // exactly 1,000,000
    expect((await authz({ user: e('ben'), tokens: { inference: 100_001 } })).body.decision).to.equal('deny');
  });

  it('two concurrent calls read the same state and get the same answer', async () => {
    const body = { user: e('ben'), tokens: { inference: 100_000 } };
    const [a, b] = await Promise.all([authz(body), authz(body)]);
    expect(a.status).to.equal(200);
    expect(a.body).to.deep.equal(b.body);
    expect(a.body.decision).to.equal('allow');
  });

  it('credit actions are priced by the quote engine and checked against credit limits', async () => {
    await record(db, wsId, [billable(e('ann'), 'api', 15)]); // 15 calls x 2 = 30 credits this month
    const ok = await authz({ user: e('ann'), credits: { action: 'api', quantity: 10 } }); // 30 + 20 = 50
    expect(ok.body.decision).to.equal('allow');
    expect(ok.body.limits.find((l: any) => l.metric === 'credits')).to.include({ used: 30, remaining: 20, limit: 50, mode: 'hard' });
    const over = await authz({ user: e('ann'), credits: { action: 'api_call', quantity: 11 } }); // 30 + 22
    expect(over.body.decision).to.equal('deny');
    expect(over.body.reasons[0]).to.match(/52 credits, over the limit of 50/);
    const research = await authz({ user: e('ben'), credits: { action: 'agent_research', quantity: 1 } }); // 25 credits, no credit limit
    expect(research.body).to.deep.equal({ decision: 'allow', reasons: [], limits: research.body.limits });
    const cal = await authz({ user: e('cal'), credits: { action: 'api', quantity: 1 } });
    expect(cal.body.decision).to.equal('deny');
    expect(cal.body.reasons[0]).to.match(/may not spend credits/);
  });

  it('crossing a limit raises one notification per limit and period (admins + the user, e-mailed)', async () => {
    const crossed = () => db('notifications').where({ workspace_id: wsId }).where('kind', 'like', 'limits.crossed%').orderBy('id');
    expect(await crossed()).to.have.length(0); // ann 400k of 500k, ben 900k of 1M: nothing crossed yet
    // A webhook endpoint subscribed to limit.exceeded gets the crossing through the outbox.
    await createEndpoint(db, 'limits-test-key-limits-test-key-0000', wsId, { kind: 'webhook', url: 'https://example.com/hook', description: 'limits', eventTypes: ['limit.exceeded'] });
    const ev = (id: string, n: number) => ({ id, user: e('ben'), occurred_at: new Date(Date.now() - 1000).toISOString(), kind: 'inference', model: 'm', prompt_tokens: n, completion_tokens: 0 });
    expect((await post(app, '/events', key, { events: [ev('b2', 100_000)] })).body.accepted).to.equal(1); // exactly 1,000,000: not over
    expect(await checkWorkspaceCrossings(db, wsId)).to.equal(0);
    expect(await crossed()).to.have.length(0);
    // the pass runs off the request path, shortly after the batch (configured to 50 ms here)
    await post(app, '/events', key, { events: [ev('b3', 1)] }); // 1,000,001 > 1,000,000 (workspace default, hard)
    const n = await waitFor(async () => {
      const rows = await crossed();
      return rows.length >= 2 ? rows : null;
    });
    expect(n.map((x: any) => [x.kind, x.recipient_user_id == null ? 'admins' : 'user'])).to.deep.equal([
      ['limits.crossed_hard', 'admins'],
      ['limits.crossed_hard', 'user'],
    ]);
    expect(n[0].title).to.contain('ben@auth.test');
    await post(app, '/events', key, { events: [ev('b4', 5)] }); // still over: no second notification this period
    expect(await checkWorkspaceCrossings(db, wsId)).to.equal(0);
    expect(await checkAllCrossings(db)).to.equal(0); // nor from the periodic job
    expect(await crossed()).to.have.length(2);
    expect(await db('limit_crossings').where({ workspace_id: wsId })).to.have.length(1);
    const events = await db('webhook_events').where({ workspace_id: wsId, type: 'limit.exceeded' });
    expect(events).to.have.length(1);
    const { data } = JSON.parse(events[0].payload);
    expect(data).to.deep.include({ metric: 'inference_tokens', limit_period: 'month', mode: 'hard', limit: 1_000_000, used: 1_000_001 });
    expect(await db('webhook_deliveries').where({ workspace_id: wsId })).to.have.length(1);
  });

  it('denies unknown and revoked users with a reason', async () => {
    const r = await authz({ user: 'ghost@auth.test', tokens: { inference: 1 } });
    expect(r.status).to.equal(200);
    expect(r.body.decision).to.equal('deny');
    expect(r.body.reasons[0]).to.match(/Unknown user/);
  });

  it("names a SCIM-provisioned user by the identity provider's externalId as well as by email", async () => {
    await db('users').where({ workspace_id: wsId, email: e('ben') }).update({ scim_external_id: '00u-ben-okta' });
    const byEmail = await authz({ user: e('ben'), tokens: { inference: 1 } });
    const byId = await authz({ user: '00u-ben-okta', tokens: { inference: 1 } });
    expect(byId.status).to.equal(200);
    expect(byId.body).to.deep.equal(byEmail.body);
    expect(byId.body.limits.length).to.be.greaterThan(0);
    // another workspace's externalId is unknown here
    const other = await createWorkspace(db, { slug: 'auth-other', name: 'Other' });
    await createUser(db, other.id, { email: 'zed@other.test' });
    await db('users').where({ workspace_id: other.id }).update({ scim_external_id: '00u-zed' });
    expect((await authz({ user: '00u-zed', tokens: { inference: 1 } })).body.reasons[0]).to.match(/Unknown user/);
  });
});
