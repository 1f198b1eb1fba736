// Single sign-on against a real OpenID Provider (oidc-provider on loopback): the settings page,
// the authorization-code flow with PKCE, state and nonce, and every refusal the issue lists —
// tampered state, wrong nonce, expired ID token, unknown domain, revoked user, a group change that
// demotes an admin at the next sign-in, and "Require single sign-on" refusing a password.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { closeAll, freshDb } from '../helpers/db';
import { createTestApp, loginAs, testContext, type Agent, type TestApp } from '../helpers/app';
import { twoWorkspaces, PASSWORD, createUser } from '../helpers/fixtures';
import { decryptSecret } from '../../src/identity/secrets';
import { SECRET_PURPOSE, testConnection } from '../../src/identity/oidc';
import { startIdp, type TestIdp } from './idp';
import { FlowClient, csrfOf } from './http-client';

describe('single sign-on (OpenID Connect)', function () {
  this.timeout(30_000);
  let db: Knex;
  let t: TestApp;
  let ws: Awaited<ReturnType<typeof twoWorkspaces>>;
  let server: Server;
  let app: string;
  let idp: TestIdp;
  let admin: Agent;

  before(async () => {
    db = await freshDb();
    ws = await twoWorkspaces(db);
    t = await createTestApp({ db, env: { SSO_ALLOW_PRIVATE_ISSUERS: '1' } });
    server = await new Promise<Server>((resolve) => {
      const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    app = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    idp = await startIdp([`${app}/login/sso/callback`]);
    idp.accounts.set('okta-member-1', { sub: 'okta-member-1', email: 'member@alpha.test', name: 'Mark Member', groups: ['everyone'] });
    idp.accounts.set('okta-admin-2', { sub: 'okta-admin-2', email: 'Lead@Alpha.test', name: 'Lena Lead', groups: ['everyone', 'console-admins'] });
    idp.accounts.set('okta-beta-3', { sub: 'okta-beta-3', email: 'someone@beta.test', name: 'Beta Person', groups: [] });
    admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
  });
  after(async () => {
    await idp?.close();
    await new Promise((r) => server?.close(r));
    await closeAll();
  });

  /** The whole flow as a browser makes it; `tamper` may rewrite the hop to the IdP or back to the console. */
  async function ssoSignIn(email: string, tamper: { authorize?: (u: URL) => void; callback?: (u: URL) => void } = {}) {
    const c = new FlowClient();
    const form = await c.request(`${app}/login/sso`);
    const before = c.cookie(app, 'uc.sid');
    const posted = await c.request(`${app}/login/sso`, { form: { email, _csrf: csrfOf(form.text) } });
    if (posted.status !== 200) return { c, final: posted, before };
    expect(posted.text).to.include('<meta http-equiv="refresh" content="0; url=/login/sso/start">');
    const start = await c.request(`${app}/login/sso/start`);
    expect(start.status, start.text).to.equal(302);
    const authorize = new URL(start.location!);
    tamper.authorize?.(authorize);
    const { stoppedAt } = await c.follow(authorize.href, (next) => next.startsWith(app));
    expect(stoppedAt, 'the IdP sends the browser back to the console').to.be.a('string');
    const callback = new URL(stoppedAt!);
    tamper.callback?.(callback);
    const final = await c.request(callback.href);
    return { c, final, before, authorize };
  }

  describe('settings page', () => {
    it('saves the connection with the secret encrypted at rest and never shown again (audited)', async () => {
      const res = await admin
        .post('/admin/settings/sign-in')
        .type('form')
        .send({ issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret, domains: 'alpha.test, Alpha-Corp.example', groups_claim: 'groups', jit_create: '1', _csrf: admin.csrf });
      expect(res.status, res.text).to.equal(303);
      const row = await db('sso_settings').where({ workspace_id: ws.a.id }).first();
      expect(row.client_secret_enc).to.not.include(idp.clientSecret);
      expect(decryptSecret(t.ctx.config, row.client_secret_enc, SECRET_PURPOSE)).to.equal(idp.clientSecret);
      expect(await db('sso_domains').where({ workspace_id: ws.a.id }).orderBy('domain').pluck('domain')).to.deep.equal(['alpha-corp.example', 'alpha.test']);
      const page = await admin.get('/admin/settings/sign-in').expect(200);
      expect(page.text).to.not.include(idp.clientSecret);
      expect(page.text).to.include('A secret is stored, encrypted');
      expect(page.text).to.include(`/login/sso/callback`);
      expect(page.text).to.include('/scim/v2');
      const [a] = await db('audit_log').where({ workspace_id: ws.a.id, action: 'sso.settings.update' });
      expect(a.actor_label).to.equal('admin@alpha.test');
      expect(a.after_json).to.not.include(idp.clientSecret);
      // Saving again with an empty secret keeps the stored one.
      await admin.post('/admin/settings/sign-in').type('form').send({ issuer: idp.issuer, client_id: idp.clientId, client_secret: '', domains: 'alpha.test', groups_claim: 'groups', jit_create: '1', _csrf: admin.csrf }).expect(303);
      expect((await db('sso_settings').where({ workspace_id: ws.a.id }).first()).client_secret_enc).to.equal(row.client_secret_enc);
    });

    it("refuses a domain that already belongs to another workspace, and bad input, with the field's message", async () => {
      await db('sso_domains').insert({ domain: 'beta.test', workspace_id: ws.b.id });
      const taken = await admin.post('/admin/settings/sign-in').type('form').send({ issuer: idp.issuer, client_id: idp.clientId, domains: 'alpha.test beta.test', groups_claim: 'groups', _csrf: admin.csrf });
      expect(taken.status).to.equal(422);
      expect(taken.text).to.include('beta.test already signs in to another workspace.');
      const bad = await admin.post('/admin/settings/sign-in').type('form').send({ issuer: 'ftp://x', client_id: '', domains: '@alpha', _csrf: admin.csrf });
      expect(bad.status).to.equal(422);
      expect(bad.text).to.include('Enter a full https:// URL');
      expect(await db('sso_domains').where({ workspace_id: ws.a.id }).pluck('domain')).to.deep.equal(['alpha.test']);
    });

    it('"Test connection" shows what discovery found, or the exact error', async () => {
      const ok = await admin.post('/admin/settings/sign-in/test').type('form').send({ issuer: idp.issuer, _csrf: admin.csrf });
      expect(ok.status).to.equal(200);
      expect(ok.text).to.include('Discovery worked');
      expect(ok.text).to.include(`${idp.issuer}/token`);
      expect(ok.text).to.include('S256 supported');
      const bad = await admin.post('/admin/settings/sign-in/test').type('form').send({ issuer: `${idp.issuer}/nowhere`, _csrf: admin.csrf });
      expect(bad.status).to.equal(422);
      expect(bad.text).to.include('Discovery failed');
    });

    it('outbound discovery refuses loopback and private addresses, and plain http, unless the flag allows it', async () => {
      const strict = testContext(db).config;
      const loop = await testConnection(strict, idp.issuer.replace('http:', 'https:'));
      expect(loop.ok).to.equal(false);
      expect((loop as { error: string }).error).to.match(/private or loopback address \(127\.0\.0\.1\)/);
      const http = await testConnection(strict, 'http://example.com');
      expect((http as { error: string }).error).to.match(/https/i);
      const meta = await testConnection(strict, 'https://169.254.169.254/latest');
      expect((meta as { error: string }).error).to.match(/private or loopback/);
    });
  });

  describe('the sign-in flow', () => {
    it('signs an existing member in through the IdP: PKCE, state and nonce sent; new session id; audited with the subject', async () => {
      idp.signInAs('okta-member-1');
      const { c, final, before, authorize } = await ssoSignIn('member@alpha.test');
      expect(final.status, final.text).to.equal(303);
      expect(final.location).to.equal(`${app}/`);
      const q = authorize!.searchParams;
      expect(q.get('code_challenge_method')).to.equal('S256');
      expect(q.get('state')).to.have.length.greaterThan(20);
      expect(q.get('nonce')).to.have.length.greaterThan(20);
      expect(q.get('login_hint')).to.equal('member@alpha.test');
      expect(q.get('redirect_uri')).to.equal(`${app}/login/sso/callback`);
      expect(c.cookie(app, 'uc.sid')).to.not.equal(before);
      const me = await c.request(`${app}/me`);
      expect(me.status).to.equal(200);
      expect(me.text).to.include('Mark Member');
      const [a] = await db('audit_log').where({ workspace_id: ws.a.id, action: 'sso.login' });
      expect(a.actor_user_id).to.equal(ws.memberA);
      expect(JSON.parse(a.after_json)).to.deep.include({ subject: 'okta-member-1', issuer: idp.issuer, groups: ['everyone'], role: 'member' });
      expect((await db('users').where({ id: ws.memberA }).first()).sso_subject).to.equal('okta-member-1');
    });

    it('creates an unknown person just in time, with the role the group mapping gives', async () => {
      await admin.post('/admin/settings/sign-in/group-roles').type('form').send({ group_name: 'console-admins', role: 'admin', _csrf: admin.csrf }).expect(303);
      idp.signInAs('okta-admin-2');
      const { final } = await ssoSignIn('lead@alpha.test');
      expect(final.status, final.text).to.equal(303);
      const u = await db('users').where({ workspace_id: ws.a.id, email: 'lead@alpha.test' }).first();
      expect(u).to.include({ name: 'Lena Lead', role: 'admin', status: 'active', sso_subject: 'okta-admin-2' });
      expect(u.password_hash).to.equal(null);
      expect(await db('audit_log').where({ workspace_id: ws.a.id, action: 'sso.user.create', target_id: String(u.id) })).to.have.length(1);
    });

    it('a group change at the IdP demotes the admin at the next sign-in (audited)', async () => {
      idp.accounts.get('okta-admin-2')!.groups = ['everyone'];
      idp.signInAs('okta-admin-2');
      const { c, final } = await ssoSignIn('lead@alpha.test');
      expect(final.status, final.text).to.equal(303);
      const u = await db('users').where({ workspace_id: ws.a.id, email: 'lead@alpha.test' }).first();
      expect(u.role).to.equal('member');
      expect((await c.request(`${app}/admin/users`)).status).to.equal(403);
      const [change] = await db('audit_log').where({ workspace_id: ws.a.id, action: 'user.role.update', target_id: String(u.id) });
      expect(JSON.parse(change.before_json).role).to.equal('admin');
      expect(JSON.parse(change.after_json)).to.deep.include({ role: 'member', groups: ['everyone'] });
    });

    it('refuses a tampered state', async () => {
      idp.signInAs('okta-member-1');
      const { c, final } = await ssoSignIn('member@alpha.test', { callback: (u) => u.searchParams.set('state', 'tampered-state') });
      expect(final.status).to.equal(401);
      expect(final.text).to.include('Single sign-on failed');
      expect(alertOf(final.text)).to.equal('Single sign-on failed: invalid response encountered (unexpected &#34;state&#34; response parameter value)');
      expect((await c.request(`${app}/me`)).status).to.equal(303);
    });

    it('refuses an ID token carrying another nonce', async () => {
      idp.signInAs('okta-member-1');
      const { c, final } = await ssoSignIn('member@alpha.test', { authorize: (u) => u.searchParams.set('nonce', 'a-nonce-the-console-never-issued') });
      expect(final.status).to.equal(401);
      expect(alertOf(final.text)).to.equal('Single sign-on failed: unexpected JWT claim value encountered (unexpected ID Token &#34;nonce&#34; claim value)');
      expect((await c.request(`${app}/me`)).status).to.equal(303);
    });

    it('refuses an expired ID token', async () => {
      idp.signInAs('okta-member-1');
      idp.expireNextIdToken();
      const { c, final } = await ssoSignIn('member@alpha.test');
      expect(final.status).to.equal(401);
      expect(alertOf(final.text)).to.include('(unexpected JWT &#34;exp&#34; (expiration time) claim value, expiration is past current timestamp)');
      expect((await c.request(`${app}/me`)).status).to.equal(303);
    });

    it('an e-mail whose domain no workspace claims gets a clear message and no redirect', async () => {
      const { final } = await ssoSignIn('someone@nowhere.example');
      expect(final.status).to.equal(404);
      expect(final.text).to.include('No workspace signs in with single sign-on for nowhere.example');
    });

    it('refuses an identity whose e-mail is outside the workspace domains', async () => {
      idp.signInAs('okta-beta-3');
      const { final } = await ssoSignIn('member@alpha.test');
      expect(final.status).to.equal(401);
      expect(final.text).to.include('someone@beta.test is not in this workspace');
      expect(await db('users').where({ email: 'someone@beta.test', workspace_id: ws.a.id })).to.have.length(0);
    });

    it('refuses a revoked user', async () => {
      const id = await createUser(db, ws.a.id, { email: 'gone@alpha.test', name: 'Gone', status: 'revoked' });
      idp.accounts.set('okta-gone', { sub: 'okta-gone', email: 'gone@alpha.test', name: 'Gone', groups: [] });
      idp.signInAs('okta-gone');
      const { c, final } = await ssoSignIn('gone@alpha.test');
      expect(final.status).to.equal(401);
      expect(final.text).to.include('revoked');
      expect((await c.request(`${app}/me`)).status).to.equal(303);
      expect((await db('users').where({ id }).first()).status).to.equal('revoked');
      // Deleted by the provider over SCIM (revoked and hidden): refused too, not re-created.
      await db('users').where({ id }).update({ deprovisioned_at: '2026-12-01 00:00:00.000' });
      const again = await ssoSignIn('gone@alpha.test');
      expect(again.final.status).to.equal(401);
      expect(again.final.text).to.include('revoked');
      expect(await db('users').where({ workspace_id: ws.a.id, email: 'gone@alpha.test' })).to.have.length(1);
    });

    it('a callback without an attempt in progress says so', async () => {
      const c = new FlowClient();
      const res = await c.request(`${app}/login/sso/callback?code=abc&state=def`);
      expect(res.status).to.equal(400);
      expect(res.text).to.include('expired or was started in another browser');
    });
  });

  describe('Require single sign-on', () => {
    it('refuses a setting that would lock everyone out (no break-glass admin with a password)', async () => {
      const res = await admin.post('/admin/settings/sign-in/policy').type('form').send({ require_sso: '1', _csrf: admin.csrf });
      expect(res.status).to.equal(422);
      expect(res.text).to.include('Mark at least one active admin who has a password as a break-glass account');
      // A break-glass "admin" who is really a member does not count either.
      const asMember = await admin.post('/admin/settings/sign-in/policy').type('form').send({ require_sso: '1', break_glass: String(ws.memberA), _csrf: admin.csrf });
      expect(asMember.status).to.equal(422);
      expect((await db('sso_settings').where({ workspace_id: ws.a.id }).first()).require_sso).to.be.oneOf([0, false]);
      const foreign = await admin.post('/admin/settings/sign-in/policy').type('form').send({ require_sso: '1', break_glass: [String(ws.adminA), String(ws.adminB)], _csrf: admin.csrf });
      expect(foreign.status).to.equal(404);
    });

    it('passwords stop working except for break-glass accounts (audited)', async () => {
      await admin.post('/admin/settings/sign-in/policy').type('form').send({ require_sso: '1', break_glass: String(ws.adminA), _csrf: admin.csrf }).expect(303);
      const [a] = await db('audit_log').where({ workspace_id: ws.a.id, action: 'sso.policy.update' });
      expect(JSON.parse(a.after_json)).to.deep.equal({ requireSso: true, requireTotpAdmins: false, breakGlass: ['admin@alpha.test'] });
      let refused: Error | null = null;
      try {
        await loginAs(t.app, 'member@alpha.test', PASSWORD);
      } catch (err) {
        refused = err as Error;
      }
      expect(refused?.message).to.include('403');
      const c = new FlowClient();
      const page = await c.request(`${app}/login`);
      const res = await c.request(`${app}/login`, { form: { email: 'member@alpha.test', password: PASSWORD, _csrf: csrfOf(page.text) } });
      expect(res.status).to.equal(403);
      expect(res.text).to.include('signs in with single sign-on');
      // The break-glass admin still signs in with a password; another workspace is unaffected.
      await loginAs(t.app, 'admin@alpha.test', PASSWORD);
      await loginAs(t.app, 'admin@beta.test', PASSWORD);
      // And the member still gets in through the IdP.
      idp.signInAs('okta-member-1');
      const { final } = await ssoSignIn('member@alpha.test');
      expect(final.status).to.equal(303);
    });
  });
});

function alertOf(html: string): string {
  return /role="alert">([^<]*)</.exec(html)?.[1] ?? '(no alert)';
}
