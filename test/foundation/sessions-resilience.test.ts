// Sessions: anonymous requests write none (a health probe or a 404 must not touch the database),
// and a session store that cannot reach its database reports errors to the request instead of
// rejecting into the void (which took the whole process down).
import { expect } from 'chai';
import request from 'supertest';
import knexFactory from 'knex';
import pino from 'pino';
import { createTestApp, csrfFrom, type TestApp } from '../helpers/app';
import { twoWorkspaces, PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { SafeSessionStore } from '../../src/http/session-store';

async function sessionRows(t: TestApp): Promise<number> {
  const r = await t.db('sessions').count({ n: '*' }).first();
  return Number(r?.n ?? 0);
}

describe('sessions: nothing kept for anonymous requests', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await twoWorkspaces(t.db);
  });
  after(closeAll);

  for (const path of ['/healthz', '/no-such-page', '/admin/no-such-page', '/static/css/missing.css', '/static/css/app.css', '/admin/usage', '/', '/me']) {
    it(`anonymous GET ${path} sets no cookie and stores no session`, async () => {
      const before = await sessionRows(t);
      const res = await request(t.app).get(path);
      expect(res.status).to.be.below(500);
      expect(res.headers['set-cookie'], `${path} set a cookie`).to.equal(undefined);
      expect(await sessionRows(t)).to.equal(before);
    });
  }

  it('an anonymous htmx request for a page and a 404 with an expired cookie store nothing', async () => {
    const before = await sessionRows(t);
    const res = await request(t.app).get('/admin/users').set('HX-Request', 'true').set('Cookie', 'uc.sid=s%3Anot-a-session.bogus');
    expect(res.status).to.equal(401);
    const nf = await request(t.app).get('/nothing-here').set('Cookie', 'uc.sid=s%3Anot-a-session.bogus');
    expect(nf.status).to.equal(404);
    expect(nf.headers['set-cookie']).to.equal(undefined);
    expect(await sessionRows(t)).to.equal(before);
  });

  it('the login form keeps a session (its CSRF token), and signing in works with it', async () => {
    const before = await sessionRows(t);
    const agent = request.agent(t.app);
    const page = await agent.get('/login').expect(200);
    expect(page.headers['set-cookie']?.[0]).to.match(/^uc\.sid=/);
    expect(await sessionRows(t)).to.equal(before + 1);
    const token = csrfFrom(page.text);
    expect(token).to.have.length.greaterThan(20);
    // A 404 seen in the same session shows the same token (it exists, so it is reused).
    const res = await agent.post('/login').type('form').send({ email: 'admin@alpha.test', password: PASSWORD, _csrf: token });
    expect(res.status).to.equal(303);
    const home = await agent.get('/admin/usage').expect(200);
    expect(csrfFrom(home.text)).to.have.length.greaterThan(20);
  });
});

describe('sessions: a store whose database is unreachable', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  // Mocha turns unhandled rejections into failures of whatever runs; count them here as well.
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => process.removeListener('unhandledRejection', onUnhandled));

  it('get, set, touch and destroy call back with the error (touch: without) and never reject', async () => {
    // Nothing listens on port 9 (discard) on loopback: connections are refused at once.
    const db = knexFactory({ client: 'mysql2', connection: { host: '127.0.0.1', port: 9, user: 'root', database: 'x', connectTimeout: 1000 }, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 2000, log: { warn() {}, error() {}, debug() {}, deprecate() {} } });
    const store = new SafeSessionStore({ knex: db, tableName: 'sessions', cleanupInterval: 0, logger: pino({ level: 'silent' }) });
    const session = { cookie: { maxAge: 1000, expires: new Date(Date.now() + 1000), originalMaxAge: 1000 } } as never;
    try {
      const getErr = await new Promise((resolve) => store.get('sid', (err) => resolve(err)));
      const setErr = await new Promise((resolve) => store.set('sid', session, (err) => resolve(err)));
      const touchErr = await new Promise((resolve) => store.touch('sid', session, () => resolve('called')));
      const destroyErr = await new Promise((resolve) => store.destroy('sid', (err) => resolve(err)));
      expect((getErr as { code?: string })?.code).to.equal('ECONNREFUSED');
      expect((setErr as { code?: string })?.code).to.equal('ECONNREFUSED');
      expect(touchErr).to.equal('called');
      expect((destroyErr as { code?: string })?.code).to.equal('ECONNREFUSED');
      await new Promise((r) => setTimeout(r, 100));
      expect(unhandled).to.deep.equal([]);
    } finally {
      await db.destroy();
    }
  });
});
