// POST /api/v1/authorize keeps things per process: the API keys it verified, the limits context, the
// usage and the credit quote's reads. Two app instances on two connection pools to one database play
// two processes: whatever one changes, the other decides with on its very next call.
import { expect } from 'chai';
import type { Knex } from 'knex';
import type { Express } from 'express';
import { closeAll, isMySqlRun, testDatabaseUrl } from '../helpers/db';
import { createTestApp, testContext } from '../helpers/app';
import { createApp } from '../../src/app';
import { createDb } from '../../src/db/knex';
import { toDbTime } from '../../src/db/time';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { createApiKey, revokeApiKey } from '../../src/apikeys/keys';
import { upsertUser } from '../../src/ingest/roster';
import { addPolicy, editPolicy } from '../../src/limits/admin';
import { contextStamp } from '../../src/limits/queries';
import { authorize } from '../../src/limits/authorize';
import { addCredits, removeCredits, updatePrices, updateSettings } from '../../src/credits/admin';
import { DEFAULT_PRICES } from '../../src/credits/prices';
import { markPoolChanged, readPool, refreshPool } from '../../src/credits/pool';
import { rebuildCreditRollups } from '../../src/credits/rebuild';
import { setCreditAccess } from '../../src/users/credit-access';
import { loadWorkspace, updateWorkspace } from '../../src/workspaces/queries';
import type { Actor } from '../../src/audit/audit';
import { post } from '../ingest/helpers';
import { billable, record } from '../credits/fixture';
import { policy } from './fixture';

