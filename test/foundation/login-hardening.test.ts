// Sign-in hardening: every failed sign-in costs one hash verification whatever the account (no
// timing oracle), the per-account guessing limit is no lockout switch for a client that signed in
// before (device cookie), and one e-mail identity rule on both engines (case folds, accents do not;
// control characters refused in identifiers).
import { expect } from 'chai';
import request from 'supertest';
import { createTestApp, csrfFrom, type TestApp } from '../helpers/app';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { passwordStats } from '../../src/auth/password';
import { DEVICE_COOKIE } from '../../src/auth/device-cookie';
import { keyFor, put } from '../ingest/helpers';

type Agent = ReturnType<typeof request.agent>;

async function attempt(agent: Agent, email: string, password: string) {
  const page = await agent.get('/login').expect(200);
  return agent.post('/login').type('form').send({ email, password, _csrf: csrfFrom(page.text) });
}

describe('sign-in hardening', () => {
  let t: TestApp;
  let wsId: number;
  before(async () => {
    t = await createTestApp();
    const ws = await createWorkspace(t.db, { slug: 'harden', billing_mode: 'credits' });
    wsId = ws.id;
    await createUser(t.db, wsId, { email: 'active@h.test', role: 'admin' });
    await createUser(t.db, wsId, { email: 'victim@h.test', role: 'admin' });
    await createUser(t.db, wsId, { email: 'invited@h.test', status: 'invited' });
    await createUser(t.db, wsId, { email: 'invited-nopw@h.test', status: 'invited', passwordHash: null });
    await createUser(t.db, wsId, { email: 'revoked@h.test', status: 'revoked' });
    await createUser(t.db, wsId, { email: 'nopassword@h.test', passwordHash: null });
  });
  beforeEach(() => t.db('rate_limit_hits').del());
  after(closeAll);

  describe('every failed sign-in costs the same work', () => {
    const cases: [string, string, string][] = [
      ['an unknown account', 'nobody@h.test', 'wrong-password'],
      ['an active account, wrong password', 'active@h.test', 'wrong-password'],
      ['an invited account (with a password set)', 'invited@h.test', PASSWORD],
      ['an invited account without a password', 'invited-nopw@h.test', PASSWORD],
      ['a revoked account, right password', 'revoked@h.test', PASSWORD],
      ['an active account without a password', 'nopassword@h.test', PASSWORD],
    ];
    for (const [label, email, password] of cases) {
      it(`${label}: one hash verification, the generic 401`, async () => {
        const agent = request.agent(t.app);
        const page = await agent.get('/login').expect(200);
        const before = passwordStats.verifications;
        const res = await agent.post('/login').type('form').send({ email, password, _csrf: csrfFrom(page.text) });
        expect(res.status).to.equal(401);
        expect(res.text).to.include('That email and password do not match an active account.');
        expect(passwordStats.verifications - before).to.equal(1);
      });
    }

    it('a successful sign-in is one verification too', async () => {
      const before = passwordStats.verifications;
      expect((await attempt(request.agent(t.app), 'active@h.test', PASSWORD)).status).to.equal(303);
      expect(passwordStats.verifications - before).to.equal(1);
    });
  });

  describe('device cookies: guessing cannot lock the owner out', () => {
    it('after 5 failures from unknown clients, unknown clients are refused but the owner\'s browser signs in', async () => {
      const owner = request.agent(t.app);
      const first = await attempt(owner, 'victim@h.test', PASSWORD);
      expect(first.status).to.equal(303);
      const device = (first.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${DEVICE_COOKIE}=`));
      expect(device, 'device cookie set at sign-in').to.match(/HttpOnly/i);
      expect(device).to.match(/Path=\/login/i);
      // The owner's browser later: signed out, the device cookie kept.
      const ownerLater = request.agent(t.app);
      ownerLater.jar.setCookie(device!.split(';')[0] + '; Path=/login', '127.0.0.1');

      // An attacker guesses from other clients: the account's counter reaches its limit.
      for (let i = 0; i < 5; i++) expect((await attempt(request.agent(t.app), 'victim@h.test', `guess-${i}`)).status).to.equal(401);
      expect((await attempt(request.agent(t.app), 'victim@h.test', PASSWORD)).status, 'unknown client, right password').to.equal(429);

      // A forged device cookie, or one naming another account, does not help.
      const forged = request.agent(t.app);
      forged.jar.setCookie(`${DEVICE_COOKIE}=${Buffer.from('victim@h.test').toString('base64url')}.abc.def; Path=/login`, '127.0.0.1');
      expect((await attempt(forged, 'victim@h.test', PASSWORD)).status).to.equal(429);
      const activeLogin = await attempt(request.agent(t.app), 'active@h.test', PASSWORD);
      const otherDevice = (activeLogin.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${DEVICE_COOKIE}=`))!;
      const other = request.agent(t.app);
      other.jar.setCookie(otherDevice.split(';')[0] + '; Path=/login', '127.0.0.1');
      expect((await attempt(other, 'victim@h.test', PASSWORD)).status, "another account's device cookie").to.equal(429);

      // The owner's browser (device cookie) still signs in, and even a wrong password there gets 401, not 429.
      expect((await attempt(ownerLater, 'victim@h.test', 'typo')).status).to.equal(401);
      expect((await attempt(ownerLater, 'victim@h.test', PASSWORD)).status).to.equal(303);
    });

    it('a device cookie has its own failure limit', async () => {
      const first = await attempt(request.agent(t.app), 'active@h.test', PASSWORD);
      expect(first.status).to.equal(303);
      const device = (first.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${DEVICE_COOKIE}=`))!;
      const owner = request.agent(t.app);
      owner.jar.setCookie(device.split(';')[0] + '; Path=/login', '127.0.0.1');
      for (let i = 0; i < 10; i++) expect((await attempt(owner, 'active@h.test', `guess-${i}`)).status, `guess ${i + 1}`).to.equal(401);
      expect((await attempt(owner, 'active@h.test', PASSWORD)).status).to.equal(429);
    });
  });

  describe('e-mail identity: one rule on both engines', () => {
    it('addresses differing in accents are two users; in letter case, one', async () => {
      const umlaut = await createUser(t.db, wsId, { email: 'accent-ümlaut@x.test' });
      const plain = await createUser(t.db, wsId, { email: 'accent-umlaut@x.test' });
      expect(umlaut).to.not.equal(plain);
      const upper = await createUser(t.db, wsId, { email: 'ACCENT-ÜMLAUT@X.TEST' });
      expect(upper).to.equal(umlaut);
      const rows = await t.db('users').where({ workspace_id: wsId }).whereIn('email', ['accent-ümlaut@x.test', 'accent-umlaut@x.test']).orderBy('id');
      expect(rows.map((r: { email: string }) => r.email)).to.deep.equal(['accent-ümlaut@x.test', 'accent-umlaut@x.test']);
      // Signing in: the accented address matches its own account only (case-insensitively).
      expect((await attempt(request.agent(t.app), 'Accent-Ümlaut@X.test', PASSWORD)).status).to.equal(303);
      await t.db('users').where({ id: plain }).update({ status: 'revoked' });
      expect((await attempt(request.agent(t.app), 'accent-ümlaut@x.test', PASSWORD)).status).to.equal(303);
      expect((await attempt(request.agent(t.app), 'accent-umlaut@x.test', PASSWORD)).status).to.equal(401);
    });

    it('searches still find e-mails whatever the letter case typed (users list, credits people)', async () => {
      const admin = request.agent(t.app);
      expect((await attempt(admin, 'active@h.test', PASSWORD)).status).to.equal(303);
      const users = await admin.get('/admin/users?q=NOPASSWORD%40H').expect(200);
      // Only the e-mail can match ('@h' is not in the name); the list breaks the address for wrapping.
      expect(users.text).to.include('1 user matches these filters');
      expect(users.text).to.match(/nopassword(<[^>]+>)*@h\.test/);
      const people = await admin.get('/admin/credits/people?q=NoPassword%40H').expect(200);
      expect(people.text).to.include('nopassword@h.test');
    });

    it('agent and group ids differing only in case are different records', async () => {
      const key = await keyFor(t.db, wsId);
      for (const id of ['cafe', 'CAFE']) {
        const res = await put(t.app, `/agents/${id}`, key, { name: `Agent ${id}`, kind: 'custom' });
        expect(res.status, `${id}: ${res.text}`).to.equal(201);
      }
      const res1 = await put(t.app, '/groups/team-a', key, { name: 'A' });
      const res2 = await put(t.app, '/groups/TEAM-A', key, { name: 'B' });
      expect(res1.status).to.equal(201);
      expect(res2.status).to.equal(201);
      expect(await t.db('groups').where({ workspace_id: wsId }).whereIn('external_id', ['team-a', 'TEAM-A']).count({ n: '*' }).first()).to.deep.include({ n: 2 });
    });

    it('control characters are refused in e-mails, names and ids (API and forms)', async () => {
      const key = await keyFor(t.db, wsId, 'ctl key');
      const nul = await put(t.app, `/users/${encodeURIComponent('a\u0000b@x.io')}`, key, { name: 'Nul' });
      expect(nul.status).to.be.oneOf([400, 404, 422]);
      const named = await put(t.app, '/users/ok@x.io', key, { name: 'Bell\u0007' });
      expect(named.status).to.equal(422);
      expect(named.text).to.include('control characters');
      const members = await put(t.app, '/groups/g-ctl', key, { name: 'G', members: ['x\u001b@x.io'] });
      expect(members.status).to.equal(422);
      const agentName = await put(t.app, '/agents/a-ctl', key, { name: 'Right\u202eleft', kind: 'custom' });
      expect(agentName.status).to.equal(422);
      const events = await t.app && (await request(t.app).post('/api/v1/events').set('Authorization', `Bearer ${key}`).send({ events: [{ id: 'e1', user: 'a\u0000b@x.io', occurred_at: new Date().toISOString(), kind: 'inference', prompt_tokens: 1, completion_tokens: 1 }] }));
      expect(events.status).to.be.below(500);
      expect(JSON.stringify(events.body)).to.include('control characters');
      expect(await t.db('users').where('email', 'like', 'a%b@x.io').count({ n: '*' }).first()).to.deep.include({ n: 0 });

      // The invite form.
      const admin = request.agent(t.app);
      expect((await attempt(admin, 'active@h.test', PASSWORD)).status).to.equal(303);
      const csrf = csrfFrom((await admin.get('/admin/users/new')).text);
      for (const body of [{ email: 'a\u0000b@x.io', name: 'Nul' }, { email: 'fine@x.io', name: 'Tab\tName' }]) {
        const res = await admin.post('/admin/users').type('form').send({ ...body, role: 'member', max_inference_tokens: '0', max_embedding_tokens: '0', _csrf: csrf });
        expect(res.status, JSON.stringify(body)).to.equal(422);
        expect(res.text).to.include('control characters');
      }
      expect(await t.db('users').where({ email: 'fine@x.io' }).count({ n: '*' }).first()).to.deep.include({ n: 0 });
    });
  });
});
