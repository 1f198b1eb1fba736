// Contract tests of the ingestion API v1 (docs/ingest.md): every endpoint and every error.
import { expect } from 'chai';
import request from 'supertest';
import crypto from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/app';
import { twoWorkspaces, createUser } from '../helpers/fixtures';
import { closeAll, isMySqlRun } from '../helpers/db';
import { count, daysAgoNoon, event, keyFor, post, put, sum } from './helpers';
import { createApiKey } from '../../src/apikeys/keys';

function expectErrorShape(res: request.Response, status: number, code?: string) {
  expect(res.status, res.text).to.equal(status);
  expect(res.headers['content-type']).to.match(/application\/json/);
  expect(res.body).to.have.property('error');
  expect(res.body.error).to.have.all.keys('code', 'message', 'details');
  expect(res.body.error.message).to.be.a('string').and.not.equal('');
  if (code) expect(res.body.error.code).to.equal(code);
}

describe('ingestion API v1', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof twoWorkspaces>>;
  let keyA: string;
  let keyA2: string;
  let keyB: string;

  before(async () => {
    t = await createTestApp();
    w = await twoWorkspaces(t.db);
    keyA = await keyFor(t.db, w.a.id, 'platform A');
    keyA2 = await keyFor(t.db, w.a.id, 'second key A');
    keyB = await keyFor(t.db, w.b.id, 'platform B');
    await createUser(t.db, w.b.id, { email: 'bob@beta.test' });
  });
  after(closeAll);

  describe('authentication', () => {
    it('401 JSON without a key, with a malformed key, an unknown key and a wrong secret', async () => {
      const body = { events: [] };
      expectErrorShape(await post(t.app, '/events', null, body), 401, 'unauthorized');
      const res = await request(t.app).post('/api/v1/events').set('Authorization', 'Basic abc').send(body);
      expectErrorShape(res, 401, 'unauthorized');
      expectErrorShape(await post(t.app, '/events', 'not-a-key', body), 401, 'unauthorized');
      expectErrorShape(await post(t.app, '/events', `uc_aaaaaaaaaaaa_${'A'.repeat(43)}`, body), 401, 'unauthorized');
      const wrongSecret = keyA.slice(0, 16) + (keyA[16] === 'A' ? 'B' : 'A') + keyA.slice(17);
      const r = await post(t.app, '/events', wrongSecret, body);
      expectErrorShape(r, 401, 'unauthorized');
      expect(r.headers['www-authenticate']).to.match(/^Bearer/);
    });

    it('stores only a sha256 of the key, never the key itself', async () => {
      const row = await t.db('api_keys').where({ prefix: keyA.slice(3, 15) }).first();
      expect(row.secret_hash).to.equal(crypto.createHash('sha256').update(keyA).digest('hex'));
      expect(JSON.stringify(row)).not.to.contain(keyA.slice(16));
    });

    it('stamps last_used_at when a key is used', async () => {
      const before = await t.db('api_keys').where({ prefix: keyA2.slice(3, 15) }).first();
      expect(before.last_used_at).to.equal(null);
      expect((await post(t.app, '/logins', keyA2, { logins: [] })).status).to.equal(200);
      const after = await t.db('api_keys').where({ prefix: keyA2.slice(3, 15) }).first();
      expect(after.last_used_at).to.be.a('string');
    });

    it('a revoked key is refused on the next request', async () => {
      const key = await keyFor(t.db, w.a.id, 'to revoke');
      expect((await post(t.app, '/logins', key, { logins: [] })).status).to.equal(200);
      await t.db('api_keys').where({ prefix: key.slice(3, 15) }).update({ revoked_at: '2026-01-01 00:00:00.000' });
      expectErrorShape(await post(t.app, '/logins', key, { logins: [] }), 401, 'unauthorized');
    });
  });

  describe('request errors', () => {
    it('415 for a body that is not JSON', async () => {
      const res = await request(t.app).post('/api/v1/events').set('Authorization', `Bearer ${keyA}`).set('Content-Type', 'text/plain').send('hello');
      expectErrorShape(res, 415, 'unsupported_media_type');
      const form = await request(t.app).post('/api/v1/events').set('Authorization', `Bearer ${keyA}`).type('form').send({ events: 'x' });
      expectErrorShape(form, 415, 'unsupported_media_type');
      const none = await request(t.app).put('/api/v1/users/x@alpha.test').set('Authorization', `Bearer ${keyA}`);
      expectErrorShape(none, 415, 'unsupported_media_type');
    });

    it('400 for malformed JSON', async () => {
      const res = await request(t.app).post('/api/v1/events').set('Authorization', `Bearer ${keyA}`).set('Content-Type', 'application/json').send('{"events": [');
      expectErrorShape(res, 400, 'malformed_json');
      const scalar = await request(t.app).post('/api/v1/events').set('Authorization', `Bearer ${keyA}`).set('Content-Type', 'application/json').send('42');
      expectErrorShape(scalar, 400, 'malformed_json');
    });

    it('413 for a body over the size limit', async () => {
      const huge = { events: [event('big', { prompt: 'x'.repeat(11 * 1024 * 1024) })] };
      expectErrorShape(await post(t.app, '/events', keyA, huge), 413, 'payload_too_large');
    });

    it('413 for more than 1000 items, and nothing is stored', async () => {
      const before = await count(t.db, 'interactions');
      const events = Array.from({ length: 1001 }, (_, i) => event(`over-${i}`));
      const res = await post(t.app, '/events', keyA, { events });
      expectErrorShape(res, 413, 'too_many_items');
      expect(res.body.error.details).to.deep.equal({ max: 1000, received: 1001 });
      expect(await count(t.db, 'interactions')).to.equal(before);
      const logins = Array.from({ length: 1001 }, () => ({ user: 'member@alpha.test', occurred_at: daysAgoNoon(1).iso }));
      expectErrorShape(await post(t.app, '/logins', keyA, { logins }), 413, 'too_many_items');
    });

    it('422 when the batch array is missing or not an array', async () => {
      expectErrorShape(await post(t.app, '/events', keyA, {}), 422, 'validation_failed');
      expectErrorShape(await post(t.app, '/events', keyA, { events: 'x' }), 422, 'validation_failed');
      expectErrorShape(await post(t.app, '/events', keyA, [1, 2]), 422, 'validation_failed');
      expectErrorShape(await post(t.app, '/logins', keyA, { logins: {} }), 422, 'validation_failed');
    });

    it('never a 500 for odd input: every item is rejected or stored, every body gets a 4xx', async () => {
      const odd: unknown[] = [
        null, [], 0, 'x', {}, { id: '' }, { id: 'x'.repeat(129) }, event('odd-1', { occurred_at: '2026-11-24T10:00:00+99:99' }),
        event('odd-2', { occurred_at: '2026-02-30T10:00:00Z' }), event('odd-3', { prompt_tokens: 1e300 }), event('odd-4', { prompt_tokens: '5' }),
        event('odd-5', { user: 'é@ü.test' }), event('odd-6', { iq_layers: 'knowledge' }), event('odd-7', { billable: 'yes' }), event('odd-8', { training: 'true' }),
        event('odd-9', { model: 'm'.repeat(65) }), event('odd-10', { surface: 's'.repeat(65) }), event('odd-11', { agent: '' }), event('odd-12', { ip: 'fe80::1%eth0' }),
        event('odd-13', { occurred_at: daysAgoNoon(6).iso, prompt_tokens: 1_000_000_000, completion_tokens: 1_000_000_000, prompt: '💥'.repeat(600) }),
      ];
      const res = await post(t.app, '/events', keyA, { events: odd });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.accepted + res.body.rejected.length).to.equal(odd.length);
      expect(res.body.accepted).to.equal(1); // odd-13: the largest token counts and a 600-emoji prompt are valid
      const big = await t.db('interactions').where({ workspace_id: w.a.id, client_event_id: 'odd-13' }).first();
      expect(Number(big.total_tokens)).to.equal(2_000_000_000);
      expect(Array.from(big.prompt_excerpt as string).length).to.equal(500);
      for (const body of ['null', '"events"', '{"events": null}', '{"events": [1', '{"logins": 5}', '\u0000']) {
        for (const path of ['/events', '/logins', '/credits/quote']) {
          const r = await request(t.app).post(`/api/v1${path}`).set('Authorization', `Bearer ${keyA}`).set('Content-Type', 'application/json').send(body);
          expect(r.status, `${path} ${body}: ${r.text}`).to.be.within(400, 499);
        }
      }
      for (const path of ['/users/%E0%A4%A', '/agents/%00', '/groups/' + 'g'.repeat(200)]) {
        const r = await put(t.app, path, keyA, { name: 'x', kind: 'public' });
        expect(r.status, `${path}: ${r.text}`).to.be.within(400, 499);
      }
    });

    it('404 JSON for an unknown endpoint', async () => {
      expectErrorShape(await post(t.app, '/nothing-here', keyA, {}), 404, 'not_found');
      expectErrorShape(await request(t.app).get('/api/v1/events').set('Authorization', `Bearer ${keyA}`), 404, 'not_found');
    });
  });

  describe('POST /api/v1/events', () => {
    it('stores valid events and upkeeps the rollups with hand-computed totals', async () => {
      const d3 = daysAgoNoon(3);
      const d2 = daysAgoNoon(2);
      const longPrompt = 'p'.repeat(800);
      const events = [
        event('ok-1', { occurred_at: d3.iso, prompt_tokens: 100, completion_tokens: 50, iq_layers: ['knowledge'], prompt: longPrompt, ip: '203.0.113.7' }),
        event('ok-2', { occurred_at: d3.iso.replace('Z', '+00:00').replace('12:00:00.000', '13:30:00.000'), prompt_tokens: 10, completion_tokens: 5, surface: 'spaceship' }),
        event('ok-3', { occurred_at: d2.iso, kind: 'embedding', prompt_tokens: 1000, completion_tokens: 0, training: true }),
      ];
      const res = await post(t.app, '/events', keyA, { events });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.deep.equal({ accepted: 3, duplicates: 0, rejected: [] });

      const member = w.memberA;
      // day d3: two inference events 150 + 15 tokens; day d2: one embedding event of 1000.
      const u3 = await t.db('rollup_daily_user').where({ workspace_id: w.a.id, user_id: member, day: d3.day, token_kind: 'inference' }).first();
      expect(Number(u3.interactions)).to.equal(2);
      expect(Number(u3.total_tokens)).to.equal(165);
      expect(Number(u3.iq_interactions)).to.equal(1);
      const u2 = await t.db('rollup_daily_user').where({ workspace_id: w.a.id, user_id: member, day: d2.day, token_kind: 'embedding' }).first();
      expect(Number(u2.total_tokens)).to.equal(1000);
      expect(await sum(t.db, 'rollup_daily', 'training_tokens', { workspace_id: w.a.id })).to.equal(1000);
      const other = await t.db('rollup_daily').where({ workspace_id: w.a.id, day: d3.day, surface: 'other' }).first();
      expect(Number(other.interactions)).to.equal(1);

      const stored = await t.db('interactions').where({ workspace_id: w.a.id, client_event_id: 'ok-1' }).first();
      expect(Array.from(stored.prompt_excerpt as string).length).to.equal(500);
      expect(stored.ip).to.equal('203.0.113.7');
      expect(stored.iq_layers).to.equal('knowledge');
      expect(stored.occurred_at).to.equal(d3.iso.replace('T', ' ').replace('Z', ''));
    });

    it('rejects invalid events one by one with index, id and a message naming the field, and stores the rest', async () => {
      const future = new Date(Date.now() + 10 * 60_000).toISOString();
      const nearFuture = new Date(Date.now() + 2 * 60_000).toISOString();
      const old = new Date(Date.now() - 400 * 86_400_000).toISOString();
      const events = [
        event('mix-0'),
        event('mix-1', { occurred_at: '2026-11-24 10:00:00' }),
        event('mix-2', { user: 'ghost@alpha.test' }),
        event('mix-3', { occurred_at: future }),
        event('mix-4', { occurred_at: old }),
        event('mix-5', { kind: 'vision' }),
        event('mix-6', { agent: 'no-such-agent' }),
        { user: 'member@alpha.test' },
        'not an object',
        event('mix-9', { prompt_tokens: -1, billable: { category: 'gold', units: 1 } }),
        event('mix-10', { occurred_at: nearFuture }),
        event('mix-11', { ip: '999.1.1.1' }),
      ];
      const res = await post(t.app, '/events', keyA, { events });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.accepted).to.equal(2);
      expect(res.body.duplicates).to.equal(0);
      const byIndex = Object.fromEntries(res.body.rejected.map((r: { index: number; id: string | null; error: string }) => [r.index, r]));
      expect(Object.keys(byIndex).map(Number)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 11]);
      expect(byIndex[1].id).to.equal('mix-1');
      expect(byIndex[1].error).to.match(/^occurred_at: not an ISO 8601 timestamp with offset/);
      expect(byIndex[2].error).to.equal('user: no user with email ghost@alpha.test in this workspace');
      expect(byIndex[3].error).to.match(/^occurred_at: more than 5 minutes in the future/);
      expect(byIndex[4].error).to.match(/^occurred_at: older than the rolling 12-month window/);
      expect(byIndex[5].error).to.equal('kind: must be one of inference, embedding');
      expect(byIndex[6].error).to.equal('agent: no agent with id no-such-agent in this workspace');
      expect(byIndex[7].id).to.equal(null);
      expect(byIndex[7].error).to.contain('id: is required');
      expect(byIndex[7].error).to.contain('occurred_at: is required');
      expect(byIndex[8].error).to.equal('event: must be an object');
      expect(byIndex[9].error).to.contain('prompt_tokens: must be 0 or more');
      expect(byIndex[9].error).to.contain('billable.category: must be one of grid, api, agents');
      expect(byIndex[11].error).to.match(/^ip: /);
      const ids = (await t.db('interactions').where({ workspace_id: w.a.id }).whereIn('client_event_id', events.map((e) => (e as { id?: string }).id ?? '').filter(Boolean)).pluck('client_event_id')).sort();
      expect(ids).to.deep.equal(['mix-0', 'mix-10']);
    });

    it('a repeated id counts once: in the batch, in a later batch, through another key of the workspace', async () => {
      const dayBefore = await sum(t.db, 'rollup_daily_user', 'total_tokens', { workspace_id: w.a.id });
      const events = [event('dup-1', { prompt_tokens: 7, completion_tokens: 3 }), event('dup-2', { prompt_tokens: 20, completion_tokens: 0 }), event('dup-1', { prompt_tokens: 999 })];
      const first = await post(t.app, '/events', keyA, { events });
      expect(first.body).to.deep.equal({ accepted: 2, duplicates: 1, rejected: [] });
      expect(await sum(t.db, 'rollup_daily_user', 'total_tokens', { workspace_id: w.a.id })).to.equal(dayBefore + 30);
      const again = await post(t.app, '/events', keyA, { events });
      expect(again.body).to.deep.equal({ accepted: 0, duplicates: 3, rejected: [] });
      const viaOtherKey = await post(t.app, '/events', keyA2, { events: events.slice(0, 2) });
      expect(viaOtherKey.body).to.deep.equal({ accepted: 0, duplicates: 2, rejected: [] });
      expect(await sum(t.db, 'rollup_daily_user', 'total_tokens', { workspace_id: w.a.id })).to.equal(dayBefore + 30);
      expect(await count(t.db, 'interactions', { workspace_id: w.a.id, client_event_id: 'dup-1' })).to.equal(1);
    });

    it('ids differing only in case never fail the batch (MySQL compares them case-insensitively)', async () => {
      const res = await post(t.app, '/events', keyA, { events: [event('Case-1'), event('case-1'), event('has space')] });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.rejected).to.deep.equal([{ index: 2, id: 'has space', error: 'id: must be printable ASCII without spaces' }]);
      if (isMySqlRun()) expect([res.body.accepted, res.body.duplicates]).to.deep.equal([1, 1]);
      else expect([res.body.accepted, res.body.duplicates]).to.deep.equal([2, 0]);
      const again = await post(t.app, '/events', keyA, { events: [event('CASE-1')] });
      expect(again.status).to.equal(200);
      expect(again.body.accepted + again.body.duplicates).to.equal(1);
    });

    it('unknown users are created as invited users when the workspace allows it', async () => {
      await t.db('workspaces').where({ id: w.a.id }).update({ auto_invite_unknown_users: true });
      try {
        const res = await post(t.app, '/events', keyA, { events: [event('invite-1', { user: 'New.Person@Alpha.test' })] });
        expect(res.body).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
        const u = await t.db('users').where({ workspace_id: w.a.id, email: 'new.person@alpha.test' }).first();
        expect(u.status).to.equal('invited');
      } finally {
        await t.db('workspaces').where({ id: w.a.id }).update({ auto_invite_unknown_users: false });
      }
    });

    it('charges billable events to the credit pool in the same write', async () => {
      const res = await post(t.app, '/events', keyA, { events: [event('bill-1', { billable: { category: 'api', units: 3 } })] });
      expect(res.body.accepted).to.equal(1);
      const row = await t.db('interactions').where({ workspace_id: w.a.id, client_event_id: 'bill-1' }).first();
      expect(row.credit_category).to.equal('api');
      expect(Number(row.credits_charged)).to.be.greaterThan(0);
      const ledger = await sum(t.db, 'credit_ledger', 'amount', { workspace_id: w.a.id, interaction_client_id: 'bill-1' });
      expect(ledger).to.equal(-Number(row.credits_charged));
    });
  });

  describe('POST /api/v1/logins', () => {
    it('stores logins, counts repeats once, rejects bad ones per item', async () => {
      const d1 = daysAgoNoon(1);
      const logins = [
        { user: 'member@alpha.test', occurred_at: d1.iso, ip: '198.51.100.4' },
        { user: 'member@alpha.test', occurred_at: d1.iso },
        { user: 'admin@alpha.test', occurred_at: 'yesterday' },
        { user: 'nobody@alpha.test', occurred_at: d1.iso },
      ];
      const res = await post(t.app, '/logins', keyA, { logins });
      expect(res.status).to.equal(200);
      expect(res.body.accepted).to.equal(1);
      expect(res.body.duplicates).to.equal(1);
      expect(res.body.rejected).to.deep.equal([
        { index: 2, id: null, error: 'occurred_at: not an ISO 8601 timestamp with offset (e.g. 2026-11-24T15:04:05Z)' },
        { index: 3, id: null, error: 'user: no user with email nobody@alpha.test in this workspace' },
      ]);
      const day = await t.db('login_days').where({ workspace_id: w.a.id, user_id: w.memberA, day: d1.day }).first();
      expect(Number(day.logins)).to.equal(1);
      const again = await post(t.app, '/logins', keyA, { logins: logins.slice(0, 1) });
      expect(again.body).to.deep.equal({ accepted: 0, duplicates: 1, rejected: [] });
    });
  });

  describe('PUT /api/v1/users/:email', () => {
    it('creates (201) then updates (200) a user, audits real changes only', async () => {
      const created = await put(t.app, '/users/Grace@Alpha.test', keyA, { name: 'Grace Hopper', department: 'Engineering', max_inference_tokens: 5000 });
      expect(created.status, created.text).to.equal(201);
      expect(created.body.created).to.equal(true);
      expect(created.body.user).to.include({ email: 'grace@alpha.test', name: 'Grace Hopper', role: 'member', status: 'invited', department: 'Engineering', max_inference_tokens: 5000 });
      const updated = await put(t.app, '/users/grace@alpha.test', keyA, { status: 'active' });
      expect(updated.status).to.equal(200);
      expect(updated.body.user.status).to.equal('active');
      expect(updated.body.user.joined_at).to.be.a('string');
      expect(updated.body.user.name).to.equal('Grace Hopper');
      const same = await put(t.app, '/users/grace@alpha.test', keyA, { status: 'active' });
      expect(same.status).to.equal(200);
      const audits = await t.db('audit_log').where({ workspace_id: w.a.id, target_type: 'user', target_id: 'grace@alpha.test' }).orderBy('id');
      expect(audits.map((a) => a.action)).to.deep.equal(['api.user.create', 'api.user.update']);
      expect(audits[0].actor_label).to.equal(`api-key:${keyA.slice(3, 15)}`);
      const revoked = await put(t.app, '/users/grace@alpha.test', keyA, { status: 'revoked' });
      expect(revoked.body.user.revoked_at).to.be.a('string');
    });

    it('422 naming the field for an invalid email or body', async () => {
      const bad = await put(t.app, '/users/not-an-email', keyA, { name: 'X' });
      expectErrorShape(bad, 422, 'validation_failed');
      expect(bad.body.error.message).to.equal('email: not an email address');
      const body = await put(t.app, '/users/ok@alpha.test', keyA, { role: 'owner', max_inference_tokens: 1.5 });
      expectErrorShape(body, 422, 'validation_failed');
      expect(body.body.error.message).to.contain('role: must be one of admin, member');
      expect(body.body.error.message).to.contain('max_inference_tokens: must be a whole number');
      expect(body.body.error.details).to.have.property('role');
      expect(await count(t.db, 'users', { workspace_id: w.a.id, email: 'ok@alpha.test' })).to.equal(0);
    });
  });

  describe('PUT /api/v1/agents/:id and events that use them', () => {
    it('upserts an agent; events then count against it', async () => {
      const res = await put(t.app, '/agents/seo-writer', keyA, { name: 'SEO Writer', kind: 'custom', type: 'seo', visibility: 'shared', creator: 'member@alpha.test' });
      expect(res.status, res.text).to.equal(201);
      expect(res.body.agent).to.include({ id: 'seo-writer', name: 'SEO Writer', kind: 'custom', creator: 'member@alpha.test' });
      const again = await put(t.app, '/agents/seo-writer', keyA, { name: 'SEO Writer v2', kind: 'custom' });
      expect(again.status).to.equal(200);
      expect(again.body.agent.name).to.equal('SEO Writer v2');
      const d = daysAgoNoon(4);
      const ev = await post(t.app, '/events', keyA, { events: [event('agent-1', { agent: 'seo-writer', occurred_at: d.iso, prompt_tokens: 40, completion_tokens: 2 }), event('agent-2', { agent: 'seo-writer', occurred_at: d.iso, prompt_tokens: 1, completion_tokens: 1 })] });
      expect(ev.body.accepted).to.equal(2);
      const agentId = (await t.db('agents').where({ workspace_id: w.a.id, external_id: 'seo-writer' }).first()).id;
      const r = await t.db('rollup_daily_agent').where({ workspace_id: w.a.id, agent_id: agentId, day: d.day }).first();
      expect(Number(r.interactions)).to.equal(2);
      expect(Number(r.total_tokens)).to.equal(44);
    });

    it('422 for a missing kind, a bad id or an unknown creator', async () => {
      const r1 = await put(t.app, '/agents/a1', keyA, { name: 'A' });
      expectErrorShape(r1, 422, 'validation_failed');
      expect(r1.body.error.message).to.equal('kind: is required');
      expectErrorShape(await put(t.app, `/agents/${encodeURIComponent('bad id!')}`, keyA, { name: 'A', kind: 'public' }), 422, 'validation_failed');
      const r3 = await put(t.app, '/agents/a1', keyA, { name: 'A', kind: 'public', creator: 'ghost@alpha.test' });
      expectErrorShape(r3, 422, 'validation_failed');
      expect(await count(t.db, 'agents', { workspace_id: w.a.id, external_id: 'a1' })).to.equal(0);
    });
  });

  describe('PUT /api/v1/groups/:id', () => {
    it('creates a group with members, then replaces the membership', async () => {
      const res = await put(t.app, '/groups/marketing', keyA, { name: 'Marketing', knowledge_applied: true, members: ['member@alpha.test', 'ADMIN@alpha.test'] });
      expect(res.status, res.text).to.equal(201);
      expect(res.body.group).to.deep.equal({ id: 'marketing', name: 'Marketing', status: 'active', knowledge_applied: true, brand_voice_applied: false, members: ['admin@alpha.test', 'member@alpha.test'] });
      const again = await put(t.app, '/groups/marketing', keyA, { name: 'Marketing', members: ['member@alpha.test'] });
      expect(again.status).to.equal(200);
      expect(again.body.group.members).to.deep.equal(['member@alpha.test']);
      expect(again.body.group.knowledge_applied).to.equal(true);
    });

    it('422 listing unknown members, and nothing changes', async () => {
      const res = await put(t.app, '/groups/marketing', keyA, { name: 'Renamed', members: ['member@alpha.test', 'ghost@alpha.test'] });
      expectErrorShape(res, 422, 'validation_failed');
      expect(res.body.error.details.unknown_members).to.deep.equal(['ghost@alpha.test']);
      const g = await t.db('groups').where({ workspace_id: w.a.id, external_id: 'marketing' }).first();
      expect(g.name).to.equal('Marketing');
      const bad = await put(t.app, '/groups/marketing', keyA, { name: 'M', members: ['not-an-email'] });
      expectErrorShape(bad, 422, 'validation_failed');
      expect(bad.body.error.message).to.equal('members.0: not an email address');
    });
  });

  describe('POST /api/v1/credits/quote', () => {
    it('answers {credits, allowed, reason}', async () => {
      const res = await post(t.app, '/credits/quote', keyA, { user: 'member@alpha.test', billable: { category: 'agents', units: 1 } });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.have.all.keys('credits', 'allowed', 'reason');
      expect(res.body.credits).to.be.a('number');
      expect(res.body.allowed).to.be.a('boolean');
    });

    it('422 for an unknown user or an invalid billable', async () => {
      const r1 = await post(t.app, '/credits/quote', keyA, { user: 'ghost@alpha.test', billable: { category: 'api', units: 1 } });
      expectErrorShape(r1, 422, 'validation_failed');
      expect(r1.body.error.message).to.equal('user: no user with email ghost@alpha.test in this workspace');
      const r2 = await post(t.app, '/credits/quote', keyA, { user: 'member@alpha.test', billable: { category: 'api', units: -2 } });
      expectErrorShape(r2, 422, 'validation_failed');
      expect(r2.body.error.message).to.equal('billable.units: must be 0 or more');
    });
  });

  describe('workspace isolation', () => {
    it("workspace B's key cannot write or see workspace A's users", async () => {
      const before = await count(t.db, 'interactions', { workspace_id: w.a.id });
      const res = await post(t.app, '/events', keyB, { events: [event('iso-1', { user: 'member@alpha.test' }), event('iso-2', { user: 'bob@beta.test' })] });
      expect(res.body.accepted).to.equal(1);
      expect(res.body.rejected).to.deep.equal([{ index: 0, id: 'iso-1', error: 'user: no user with email member@alpha.test in this workspace' }]);
      expect(await count(t.db, 'interactions', { workspace_id: w.a.id })).to.equal(before);
      expect(await count(t.db, 'interactions', { workspace_id: w.b.id, client_event_id: 'iso-2' })).to.equal(1);

      // A's event ids do not collide with B's: the same id is new in B.
      const same = await post(t.app, '/events', keyB, { events: [event('ok-1', { user: 'bob@beta.test' })] });
      expect(same.body.accepted).to.equal(1);

      // Upserting A's admin email through B's key creates a separate user in B; A's user is untouched.
      const put1 = await put(t.app, '/users/admin@alpha.test', keyB, { name: 'Impostor', role: 'admin' });
      expect(put1.status).to.equal(201);
      const a = await t.db('users').where({ workspace_id: w.a.id, email: 'admin@alpha.test' }).first();
      expect(a.name).to.equal('Alice Admin');
      const g = await put(t.app, '/groups/g1', keyB, { name: 'G', members: ['member@alpha.test'] });
      expectErrorShape(g, 422, 'validation_failed');
      const q = await post(t.app, '/credits/quote', keyB, { user: 'member@alpha.test', billable: { category: 'api', units: 1 } });
      expectErrorShape(q, 422, 'validation_failed');
      const ag = await post(t.app, '/events', keyB, { events: [event('iso-3', { user: 'bob@beta.test', agent: 'seo-writer' })] });
      expect(ag.body.rejected[0].error).to.equal('agent: no agent with id seo-writer in this workspace');
    });
  });

  describe('GET /api/v1/openapi.json', () => {
    it('serves an OpenAPI 3.1 document without a key, listing every endpoint with a curl example', async () => {
      const res = await request(t.app).get('/api/v1/openapi.json');
      expect(res.status).to.equal(200);
      expect(res.body.openapi).to.equal('3.1.0');
      const ops: string[] = [];
      for (const [p, methods] of Object.entries(res.body.paths as Record<string, Record<string, { 'x-codeSamples': { source: string }[] }>>)) {
        for (const [m, op] of Object.entries(methods)) {
          ops.push(`${m.toUpperCase()} ${p}`);
          expect(op['x-codeSamples'][0].source).to.match(/^curl /);
        }
      }
      expect(ops.sort()).to.deep.equal(['GET /usage', 'GET /users', 'GET /users/{id}/interactions', 'POST /authorize', 'POST /credits/quote', 'POST /events', 'POST /logins', 'PUT /agents/{id}', 'PUT /groups/{id}', 'PUT /users/{email}']);
      expect(res.body.components.schemas.Event.required).to.include.members(['id', 'user', 'occurred_at', 'kind']);
    });
  });
});