describe('limits: POST /api/v1/authorize with per-process caches, two processes', function () {
  this.timeout(30_000);
  let db: Knex;
  let other: Knex;
  let appA: Express;
  let appB: Express;
  let wsId: number;
  let key: string;
  let actor: Actor;
  let ids: Record<string, number>;
  const e = (who: string) => `${who}@caches.test`;

  before(async () => {
    ({ db, app: appA } = await createTestApp());
    // the second process: its own connection pool (and so its own caches) on the same database
    const url = isMySqlRun() ? testDatabaseUrl() : `sqlite:${(db.client.config.connection as { filename: string }).filename}`;
    other = createDb(url, { poolMax: 4 });
    appB = createApp(testContext(other));
    const ws = await createWorkspace(db, { slug: 'caches', name: 'Caches Co', billing_mode: 'credits', time_zone: 'America/Chicago' });
    wsId = ws.id;
    ids = {
      admin: await createUser(db, wsId, { email: e('admin'), role: 'admin' }),
      ann: await createUser(db, wsId, { email: e('ann') }),
      ben: await createUser(db, wsId, { email: e('ben') }),
    };
    actor = { userId: ids.admin, label: e('admin'), ip: null };
    key = (await createApiKey(db, wsId, 'platform', null)).key;
    await addCredits(db, actor, wsId, { kind: 'grant', amount: 10_000, expiresAt: null, note: null, priceCents: null });
  });
  after(async () => {
    await other.destroy();
    await closeAll();
  });

  const ask = (app: Express, body: unknown, k = key) => post(app, '/authorize', k, body);
  const decision = async (app: Express, body: unknown) => {
    const r = await ask(app, body);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return r.body as { decision: string; reasons: string[]; limits: { metric: string; limit: number; used: number }[] };
  };
  /** Both processes, so both hold the caches before the change. */
  const both = async (body: unknown) => [await decision(appA, body), await decision(appB, body)];

  it('a repeated call makes one statement (key, user, stamps), and the rate-limit counter one per block of calls', async () => {
    await addPolicy(db, actor, wsId, policy({ scope: 'workspace', metric: 'inference', period: 'month', amount: 1000, mode: 'hard' }));
    const body = { user: e('ann'), tokens: { inference: 10 }, credits: { action: 'api', quantity: 1 } };
    await decision(appB, body);
    await decision(appB, body);
    const sql: string[] = [];
    const log = (q: { sql: string }) => sql.push(q.sql);
    other.on('query', log);
    try {
      for (let i = 0; i < 20; i++) expect((await decision(appB, body)).decision).to.equal('allow');
    } finally {
      other.off('query', log);
    }
    const reads = sql.filter((q) => /api_keys/.test(q) && /credit_state/.test(q) && /limit_policies/.test(q));
    const counts = sql.filter((q) => /rate_limit_hits/.test(q));
    expect(reads, sql.join('\n')).to.have.length(20);
    expect(reads.length + counts.length, sql.join('\n')).to.equal(sql.length);
    expect(counts.length).to.be.within(1, 10);
  });

  it('a limit changed in one process decides the other\'s next call, exactly at the edge', async () => {
    const id = await addPolicy(db, actor, wsId, policy({ scope: 'user', userId: ids.ann, metric: 'inference', period: 'day', amount: 500, mode: 'hard' }));
    for (const r of await both({ user: e('ann'), tokens: { inference: 500 } })) expect(r.decision).to.equal('allow'); // 0 + 500 = 500
    await editPolicy(db, actor, wsId, id, policy({ scope: 'user', userId: ids.ann, metric: 'inference', period: 'day', amount: 499, mode: 'hard' }));
    const r = await decision(appB, { user: e('ann'), tokens: { inference: 500 } });
    expect(r.decision).to.equal('deny');
    expect(r.reasons[0]).to.match(/over the limit of 499/);
    // and usage recorded through one process counts in the other's next call
    await record(db, wsId, [{ ...billable(e('ann'), 'api', 0), billable: undefined, promptTokens: 99, completionTokens: 0, occurredAt: new Date(Date.now() - 1000) }]);
    const after = await decision(appB, { user: e('ann'), tokens: { inference: 400 } });
    expect(after.limits.find((l) => l.metric === 'inference' && l.limit === 499)?.used).to.equal(99);
    expect(after.decision).to.equal('allow'); // 99 + 400 = 499
    expect((await decision(appB, { user: e('ann'), tokens: { inference: 401 } })).decision).to.equal('deny');
  });

  it('a price changed in one process prices the other\'s next credit call', async () => {
    await addPolicy(db, actor, wsId, policy({ scope: 'user', userId: ids.ben, metric: 'credits', period: 'month', amount: 100, mode: 'hard' }));
    const body = { user: e('ben'), credits: { action: 'api_call', quantity: 50 } }; // 50 x 2 = 100: at the limit
    for (const r of await both(body)) expect(r.decision).to.equal('allow');
    await updatePrices(db, actor, wsId, { ...DEFAULT_PRICES, api_call: 3 }, 0);
    const r = await decision(appB, body);
    expect(r.decision).to.equal('deny');
    expect(r.reasons[0]).to.match(/0 used \+ 150 requested = 150 credits, over the limit of 100/);
    await updatePrices(db, actor, wsId, DEFAULT_PRICES, 0);
    expect((await decision(appB, body)).decision).to.equal('allow');
  });

  it('credit permission and a revoked user changed in one process are seen by the other', async () => {
    const body = { user: e('ann'), credits: { action: 'api', quantity: 1 } };
    for (const r of await both(body)) expect(r.decision).to.equal('allow');
    await setCreditAccess(db, actor, wsId, ids.ann, false);
    const r = await decision(appB, body);
    expect(r.decision).to.equal('deny');
    expect(r.reasons[0]).to.match(/may not spend credits/);
    await setCreditAccess(db, actor, wsId, ids.ann, true);
    expect((await decision(appB, body)).decision).to.equal('allow');
    await upsertUser(db, wsId, { email: e('ann'), name: 'ann', status: 'revoked', revokedAt: new Date() });
    expect((await decision(appB, body)).reasons[0]).to.match(/has been revoked/);
    await upsertUser(db, wsId, { email: e('ann'), name: 'ann', status: 'active', revokedAt: null });
  });

  it('the pool and the PAYG settings changed in one process are seen by the other', async () => {
    await updateSettings(db, actor, wsId, { paygEnabled: false, paygCap: null, includedPerPeriod: 0 });
    // leave exactly 40 credits in the pool
    const left = (await readPool(db, await loadWorkspace(db, wsId))).available;
    await removeCredits(db, actor, wsId, { amount: left - 40, note: null });
    const body = { user: e('admin'), credits: { action: 'agent_research', quantity: 1.6 } }; // 1.6 x 25 = 40
    for (const r of await both(body)) expect(r.decision).to.equal('allow');
    // one credit spent through the first process's write path
    await record(db, wsId, [billable(e('admin'), 'grid', 1, 1)]);
    const r = await decision(appB, body);
    expect(r.decision).to.equal('deny');
    expect(r.reasons[0]).to.match(/Not enough credits: this costs 40 credits but the workspace has 39 left and pay-as-you-go is off/);
    await updateSettings(db, actor, wsId, { paygEnabled: true, paygCap: 1, includedPerPeriod: 0 });
    expect((await decision(appB, body)).decision).to.equal('allow'); // 39 prepaid + 1 PAYG
    await updateSettings(db, actor, wsId, { paygEnabled: false, paygCap: null, includedPerPeriod: 0 });
    expect((await decision(appB, body)).decision).to.equal('deny');
    await addCredits(db, actor, wsId, { kind: 'purchase', amount: 1, expiresAt: null, note: null, priceCents: 100 });
    expect((await decision(appB, body)).decision).to.equal('allow');
  });

  it('a pack stops counting at its expiry while the quote\'s reads are kept', async () => {
    const t0 = new Date();
    const expires = new Date(t0.getTime() + 60_000);
    await addCredits(db, actor, wsId, { kind: 'grant', amount: 1000, expiresAt: expires, note: null, priceCents: null });
    const body = { user: e('admin'), credits: { action: 'agent_research', quantity: 2 } }; // 50 credits; 40 without the grant
    const at = (ms: number) => authorize(other, wsId, body as never, new Date(t0.getTime() + ms));
    expect((await at(0)).decision).to.equal('allow'); // the reads are kept from here
    expect((await at(59_999)).decision).to.equal('allow');
    const gone = await at(60_000);
    expect(gone.decision).to.equal('deny');
    expect(gone.reasons[0]).to.match(/the workspace has 40 left/);
    // reads kept after the expiry (without the pack) do not answer for an earlier moment
    await markPoolChanged(db, wsId);
    expect((await at(61_000)).decision).to.equal('deny');
    expect((await at(30_000)).decision).to.equal('allow');
  });

  it('the pool\'s stamp moves, strictly, with every change under the credit lock and with a rebuild', async () => {
    const stamp = async () => String((await db('credit_state').where({ workspace_id: wsId }).first())?.updated_at);
    const seen = [await stamp()];
    await refreshPool(db, wsId);
    seen.push(await stamp());
    await refreshPool(db, wsId);
    seen.push(await stamp());
    await rebuildCreditRollups(db, wsId);
    seen.push(await stamp());
    await markPoolChanged(db, wsId);
    seen.push(await stamp());
    for (let i = 1; i < seen.length; i++) expect(seen[i] > seen[i - 1], seen.join(' < ')).to.equal(true);
    // a stamp in the future (another host's clock ahead) still moves forward
    const ahead = toDbTime(new Date(Date.now() + 3_600_000));
    await db('credit_state').where({ workspace_id: wsId }).update({ updated_at: ahead });
    await refreshPool(db, wsId);
    expect((await stamp()) > ahead).to.equal(true);
  });

  it('the limits context follows the workspace\'s time zone and name', async () => {
    const before = await contextStamp(other, wsId);
    await updateWorkspace(db, wsId, { time_zone: 'Europe/Berlin' });
    const zoned = await contextStamp(other, wsId);
    expect(zoned).to.not.equal(before);
    await updateWorkspace(db, wsId, { time_zone: 'America/Chicago' });
    await updateWorkspace(db, wsId, { name: 'Caches Inc' });
    expect(await contextStamp(other, wsId)).to.not.equal(before);
    const r = await decision(appB, { user: e('ann'), tokens: { inference: 0 } });
    expect(r.limits.map((l: any) => l.name)).to.include('Caches Inc');
  });

  it('other workspaces stay invisible', async () => {
    const ws2 = await createWorkspace(db, { slug: 'caches-other', name: 'Other' });
    await createUser(db, ws2.id, { email: 'zed@other.test' });
    for (const r of await both({ user: 'zed@other.test', tokens: { inference: 1 } })) {
      expect(r.decision).to.equal('deny');
      expect(r.reasons[0]).to.match(/Unknown user/);
      expect(r.limits).to.deep.equal([]);
    }
  });

  it('a revoked key is refused by every process on its next call, whatever else is wrong with the request', async () => {
    const k2 = (await createApiKey(db, wsId, 'second', null)).key;
    const body = { user: e('ann'), tokens: { inference: 1 } };
    for (const app of [appA, appB]) {
      expect((await ask(app, body, k2)).status).to.equal(200);
      expect((await ask(app, body, k2)).status).to.equal(200); // the second call takes the remembered key
    }
    // a third instance sharing the second one's pool (and its remembered keys), with a limit of 1 a minute
    const limited = createApp(testContext(other, { API_AUTHORIZE_RATE_LIMIT_PER_MINUTE: '1' }));
    expect((await ask(limited, body, k2)).status).to.equal(429);
    const row = await db('api_keys').where({ workspace_id: wsId, name: 'second' }).first();
    await revokeApiKey(db, wsId, row.id);
    for (const app of [appB, appA]) {
      const r = await ask(app, body, k2);
      expect(r.status).to.equal(401);
      expect(r.body.error.code).to.equal('unauthorized');
      expect(r.headers['www-authenticate']).to.match(/invalid_token/);
    }
    // refused before any other answer: over the rate limit, a bad body, a wrong content type, a missing user
    const again = (await createApiKey(db, wsId, 'third', null)).key;
    expect((await ask(appB, body, again)).status).to.equal(200);
    expect((await ask(appB, body, again)).status).to.equal(200);
    await db('api_keys').where({ workspace_id: wsId, name: 'third' }).update({ revoked_at: toDbTime(new Date()) });
    expect((await ask(appB, { user: e('ann'), tokens: { inference: -1 } }, again)).status).to.equal(401);
    expect((await ask(appB, body, again)).status).to.equal(401);
    const fourth = (await createApiKey(db, wsId, 'fourth', null)).key;
    for (let i = 0; i < 2; i++) expect((await ask(appB, body, fourth)).status).to.equal(200);
    expect((await ask(limited, body, fourth)).status).to.equal(429);
    await db('api_keys').where({ workspace_id: wsId, name: 'fourth' }).delete();
    expect((await ask(limited, body, fourth)).status).to.equal(401);
    const fifth = (await createApiKey(db, wsId, 'fifth', null)).key;
    for (let i = 0; i < 2; i++) expect((await ask(appB, body, fifth)).status).to.equal(200);
    await db('api_keys').where({ workspace_id: wsId, name: 'fifth' }).update({ revoked_at: toDbTime(new Date()) });
    const text = await post(appB, '/authorize', fifth, body).set('Content-Type', 'text/plain');
    expect(text.status).to.equal(401);
    // the platform's own key is untouched
    expect((await ask(appB, body)).status).to.equal(200);
  });
});
