// Webhooks end to end: the outbox is written with the causing transaction, a worker signs and
// delivers (verified by a real loopback receiver), retries with backoff, fails after the window and
// tells admins, survives a crash after commit, and never sends twice with two workers claiming.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { closeAll, isMySqlRun, testDatabaseUrl } from '../helpers/db';
import { createTestApp, testContext, type TestApp } from '../helpers/app';
import { createDb } from '../../src/db/knex';
import { createEndpoint } from '../../src/webhooks/endpoints';
import { enqueueEvent } from '../../src/webhooks/outbox';
import { runDeliveries, BACKOFF_MS, MAX_ATTEMPTS, DISABLE_AFTER_MS, CLAIM_MS } from '../../src/webhooks/worker';
import { postJson, isPrivateAddress } from '../../src/webhooks/outbound';
import { secretBox } from '../../src/crypto/secret-box';
import { addCredits } from '../../src/credits/admin';
import { requestAccess, decideRequest } from '../../src/credits/access-requests';
import { revokeUser } from '../../src/users/actions';
import { deliveryJob } from '../../src/webhooks/job';
import { openApiDocument } from '../../src/api/openapi';
import { EVENT_TYPE_NAMES } from '../../src/webhooks/event-types';
import { startReceiver, type Receiver } from './receiver';
import { billable, creditWorld, record } from '../credits/fixture';