describe('ingestion API rate limit', () => {
  let t: TestApp;
  after(closeAll);

  it('429 with Retry-After beyond the per-key limit; other keys are not affected', async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MINUTE: '3' } });
    const w = await twoWorkspaces(t.db);
    const k1 = await keyFor(t.db, w.a.id);
    const k2 = await keyFor(t.db, w.a.id);
    for (let i = 0; i < 3; i++) expect((await post(t.app, '/logins', k1, { logins: [] })).status).to.equal(200);
    const limited = await post(t.app, '/logins', k1, { logins: [] });
    expectErrorShape(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).to.be.greaterThan(0);
    expect((await post(t.app, '/logins', k2, { logins: [] })).status).to.equal(200);
  });

  it('the authorize call counts apart, against a ceiling of its own: it neither uses up nor is held to the allowance of ingestion', async () => {
    const app = await createTestApp({ env: { API_RATE_LIMIT_PER_MINUTE: '2', API_AUTHORIZE_RATE_LIMIT_PER_MINUTE: '4' } });
    const w = await twoWorkspaces(app.db);
    const k = await keyFor(app.db, w.a.id);
    const ask = () => post(app.app, '/authorize', k, { user: 'member@alpha.test', tokens: { inference: 1 } });
    // four authorize calls: twice the general limit, all answered
    for (let i = 0; i < 4; i++) {
      const r = await ask();
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.decision).to.equal('allow');
    }
    const over = await ask();
    expectErrorShape(over, 429, 'rate_limited');
    expect(over.body.error.message).to.match(/authorize calls .* limit is 4 per minute/);
    expect(Number(over.headers['retry-after'])).to.be.greaterThan(0);
    // the key's ingestion allowance is untouched by them (2), and then used up
    for (let i = 0; i < 2; i++) expect((await post(app.app, '/logins', k, { logins: [] })).status).to.equal(200);
    expectErrorShape(await post(app.app, '/logins', k, { logins: [] }), 429, 'rate_limited');
    // a key that may not call it (read scope) is held to the general limit on its way to the 403
    const reader = (await createApiKey(app.db, w.a.id, 'reader', null, ['read'])).key;
    const asReader = () => post(app.app, '/authorize', reader, { user: 'member@alpha.test', tokens: { inference: 1 } });
    for (let i = 0; i < 2; i++) expectErrorShape(await asReader(), 403, 'insufficient_scope');
    const refused = await asReader();
    expectErrorShape(refused, 429, 'rate_limited');
    expect(refused.body.error.message).to.match(/Too many requests .* limit is 2 per minute/);
  });
});
