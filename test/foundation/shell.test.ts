// Health check, error pages, configuration validation and start-up failure messages.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import type { Knex } from 'knex';
import { createApp } from '../../src/app';
import { ConfigError, loadConfig } from '../../src/config';
import { createDb } from '../../src/db/knex';
import { errorHandler, HttpError } from '../../src/http/errors';
import { createTestApp, loginAs, testContext, type TestApp } from '../helpers/app';
import { closeAll, freshDb, testDatabaseUrl } from '../helpers/db';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';

const ROOT = path.resolve(__dirname, '../..');

describe('foundation: shell, health and errors', function () {
  this.timeout(60_000);
  let db: Knex;
  let t: TestApp;

  before(async () => {
    db = await freshDb();
    const ws = await createWorkspace(db, { slug: 'shell', name: 'Shell & Co <b>' });
    await createUser(db, ws.id, { email: 'admin@shell.test', role: 'admin', name: 'Sam <Admin>' });
    await createUser(db, ws.id, { email: 'member@shell.test', role: 'member' });
    t = await createTestApp({ db });
  });
  after(closeAll);

  describe('/healthz', () => {
    it('200 with JSON when the database answers', async () => {
      const res = await request(t.app).get('/healthz').expect(200);
      expect(res.type).to.equal('application/json');
      expect(res.body.status).to.equal('ok');
      expect(res.body.database.reachable).to.equal(true);
      expect(res.body.database.latency_ms).to.be.a('number');
    });

    it('503 with JSON when the database is down', async () => {
      // A connection pool that has been shut down: every query fails like a dead server.
      const dead = createDb(testDatabaseUrl() === 'sqlite:' ? 'sqlite::memory:' : testDatabaseUrl(), { poolMax: 1 });
      await dead.destroy();
      const app = createApp(testContext(dead));
      const res = await request(app).get('/healthz').expect(503);
      expect(res.body).to.deep.include({ status: 'unavailable' });
      expect(res.body.database.reachable).to.equal(false);
      expect(JSON.stringify(res.body)).to.not.match(/pool|destroy|knex/i); // no internals
    });

    it('503 when the MySQL server cannot be reached at all', async () => {
      const unreachable = createDb('mysql://root@127.0.0.1:9/none', { poolMax: 1 });
      try {
        const app = createApp(testContext(unreachable));
        const res = await request(app).get('/healthz').expect(503);
        expect(res.body.database.reachable).to.equal(false);
      } finally {
        await unreachable.destroy();
      }
    });
  });

  describe('404', () => {
    it('an unknown page renders the 404 page in the layout', async () => {
      const res = await request(t.app).get('/no/such/page').expect(404);
      expect(res.type).to.equal('text/html');
      expect(res.text).to.include('Page not found');
      expect(res.text).to.include('<!doctype html>');
    });

    it('signed in, the 404 page keeps the navigation', async () => {
      const agent = await loginAs(t.app, 'admin@shell.test', PASSWORD);
      const res = await agent.get('/admin/nothing-here').expect(404);
      expect(res.text).to.include('class="sidenav"');
      expect(res.text).to.include('Page not found');
    });

    it('an htmx request gets a fragment, not a whole page', async () => {
      const res = await request(t.app).get('/no/such/page').set('HX-Request', 'true').expect(404);
      expect(res.text).to.not.include('<html');
      expect(res.text).to.include('role="alert"');
    });

    it('an htmx call after the session ended offers to sign in and come back to the same page', async () => {
      const res = await request(t.app)
        .get('/admin/credits/people?q=a')
        .set('HX-Request', 'true')
        .set('Host', 'console.test')
        .set('HX-Current-URL', 'http://console.test/admin/credits?access=blocked');
      expect(res.status).to.equal(401);
      expect(res.text).to.not.include('<html');
      expect(res.text).to.include(`href="/login?next=${encodeURIComponent('/admin/credits?access=blocked')}"`.replace(/&/g, '&amp;'));
    });

    it('the sign-in link of an htmx 401 never points off-site', async () => {
      for (const from of ['https://evil.example/admin', 'http://console.test//evil.example/x', 'http://console.test/\\evil.example', '']) {
        const res = await request(t.app).get('/admin/users').set('HX-Request', 'true').set('HX-Current-URL', from).set('Host', 'console.test');
        expect(res.status).to.equal(401);
        expect(res.text, from).to.include('href="/login?next=%2F"');
      }
    });

    it('an htmx form post with an expired token offers to reload the page', async () => {
      const agent = await loginAs(t.app, 'admin@shell.test', PASSWORD);
      const res = await agent.post('/admin/notifications/read-all').set('HX-Request', 'true').set('Host', 'console.test').set('HX-Current-URL', 'http://console.test/admin/notifications').set('X-CSRF-Token', 'expired');
      expect(res.status).to.equal(403);
      expect(res.text).to.include('Reload the page and try again');
      expect(res.text).to.include('href="/admin/notifications"');
    });

    it('the API answers with the JSON error shape', async () => {
      const res = await request(t.app).get('/api/v1/nothing').set('Authorization', 'Bearer nope');
      expect(res.status).to.be.oneOf([401, 404]);
      expect(res.body.error).to.have.keys(['code', 'message', 'details']);
    });
  });

  describe('403 for members on admin pages', () => {
    it('renders the 403 page', async () => {
      const agent = await loginAs(t.app, 'member@shell.test', PASSWORD);
      const res = await agent.get('/admin/data-dictionary').expect(403);
      expect(res.text).to.include('Not allowed');
      expect(res.text).to.not.include('class="sidenav"'); // members have no admin navigation
    });
  });

  describe('500', () => {
    function throwingApp(env: Record<string, string>) {
      // The real error handler and views behind a route that fails.
      const ctx = testContext(db, env);
      const app = express();
      app.set('views', path.join(ROOT, 'views'));
      app.set('view engine', 'ejs');
      app.get('/boom', () => {
        throw new Error('secret internal detail');
      });
      app.get('/api/boom', () => {
        throw new Error('secret internal detail');
      });
      app.get('/teapot', () => {
        throw new HttpError(409, 'That changed while you were editing it.');
      });
      app.use(errorHandler(ctx));
      return app;
    }

    for (const env of ['production', 'test']) {
      it(`no stack trace or internal message when NODE_ENV=${env}`, async () => {
        const res = await request(throwingApp({ NODE_ENV: env })).get('/boom').expect(500);
        expect(res.text).to.include('Something went wrong');
        expect(res.text).to.not.include('secret internal detail');
        expect(res.text).to.not.match(/at [\w.<>]+ \(/); // stack frames
        expect(res.text).to.not.include('class="stack"');
      });
    }

    it('the stack is shown in development only', async () => {
      const res = await request(throwingApp({ NODE_ENV: 'development' })).get('/boom').expect(500);
      expect(res.text).to.include('class="stack"');
      expect(res.text).to.include('secret internal detail');
    });

    it('API errors are JSON without internals', async () => {
      const res = await request(throwingApp({ NODE_ENV: 'production' })).get('/api/boom').expect(500);
      expect(res.body.error.code).to.equal('internal_error');
      expect(JSON.stringify(res.body)).to.not.include('secret');
    });

    it('an HttpError keeps its status and message', async () => {
      const res = await request(throwingApp({ NODE_ENV: 'production' })).get('/teapot').expect(409);
      expect(res.text).to.include('That changed while you were editing it.');
    });
  });

  describe('layout', () => {
    it('pages are never cached (Back after sign-out shows nothing), and caches key on HX-Request', async () => {
      const agent = await loginAs(t.app, 'admin@shell.test', PASSWORD);
      for (const p of ['/admin/users', '/admin/notifications', '/me']) {
        const res = await agent.get(p).expect(200);
        expect(res.headers['cache-control'], p).to.equal('no-store');
        expect(res.headers.vary, p).to.match(/HX-Request/i);
      }
      const login = await request(t.app).get('/login').expect(200);
      expect(login.headers['cache-control']).to.equal('no-store'); // it carries a CSRF token
      // static files stay cacheable
      expect((await request(t.app).get('/static/css/app.css').expect(200)).headers['cache-control']).to.not.include('no-store');
    });

    it('header badges are queried for pages, not for htmx fragments', async () => {
      const agent = await loginAs(t.app, 'admin@shell.test', PASSWORD);
      const seen: string[] = [];
      const listen = (q: { sql: string }) => seen.push(q.sql);
      db.on('query', listen);
      try {
        await agent.get('/admin/notifications').expect(200);
        const page = seen.filter((s) => /notifications/.test(s)).length;
        seen.length = 0;
        const frag = await agent.get('/admin/notifications').set('HX-Request', 'true').expect(200);
        expect(frag.text).to.not.include('<header');
        // the page counts unread notifications for the bell and lists them; the fragment only lists them
        expect(seen.filter((s) => /notifications/.test(s)).length).to.equal(page - 1);
        seen.length = 0;
        await agent.get('/admin/notifications').set('HX-Request', 'true').set('HX-Boosted', 'true').expect(200);
        expect(seen.filter((s) => /notifications/.test(s)).length).to.equal(page);
      } finally {
        db.removeListener('query', listen);
      }
    });

    it('shows the workspace, the signed-in user, sign-out and the navigation; escapes names', async () => {
      const agent = await loginAs(t.app, 'admin@shell.test', PASSWORD);
      const res = await agent.get('/admin/data-dictionary');
      for (const label of ['Usage', 'Users', 'Token Statistics', 'Credits', 'Audit log']) expect(res.text).to.include(`>${label}</a>`);
      expect(res.text).to.include('Shell &amp; Co &lt;b&gt;');
      expect(res.text).to.include('Sam &lt;Admin&gt;');
      expect(res.text).to.not.include('<Admin>');
      expect(res.text).to.match(/<form method="post" action="\/logout"/);
      expect(res.text).to.include('href="/admin/notifications"');
    });

    it('sends a strict CSP and the usual security headers', async () => {
      const res = await request(t.app).get('/login');
      const csp = res.headers['content-security-policy'];
      expect(csp).to.include("script-src 'self'");
      expect(csp).to.include("style-src 'self'");
      expect(csp).to.not.include('unsafe-inline');
      expect(csp).to.include("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(res.headers['x-powered-by']).to.equal(undefined);
    });

    it('serves htmx and Chart.js from node_modules', async () => {
      const htmx = await request(t.app).get('/static/vendor/htmx/htmx.min.js').expect(200);
      expect(htmx.type).to.match(/javascript/);
      const chart = await request(t.app).get('/static/vendor/chart.js/chart.umd.min.js').expect(200);
      expect(chart.type).to.match(/javascript/);
    });

    it('/ sends admins to Usage and members to /me', async () => {
      const admin = await loginAs(t.app, 'admin@shell.test', PASSWORD);
      expect((await admin.get('/')).headers.location).to.equal('/admin/usage');
      const member = await loginAs(t.app, 'member@shell.test', PASSWORD);
      expect((await member.get('/')).headers.location).to.equal('/me');
    });
  });

  describe('configuration', () => {
    const base = { SESSION_SECRET: 'a-long-enough-secret-value', NODE_ENV: 'test' };
    const failure = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };

    it('defaults work on a laptop', () => {
      const c = loadConfig(base);
      expect(c.PORT).to.equal(3000);
      expect(c.DATABASE_URL).to.equal('sqlite:./data/console.sqlite');
      expect(c.LOG_LEVEL).to.equal('info');
    });

    it('a bad PORT names PORT', () => {
      expect(failure({ ...base, PORT: 'eighty' })).to.match(/PORT/);
      expect(failure({ ...base, PORT: '70000' })).to.match(/PORT/);
    });

    it('a bad DATABASE_URL names DATABASE_URL', () => {
      expect(failure({ ...base, DATABASE_URL: 'postgres://x/y' })).to.match(/DATABASE_URL/);
    });

    it('other bad values name their variable', () => {
      expect(failure({ ...base, LOG_LEVEL: 'loud' })).to.match(/LOG_LEVEL/);
      expect(failure({ ...base, NODE_ENV: 'staging' })).to.match(/NODE_ENV/);
      expect(failure({ ...base, SMTP_URL: 'http://mail' })).to.match(/SMTP_URL/);
      expect(failure({ ...base, SESSION_SECRET: 'short' })).to.match(/SESSION_SECRET/);
    });

    it('production without SESSION_SECRET refuses to start', () => {
      expect(failure({ NODE_ENV: 'production' })).to.match(/SESSION_SECRET/);
      expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), ENCRYPTION_KEY: 'k'.repeat(32) }).sessionSecret).to.equal('x'.repeat(32));
    });

    it('TRUST_PROXY hop counts and booleans are typed for Express', () => {
      expect(loadConfig({ ...base, TRUST_PROXY: '1' }).TRUST_PROXY).to.equal(1);
      expect(loadConfig({ ...base, TRUST_PROXY: 'true' }).TRUST_PROXY).to.equal(true);
      expect(loadConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).to.equal('loopback, 10.0.0.0/8');
    });

    it('npm start with a bad value exits 1 with a message naming the variable', () => {
      const out = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server.ts')], {
        cwd: ROOT,
        env: { ...process.env, PORT: 'not-a-port', NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(32) },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(out.status).to.equal(1);
      expect(out.stderr).to.match(/PORT/);
      expect(out.stderr).to.not.match(/\n\s+at /); // a message, not a stack trace
    });
  });
});