describe('webhooks: outbox, signed delivery, retries', function () {
  this.timeout(60_000);
  let t: TestApp;
  let rx: Receiver;

  before(async () => {
    t = await createTestApp({ env: { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_TIMEOUT_MS: '2000' } });
    rx = await startReceiver();
  });
  after(async () => {
    await rx.close();
    await closeAll();
  });
  beforeEach(() => {
    rx.received.length = 0;
    rx.script = [];
    rx.fallback = 200;
    rx.delayMs = 0;
  });

  async function endpoint(wsId: number, types: string[], url = rx.url) {
    const { row, secret } = await createEndpoint(t.db, t.ctx.config.encryptionKey, wsId, { kind: 'webhook', url, description: 'test', eventTypes: types });
    rx.secret = secret;
    return row;
  }

  it('stores the signing secret sealed (AES-256-GCM), never in clear', async () => {
    const w = await creditWorld(t.db, { slug: 'seal' });
    const { row, secret } = await createEndpoint(t.db, t.ctx.config.encryptionKey, w.wsId, { kind: 'webhook', url: rx.url, description: '', eventTypes: ['user.revoked'] });
    const stored = await t.db('webhook_endpoints').where({ id: row.id }).first();
    expect(secret).to.match(/^whsec_[A-Za-z0-9+/=]{32}$/);
    expect(stored.secret_sealed).to.not.include(secret.slice(6));
    expect(secretBox(t.ctx.config.encryptionKey).open(stored.secret_sealed)).to.equal(secret);
    expect(() => secretBox('another-key-another-key-another-key').open(stored.secret_sealed)).to.throw();
  });

  it('a credit alert inside the ingestion transaction is delivered once, signed, after a 500 then a 200', async () => {
    const w = await creditWorld(t.db, { slug: 'retry' });
    await endpoint(w.wsId, ['credits.threshold_crossed']);
    await addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount: 1200, expiresAt: null, note: null, priceCents: null });
    await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 150)]); // 1,200 -> 900: crosses 1,000
    const deliveries = await t.db('webhook_deliveries').where({ workspace_id: w.wsId });
    expect(deliveries).to.have.length(1);

    rx.script = [500];
    let clock = new Date();
    const r1 = await runDeliveries(t.ctx, { now: () => clock, random: () => 0.5 });
    expect(r1).to.deep.equal({ delivered: 0, retried: 1, failed: 0 });
    expect(rx.received).to.have.length(0);
    const after1 = await t.db('webhook_deliveries').where({ id: deliveries[0].id }).first();
    expect(after1.status).to.equal('pending');
    expect(after1.response_status).to.equal(500);
    // Not due yet: nothing is sent before the backoff has passed.
    expect(await runDeliveries(t.ctx, { now: () => new Date(clock.getTime() + 1000) })).to.deep.equal({ delivered: 0, retried: 0, failed: 0 });
    clock = new Date(clock.getTime() + BACKOFF_MS[0] * 1.2 + 1);
    const r2 = await runDeliveries(t.ctx, { now: () => clock });
    expect(r2.delivered).to.equal(1);
    expect(rx.received).to.have.length(1);
    const got = rx.received[0];
    expect(got.verified, 'signature verifies with standardwebhooks').to.equal(true);
    expect(got.payload.type).to.equal('credits.threshold_crossed');
    expect(got.payload.data).to.deep.equal({ workspace: { id: w.wsId, slug: 'retry' }, threshold: 1000, balance: 900, payg_enabled: false });
    const done = await t.db('webhook_deliveries').where({ id: deliveries[0].id }).first();
    expect(done.status).to.equal('delivered');
    expect(done.attempts).to.equal(2);
    expect(done.response_status).to.equal(200);
    // Nothing left to send.
    expect(await runDeliveries(t.ctx, { now: () => new Date(clock.getTime() + 86_400_000) })).to.deep.equal({ delivered: 0, retried: 0, failed: 0 });
    expect(rx.received).to.have.length(1);
  });

  it('a rolled-back transaction sends nothing', async () => {
    const w = await creditWorld(t.db, { slug: 'rollback' });
    await endpoint(w.wsId, ['user.revoked']);
    await t.db
      .transaction(async (trx) => {
        await enqueueEvent(trx, w.wsId, 'user.revoked', { workspace: { id: w.wsId, slug: 'rollback' }, user: { id: 1, email: 'x@y' }, revoked_by: null });
        throw new Error('rollback');
      })
      .catch(() => undefined);
    expect(await t.db('webhook_events').where({ workspace_id: w.wsId })).to.have.length(0);
    await runDeliveries(t.ctx);
    expect(rx.received).to.have.length(0);
  });

  it('access requests, decisions and revocations each send their event with the data that changed', async () => {
    const w = await creditWorld(t.db, { slug: 'domain' });
    await endpoint(w.wsId, ['access_request.created', 'access_request.decided', 'user.revoked']);
    await requestAccess(t.db, { userId: w.bob, label: w.email('bob') }, w.wsId, w.bob, 'please');
    const req = await t.db('credit_access_requests').where({ workspace_id: w.wsId }).first();
    await decideRequest(t.db, w.actor, w.wsId, req.id, false);
    await revokeUser(t.db, w.actor, w.wsId, w.alice);
    await runDeliveries(t.ctx);
    const byType = Object.fromEntries(rx.received.map((r) => [r.payload.type, r.payload.data]));
    expect(rx.received.every((r) => r.verified)).to.equal(true);
    expect(byType['access_request.created']).to.deep.equal({ workspace: { id: w.wsId, slug: 'domain' }, request_id: req.id, user: { id: w.bob, email: w.email('bob'), name: 'Bob Blocked' }, note: 'please' });
    expect(byType['access_request.decided']).to.include({ request_id: req.id, decision: 'denied', decided_by: w.email('admin') });
    expect(byType['user.revoked']).to.deep.equal({ workspace: { id: w.wsId, slug: 'domain' }, user: { id: w.alice, email: w.email('alice'), name: 'Alice Able' }, revoked_by: w.email('admin') });
  });

  it('a receiver down for the whole window: the delivery fails after the last attempt, admins are told, and after days the endpoint is disabled', async () => {
    const w = await creditWorld(t.db, { slug: 'down' });
    const ep = await endpoint(w.wsId, ['user.revoked'], 'http://127.0.0.1:9/never'); // discard port: connection refused
    const send = () => t.db.transaction((trx) => enqueueEvent(trx, w.wsId, 'user.revoked', { workspace: { id: w.wsId, slug: 'down' }, user: { id: 1, email: 'x@y' }, revoked_by: null }));
    await send();
    const t0 = new Date();
    let clock = t0;
    let attempts = 0;
    // Jump the clock to each due time: every attempt fails, the last one marks the delivery failed.
    for (let i = 0; i < MAX_ATTEMPTS + 2; i++) {
      const r = await runDeliveries(t.ctx, { now: () => clock });
      attempts += r.retried + r.failed;
      const d = await t.db('webhook_deliveries').where({ endpoint_id: ep.id }).first();
      if (d.status === 'failed') break;
      clock = new Date(String(d.next_attempt_at).replace(' ', 'T') + 'Z');
    }
    expect(attempts).to.equal(MAX_ATTEMPTS);
    const d = await t.db('webhook_deliveries').where({ endpoint_id: ep.id }).first();
    expect(d.status).to.equal('failed');
    expect(d.attempts).to.equal(MAX_ATTEMPTS);
    const spanH = (clock.getTime() - t0.getTime()) / 3600_000;
    const nominal = BACKOFF_MS.reduce((a, b) => a + b, 0) / 3600_000;
    expect(spanH).to.be.within(nominal * 0.8, nominal * 1.2);
    const told = await t.db('notifications').where({ workspace_id: w.wsId, kind: 'webhooks.delivery_failed' });
    expect(told).to.have.length(1);
    expect(told[0].title).to.include('127.0.0.1:9');
    // Still failing days later: the endpoint is disabled and admins are told.
    await send();
    clock = new Date(t0.getTime() + DISABLE_AFTER_MS + 1000);
    await runDeliveries(t.ctx, { now: () => clock });
    const after = await t.db('webhook_endpoints').where({ id: ep.id }).first();
    expect(!!after.enabled).to.equal(false);
    expect(await t.db('notifications').where({ workspace_id: w.wsId, kind: 'webhooks.endpoint_disabled' })).to.have.length(1);
    // A disabled endpoint gets no new deliveries, and what was still queued for it is not sent.
    expect(await send()).to.equal(null);
    expect(await t.db('webhook_deliveries').where({ endpoint_id: ep.id, status: 'pending' })).to.have.length(0);
  });

  it('an endpoint switched off by an admin: what was queued for it is not sent', async () => {
    const w = await creditWorld(t.db, { slug: 'off' });
    const ep = await endpoint(w.wsId, ['user.revoked']);
    await t.db.transaction((trx) => enqueueEvent(trx, w.wsId, 'user.revoked', { workspace: { id: w.wsId, slug: 'off' }, user: { id: 1, email: 'x@y' }, revoked_by: null }));
    await t.db('webhook_endpoints').where({ id: ep.id }).update({ enabled: false });
    expect(await runDeliveries(t.ctx)).to.deep.equal({ delivered: 0, retried: 0, failed: 1 });
    expect(rx.received).to.have.length(0);
    expect((await t.db('webhook_deliveries').where({ endpoint_id: ep.id }).first()).last_error).to.equal('endpoint disabled');
  });

  it("a worker that claimed and died: its claim expires and another worker delivers", async () => {
    const w = await creditWorld(t.db, { slug: 'crash' });
    await endpoint(w.wsId, ['user.revoked']);
    await t.db.transaction((trx) => enqueueEvent(trx, w.wsId, 'user.revoked', { workspace: { id: w.wsId, slug: 'crash' }, user: { id: 1, email: 'x@y' }, revoked_by: null }));
    // Simulate the dead worker's claim.
    const now = new Date();
    await t.db('webhook_deliveries').where({ workspace_id: w.wsId }).update({ status: 'sending', claimed_by: 'dead-host:1', claimed_until: new Date(now.getTime() + CLAIM_MS).toISOString().replace('T', ' ').slice(0, 23), attempts: 1 });
    expect((await runDeliveries(t.ctx, { now: () => now })).delivered).to.equal(0);
    const later = new Date(now.getTime() + CLAIM_MS + 1000);
    expect((await runDeliveries(t.ctx, { now: () => later })).delivered).to.equal(1);
    expect(rx.received).to.have.length(1);
  });

  it('a process killed right after its commit: the event survives and is delivered by the next process', async function () {
    const w = await creditWorld(t.db, { slug: 'killed' });
    await endpoint(w.wsId, ['user.revoked']);
    const conn = t.db.client.config.connection as { filename?: string };
    const url = isMySqlRun() ? testDatabaseUrl() : `sqlite:${conn.filename}`;
    // The child enqueues and commits, then dies at once (no worker runs there).
    const signal = await new Promise<string | null>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'crash-child.ts'), url, String(w.wsId)], { stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('exit', (_c, sig) => resolve(sig));
    });
    expect(signal).to.equal('SIGKILL');
    expect(await t.db('webhook_deliveries').where({ workspace_id: w.wsId, status: 'pending' })).to.have.length(1);
    expect((await runDeliveries(t.ctx)).delivered).to.equal(1);
    expect(rx.received.map((r) => r.payload.data.revoked_by)).to.deep.equal(['crash-child']);
  });

  it('two workers claiming at once send each delivery exactly once', async function () {
    const w = await creditWorld(t.db, { slug: 'race' });
    await endpoint(w.wsId, ['user.revoked']);
    const N = 40;
    for (let i = 0; i < N; i++) {
      await t.db.transaction((trx) => enqueueEvent(trx, w.wsId, 'user.revoked', { workspace: { id: w.wsId, slug: 'race' }, user: { id: i, email: `u${i}@race.test` }, revoked_by: null }));
    }
    // A second process: its own connection pool to the same database.
    const url = isMySqlRun() ? testDatabaseUrl() : `sqlite:${(t.db.client.config.connection as { filename: string }).filename}`;
    const other = createDb(url, { poolMax: 4 });
    try {
      const ctx2 = testContext(other, { WEBHOOK_ALLOW_PRIVATE: '1' });
      // Each "process" runs the delivery job as the scheduler would: on SQLite under the shared lease.
      // A slow receiver keeps both workers busy at the same time.
      rx.delayMs = 25;
      const [a, b] = await Promise.all([deliveryJob(t.ctx, { owner: 'worker-a', batch: 3 }), deliveryJob(ctx2, { owner: 'worker-b', batch: 3 })]);
      expect(a.delivered + b.delivered).to.equal(N);
      if (isMySqlRun()) expect(a.delivered > 0 && b.delivered > 0, `both workers sent (a=${a.delivered}, b=${b.delivered})`).to.equal(true);
    } finally {
      await other.destroy();
    }
    const ids = rx.received.map((r) => r.id);
    expect(ids).to.have.length(N);
    expect(new Set(ids).size).to.equal(N);
    expect(rx.received.every((r) => r.verified)).to.equal(true);
  });

  it('refuses loopback and private destinations unless allowed, and follows no redirect', async () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '224.0.0.1', '::1', 'fe80::1', '::ffff:127.0.0.1', '0.0.0.0']) expect(isPrivateAddress(a), a).to.equal(true);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) expect(isPrivateAddress(a), a).to.equal(false);
    const opts = { timeoutMs: 2000, allowPrivate: false };
    await postJson(rx.url, '{}', {}, opts).then(
      () => expect.fail('loopback IP must be refused'),
      (err) => expect(String(err.message)).to.match(/private or loopback/),
    );
    await postJson(rx.url.replace('127.0.0.1', 'localhost'), '{}', {}, opts).then(
      () => expect.fail('a name resolving to loopback must be refused'),
      (err) => expect(String(err.message)).to.match(/private or loopback/),
    );
    rx.script = [302];
    const r = await postJson(rx.url, '{}', {}, { ...opts, allowPrivate: true });
    expect(r.status).to.equal(302);
    expect(rx.received).to.have.length(0);
  });
});

