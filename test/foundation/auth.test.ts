// Login, logout, sessions, CSRF, rate limits and the same-site next= redirect.
import { expect } from 'chai';
import request from 'supertest';
import type { Knex } from 'knex';
import { createTestApp, csrfFrom, loginAs, type TestApp } from '../helpers/app';
import { closeAll, freshDb } from '../helpers/db';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';

const GENERIC = 'That email and password do not match an active account.';

function sidOf(setCookie: string[] | string | undefined): string | null {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = list.find((x) => x.startsWith('uc.sid='));
  if (!c) return null;
  const v = decodeURIComponent(c.split(';')[0].slice('uc.sid='.length));
  return v.startsWith('s:') ? v.slice(2).split('.')[0] : v;
}

async function loginPage(agent: ReturnType<typeof request.agent>, path = '/login') {
  const page = await agent.get(path).expect(200);
  return { csrf: csrfFrom(page.text), sid: sidOf(page.headers['set-cookie']), html: page.text };
}

describe('foundation: authentication', function () {
  this.timeout(60_000);
  let db: Knex;
  let t: TestApp;

  before(async () => {
    db = await freshDb();
    const ws = await createWorkspace(db, { slug: 'auth', name: 'Auth Co' });
    await createUser(db, ws.id, { email: 'admin@auth.test', role: 'admin' });
    await createUser(db, ws.id, { email: 'member@auth.test', role: 'member' });
    await createUser(db, ws.id, { email: 'gone@auth.test', status: 'revoked', revokedAt: new Date('2026-01-01T00:00:00Z') });
    await createUser(db, ws.id, { email: 'new@auth.test', status: 'invited', joinedAt: null });
    for (let i = 0; i < 25; i++) await createUser(db, ws.id, { email: `p${i}@auth.test` });
    t = await createTestApp({ db });
  });
  after(closeAll);

  async function attempt(app: TestApp['app'], email: string, password: string) {
    const agent = request.agent(app);
    const { csrf } = await loginPage(agent);
    return agent.post('/login').type('form').send({ email, password, _csrf: csrf });
  }

  it('the right password signs in and lands admins on /admin/usage', async () => {
    const res = await attempt(t.app, 'admin@auth.test', PASSWORD);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal('/');
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('uc.sid='))!;
    expect(cookie).to.match(/HttpOnly/i);
    expect(cookie).to.match(/SameSite=Lax/i);
    expect(cookie).to.not.match(/;\s*Secure/i); // plain http in development/test
  });

  it('email is matched case-insensitively', async () => {
    const res = await attempt(t.app, '  Admin@Auth.TEST ', PASSWORD);
    expect(res.status).to.equal(303);
  });

  it('a wrong password gets 401 and the generic message, keeping the email', async () => {
    const res = await attempt(t.app, 'member@auth.test', 'wrong-password');
    expect(res.status).to.equal(401);
    expect(res.text).to.include(GENERIC);
    expect(res.text).to.include('value="member@auth.test"');
  });

  it('an unknown email gets exactly the same answer (no user enumeration)', async () => {
    const res = await attempt(t.app, 'nobody@auth.test', 'wrong-password');
    expect(res.status).to.equal(401);
    expect(res.text).to.include(GENERIC);
  });

  it('revoked and invited-not-joined users cannot sign in, even with the right password', async () => {
    for (const email of ['gone@auth.test', 'new@auth.test']) {
      const res = await attempt(t.app, email, PASSWORD);
      expect(res.status, email).to.equal(401);
      expect(res.text).to.include(GENERIC);
    }
  });

  it('a revoked user is signed out at the next request', async () => {
    const ws2 = await createWorkspace(db, { slug: 'auth2' });
    const id = await createUser(db, ws2.id, { email: 'soon-gone@auth.test', role: 'admin' });
    const agent = await loginAs(t.app, 'soon-gone@auth.test', PASSWORD);
    await db('users').where({ id }).update({ status: 'revoked' });
    const res = await agent.get('/admin/users');
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.match(/^\/login/);
  });

  it("revoking through User Management ends the user's open session at their next request (pages and htmx)", async () => {
    const ws3 = await createWorkspace(db, { slug: 'auth3' });
    await createUser(db, ws3.id, { email: 'boss@auth3.test', role: 'admin' });
    const victim = await createUser(db, ws3.id, { email: 'leaver@auth3.test', role: 'member' });
    const boss = await loginAs(t.app, 'boss@auth3.test', PASSWORD);
    const leaver = await loginAs(t.app, 'leaver@auth3.test', PASSWORD);
    expect((await leaver.get('/me')).status).to.equal(200);
    const revoke = await boss.post(`/admin/users/${victim}/revoke`).type('form').send({ _csrf: boss.csrf });
    expect(revoke.status).to.equal(303);
    expect((await db('users').where({ id: victim }).first()).status).to.equal('revoked');
    const page = await leaver.get('/me');
    expect(page.status).to.equal(303);
    expect(page.headers.location).to.match(/^\/login/);
    expect((await leaver.get('/me').set('HX-Request', 'true')).status).to.equal(401);
    // and a form post with the old token does nothing either
    const post = await leaver.post('/me/credit-access-request').type('form').send({ note: 'still here?', _csrf: leaver.csrf });
    expect(post.status).to.be.oneOf([303, 403]);
    expect(await db('credit_access_requests').where({ user_id: victim }).first()).to.equal(undefined);
  });

  it('a demoted admin loses the admin pages at the next request', async () => {
    const ws4 = await createWorkspace(db, { slug: 'auth4' });
    await createUser(db, ws4.id, { email: 'first@auth4.test', role: 'admin' });
    const second = await createUser(db, ws4.id, { email: 'second@auth4.test', role: 'admin' });
    const first = await loginAs(t.app, 'first@auth4.test', PASSWORD);
    const other = await loginAs(t.app, 'second@auth4.test', PASSWORD);
    expect((await other.get('/admin/users')).status).to.equal(200);
    const demote = await first.post(`/admin/users/${second}/role`).type('form').send({ role: 'member', _csrf: first.csrf });
    expect(demote.status).to.equal(303);
    expect((await other.get('/admin/users')).status).to.equal(403);
    expect((await other.get('/me')).status).to.equal(200);
  });

  it('missing fields re-render the form with messages next to the fields (400)', async () => {
    const agent = request.agent(t.app);
    const { csrf } = await loginPage(agent);
    const res = await agent.post('/login').type('form').send({ email: 'not-an-email', password: '', _csrf: csrf });
    expect(res.status).to.equal(400);
    expect(res.text).to.include('id="email-error"');
    expect(res.text).to.include('id="password-error"');
  });

  it('a POST without the CSRF token is refused with 403', async () => {
    const agent = request.agent(t.app);
    await loginPage(agent);
    const res = await agent.post('/login').type('form').send({ email: 'admin@auth.test', password: PASSWORD });
    expect(res.status).to.equal(403);
    const bad = await agent.post('/login').type('form').send({ email: 'admin@auth.test', password: PASSWORD, _csrf: 'forged' });
    expect(bad.status).to.equal(403);
    // signed in: logout without a token is refused too, and the session survives
    const signed = await loginAs(t.app, 'admin@auth.test', PASSWORD);
    const out = await signed.post('/logout').type('form').send({});
    expect(out.status).to.equal(403);
    expect((await signed.get('/admin/data-dictionary')).status).to.not.equal(303);
  });

  it('the session id changes at login (no fixation)', async () => {
    const agent = request.agent(t.app);
    const before = await loginPage(agent);
    expect(before.sid, 'GET /login starts a session for the CSRF token').to.be.a('string');
    const res = await agent.post('/login').type('form').send({ email: 'admin@auth.test', password: PASSWORD, _csrf: before.csrf });
    expect(res.status).to.equal(303);
    const after = sidOf(res.headers['set-cookie']);
    expect(after).to.be.a('string');
    expect(after).to.not.equal(before.sid);
    // the pre-login session is gone from the store
    expect(await db('sessions').where({ sid: before.sid }).first()).to.equal(undefined);
    expect(await db('sessions').where({ sid: after }).first()).to.not.equal(undefined);
  });

  it('logout destroys the session: the old cookie no longer works', async () => {
    const agent = request.agent(t.app);
    const { csrf } = await loginPage(agent);
    const res = await agent.post('/login').type('form').send({ email: 'admin@auth.test', password: PASSWORD, _csrf: csrf });
    const sid = sidOf(res.headers['set-cookie'])!;
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('uc.sid='))!.split(';')[0];
    const home = await agent.get('/admin/data-dictionary');
    const token = csrfFrom(home.text);
    const out = await agent.post('/logout').type('form').send({ _csrf: token });
    expect(out.status).to.equal(303);
    expect(out.headers.location).to.equal('/login');
    expect(await db('sessions').where({ sid }).first()).to.equal(undefined);
    // replaying the old cookie: anonymous again
    const replay = await request(t.app).get('/admin/data-dictionary').set('Cookie', cookie);
    expect(replay.status).to.equal(303);
    expect(replay.headers.location).to.match(/^\/login\?next=/);
  });

  it('an expired sign-in form is shown again with a fresh token and a plain message, without signing in', async () => {
    const agent = request.agent(t.app);
    const res = await agent.post('/login').type('form').send({ email: 'admin@auth.test', password: PASSWORD, next: '/admin/users', _csrf: 'from-a-dead-session' });
    expect(res.status).to.equal(403);
    expect(res.text).to.include('The sign-in form had expired');
    expect(res.text).to.include('value="admin@auth.test"');
    expect(res.text).to.include('name="next" value="/admin/users"');
    expect((await agent.get('/admin/users')).status).to.equal(303); // not signed in
    const retry = await agent.post('/login').type('form').send({ email: 'admin@auth.test', password: PASSWORD, next: '/admin/users', _csrf: csrfFrom(res.text) });
    expect(retry.status).to.equal(303);
    expect(retry.headers.location).to.equal('/admin/users');
  });

  it('Sign out from a session that already ended goes to the login page, not a CSRF error', async () => {
    const tab1 = await loginAs(t.app, 'admin@auth.test', PASSWORD);
    const stale = tab1.csrf;
    // the session ends elsewhere (another tab signed out)
    await tab1.post('/logout').type('form').send({ _csrf: stale }).expect(303);
    const res = await tab1.post('/logout').type('form').send({ _csrf: stale });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal('/login');
    // a signed-in user still needs the token
    const live = await loginAs(t.app, 'admin@auth.test', PASSWORD);
    expect((await live.post('/logout').type('form').send({ _csrf: 'forged' })).status).to.equal(403);
  });

  describe('next= after login', () => {
    const cases: [string, string][] = [
      ['/admin/users?status=active', '/admin/users?status=active'],
      ['//evil.example/x', '/'],
      ['https://evil.example/', '/'],
      ['/\\evil.example', '/'],
      ['javascript:alert(1)', '/'],
    ];
    for (const [next, expected] of cases) {
      it(`next=${next} -> ${expected}`, async () => {
        const agent = request.agent(t.app);
        const page = await agent.get(`/login?next=${encodeURIComponent(next)}`).expect(200);
        const res = await agent.post('/login').type('form').send({ email: 'admin@auth.test', password: PASSWORD, next, _csrf: csrfFrom(page.text) });
        expect(res.status).to.equal(303);
        expect(res.headers.location).to.equal(expected);
      });
    }

    it('an anonymous visit to an admin page comes back there after login', async () => {
      const agent = request.agent(t.app);
      const first = await agent.get('/admin/data-dictionary');
      expect(first.status).to.equal(303);
      const loc = first.headers.location;
      expect(loc).to.equal('/login?next=%2Fadmin%2Fdata-dictionary');
      const page = await agent.get(loc).expect(200);
      expect(page.text).to.include('name="next" value="/admin/data-dictionary"');
      const res = await agent.post('/login').type('form').send({ email: 'admin@auth.test', password: PASSWORD, next: '/admin/data-dictionary', _csrf: csrfFrom(page.text) });
      expect(res.headers.location).to.equal('/admin/data-dictionary');
    });
  });

  describe('rate limits (failed attempts only)', () => {
    // The counters live in the database (shared by every process): each case starts a fresh window.
    beforeEach(() => db('rate_limit_hits').del());
    it('per account: the 6th failure in 15 minutes is refused with 429, even with the right password', async () => {
      const fresh = await createTestApp({ db });
      for (let i = 0; i < 5; i++) expect((await attempt(fresh.app, 'p1@auth.test', 'nope')).status, `attempt ${i + 1}`).to.equal(401);
      const blocked = await attempt(fresh.app, 'p1@auth.test', PASSWORD);
      expect(blocked.status).to.equal(429);
      expect(blocked.text).to.include('Too many failed sign-in attempts');
      // other accounts from the same address are not locked out by it
      expect((await attempt(fresh.app, 'p2@auth.test', PASSWORD)).status).to.equal(303);
    });

    it('successful sign-ins do not count', async () => {
      const fresh = await createTestApp({ db });
      for (let i = 0; i < 7; i++) expect((await attempt(fresh.app, 'p3@auth.test', PASSWORD)).status).to.equal(303);
    });

    it('per IP: 20 failures over different accounts, then 429', async () => {
      const fresh = await createTestApp({ db });
      for (let i = 0; i < 20; i++) expect((await attempt(fresh.app, `p${i + 4}@auth.test`, 'nope')).status, `attempt ${i + 1}`).to.equal(401);
      const blocked = await attempt(fresh.app, 'member@auth.test', PASSWORD);
      expect(blocked.status).to.equal(429);
    });
  });

  it('in production the session cookie is Secure behind an https proxy', async () => {
    const prod = await createTestApp({ db, env: { NODE_ENV: 'production', TRUST_PROXY: '1' } });
    // supertest's cookie jar will not send a Secure cookie over plain http, so carry it by hand.
    const page = await request(prod.app).get('/login').set('X-Forwarded-Proto', 'https').expect(200);
    const first = (page.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('uc.sid='))!;
    expect(first).to.match(/;\s*Secure/i);
    const res = await request(prod.app).post('/login').set('X-Forwarded-Proto', 'https').set('Cookie', first.split(';')[0]).type('form').send({ email: 'admin@auth.test', password: PASSWORD, _csrf: csrfFrom(page.text) });
    expect(res.status).to.equal(303);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('uc.sid='))!;
    expect(cookie).to.match(/;\s*Secure/i);
    expect(cookie).to.match(/HttpOnly/i);
  });
});