describe('webhooks: OpenAPI document', () => {
  it('describes every event type under `webhooks` with its data schema and an example that matches it', async () => {
    const doc = openApiDocument() as unknown as { webhooks: Record<string, any> };
    expect(Object.keys(doc.webhooks).sort()).to.deep.equal([
      'access_request.created',
      'access_request.decided',
      'alert.fired',
      'credits.cap_reached',
      'credits.threshold_crossed',
      'limit.exceeded',
      'user.revoked',
    ]);
    expect(EVENT_TYPE_NAMES).to.have.length(7);
    for (const [type, op] of Object.entries(doc.webhooks)) {
      const media = op.post.requestBody.content['application/json'];
      expect(media.schema.properties.type.const).to.equal(type);
      const data = media.schema.properties.data;
      // Every required field of the data schema is in the example, and the example has no stray keys.
      expect(Object.keys(media.example.data)).to.include.members(data.required);
      expect(Object.keys(data.properties)).to.include.members(Object.keys(media.example.data));
      expect(op.post.parameters.map((p: { name: string }) => p.name)).to.deep.equal(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    }
  });
});

describe('webhooks: docs', () => {
  it('docs/alerts-webhooks.md shows every event type with the example payload the OpenAPI document carries', async () => {
    const fs = await import('node:fs');
    const md = fs.readFileSync(path.join(__dirname, '../../docs/alerts-webhooks.md'), 'utf8');
    const doc = openApiDocument() as unknown as { webhooks: Record<string, any> };
    for (const type of EVENT_TYPE_NAMES) {
      expect(md).to.include(`### \`${type}\``);
      const example = doc.webhooks[type].post.requestBody.content['application/json'].example;
      expect(md, type).to.include(JSON.stringify(example, null, 2));
    }
    expect(md).to.include("require('standardwebhooks')");
  });
});
