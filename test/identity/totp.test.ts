// Two-factor sign-in for password accounts: enrolment with a QR code, the second step at sign-in,
// replay and recovery codes (single use, stored hashed), the rate limit, an admin's reset, and the
// workspace rule that admins must have it.
import crypto from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from 'knex';
import request from 'supertest';
import { generate } from 'otplib';
import { closeAll, freshDb } from '../helpers/db';
import { createTestApp, csrfFrom, loginAs, type Agent, type TestApp } from '../helpers/app';
import { createUser, twoWorkspaces, PASSWORD } from '../helpers/fixtures';

type A = ReturnType<typeof request.agent>;

describe('two-factor sign-in (TOTP)', function () {
  this.timeout(30_000);
  let db: Knex;
  let t: TestApp;
  let ws: Awaited<ReturnType<typeof twoWorkspaces>>;
  let secret = '';
  let recovery: string[] = [];

  before(async () => {
    db = await freshDb();
    ws = await twoWorkspaces(db);
    t = await createTestApp({ db });
  });
  after(closeAll);

  /** Password step only: an agent waiting at /login/two-factor. */
  async function passwordStep(email: string): Promise<{ agent: A; csrf: string }> {
    const agent = request.agent(t.app);
    const page = await agent.get('/login').expect(200);
    const res = await agent.post('/login').type('form').send({ email, password: PASSWORD, _csrf: csrfFrom(page.text) });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal('/login/two-factor');
    const step = await agent.get('/login/two-factor').expect(200);
    return { agent, csrf: csrfFrom(step.text) };
  }

  /** A code for the next 30-second step (so a code used a moment ago is never reused by accident). */
  async function freshCode(): Promise<string> {
    const now = Date.now();
    return generate({ secret, epoch: Math.floor(now / 1000) + 30 - (Math.floor(now / 1000) % 30) });
  }

  it('a member enrols: QR code as a data: image, the key as text, a first code turns it on, ten recovery codes shown once', async () => {
    const member = await loginAs(t.app, 'member@alpha.test', PASSWORD);
    const off = await member.get('/account/two-factor').expect(200);
    expect(off.text).to.include('Two-factor sign-in is off');
    await member.post('/account/two-factor/setup').type('form').send({ _csrf: member.csrf }).expect(303);
    const page = await member.get('/account/two-factor').expect(200);
    expect(page.text).to.match(/<img class="identity-qr" src="data:image\/png;base64,[A-Za-z0-9+/=]{200,}"/);
    secret = /data-testid="totp-secret">([A-Z2-7 ]+)</.exec(page.text)![1].replace(/ /g, '');
    expect(secret).to.have.length.greaterThan(15);
    const row = await db('users').where({ id: ws.memberA }).first();
    expect(row.totp_secret_enc).to.not.include(secret);
    expect(row.totp_enabled_at).to.equal(null);
    // A wrong code does not turn it on.
    const wrong = await member.post('/account/two-factor/confirm').type('form').send({ code: '000000', _csrf: member.csrf });
    expect(wrong.status).to.equal(401);
    const ok = await member.post('/account/two-factor/confirm').type('form').send({ code: await generate({ secret }), _csrf: member.csrf });
    expect(ok.status, ok.text).to.equal(200);
    recovery = [...ok.text.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]);
    expect(recovery).to.have.length(10);
    expect(new Set(recovery).size).to.equal(10);
    const stored = await db('totp_recovery_codes').where({ user_id: ws.memberA }).pluck('code_hash');
    expect(stored).to.have.length(10);
    expect(stored.sort()).to.deep.equal(recovery.map((c) => crypto.createHash('sha256').update(c.replace('-', '')).digest('hex')).sort());
    // Shown once: the page afterwards lists no codes.
    const later = await member.get('/account/two-factor').expect(200);
    expect(later.text).to.include('Two-factor sign-in is on');
    expect(later.text).to.include('10 of 10 recovery codes left');
    for (const c of recovery) expect(later.text).to.not.include(c);
    expect((await db('audit_log').where({ workspace_id: ws.a.id, action: 'user.two_factor.enable' })).length).to.equal(1);
  });

  it('the password alone no longer signs in: the code does, once', async () => {
    const { agent, csrf } = await passwordStep('member@alpha.test');
    expect((await agent.get('/me')).status).to.equal(303);
    const code = await freshCode();
    const res = await agent.post('/login/two-factor').type('form').send({ code, _csrf: csrf });
    expect(res.status).to.equal(303);
    expect((await agent.get('/me')).status).to.equal(200);
    // The same code again (a replay) is refused.
    const again = await passwordStep('member@alpha.test');
    const replay = await again.agent.post('/login/two-factor').type('form').send({ code, _csrf: again.csrf });
    expect(replay.status).to.equal(401);
    expect((await again.agent.get('/me')).status).to.equal(303);
  });

  it('a recovery code works once', async () => {
    const first = await passwordStep('member@alpha.test');
    await first.agent.post('/login/two-factor').type('form').send({ code: recovery[0].toUpperCase(), _csrf: first.csrf }).expect(303);
    expect((await first.agent.get('/me')).status).to.equal(200);
    const second = await passwordStep('member@alpha.test');
    expect((await second.agent.post('/login/two-factor').type('form').send({ code: recovery[0], _csrf: second.csrf })).status).to.equal(401);
    expect(await db('totp_recovery_codes').where({ user_id: ws.memberA }).whereNull('used_at')).to.have.length(9);
    expect(await db('audit_log').where({ workspace_id: ws.a.id, action: 'user.two_factor.recovery_code_used' })).to.have.length(1);
  });

  it('wrong codes are rate-limited like the password (5 per account per 15 minutes)', async () => {
    await createUser(db, ws.a.id, { email: 'limited@alpha.test', name: 'Limited' });
    const own = await loginAs(t.app, 'limited@alpha.test', PASSWORD);
    await own.post('/account/two-factor/setup').type('form').send({ _csrf: own.csrf }).expect(303);
    const setup = await own.get('/account/two-factor').expect(200);
    const limitedSecret = /data-testid="totp-secret">([A-Z2-7 ]+)</.exec(setup.text)![1].replace(/ /g, '');
    await own.post('/account/two-factor/confirm').type('form').send({ code: await generate({ secret: limitedSecret }), _csrf: own.csrf }).expect(200);
    const { agent, csrf } = await passwordStep('limited@alpha.test');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await agent.post('/login/two-factor').type('form').send({ code: '111111', _csrf: csrf })).status);
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 429]);
    // Even the right code is refused while limited.
    const now = Math.floor(Date.now() / 1000);
    const right = await generate({ secret: limitedSecret, epoch: now + 30 - (now % 30) });
    expect((await agent.post('/login/two-factor').type('form').send({ code: right, _csrf: csrf })).status).to.equal(429);
  });

  it('an admin resets a member\'s second factor (audited); the member signs in with the password again', async () => {
    const admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
    const page = await admin.get('/admin/settings/sign-in').expect(200);
    expect(page.text).to.include(`/admin/settings/sign-in/two-factor/${ws.memberA}/reset`);
    const other = await loginAs(t.app, 'admin@beta.test', PASSWORD);
    await other.post(`/admin/settings/sign-in/two-factor/${ws.memberA}/reset`).type('form').send({ _csrf: other.csrf }).expect(404);
    expect((await db('users').where({ id: ws.memberA }).first()).totp_enabled_at).to.not.equal(null);
    await admin.post(`/admin/settings/sign-in/two-factor/${ws.memberA}/reset`).type('form').send({ _csrf: admin.csrf }).expect(303);
    const u = await db('users').where({ id: ws.memberA }).first();
    expect(u.totp_enabled_at).to.equal(null);
    expect(u.totp_secret_enc).to.equal(null);
    expect(await db('totp_recovery_codes').where({ user_id: ws.memberA })).to.have.length(0);
    const [a] = await db('audit_log').where({ workspace_id: ws.a.id, action: 'user.two_factor.reset' });
    expect(a.actor_label).to.equal('admin@alpha.test');
    expect(JSON.parse(a.before_json)).to.deep.equal({ email: 'member@alpha.test', twoFactor: true });
    await loginAs(t.app, 'member@alpha.test', PASSWORD);
  });

  it('"Require two-factor sign-in for admins" sends an admin without it to set-up, and keeps it on', async () => {
    const admin: Agent = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
    await admin.post('/admin/settings/sign-in/policy').type('form').send({ require_totp_admins: '1', _csrf: admin.csrf }).expect(303);
    const blocked = await admin.get('/admin/users');
    expect(blocked.status).to.equal(303);
    expect(blocked.headers.location).to.equal('/account/two-factor');
    expect((await admin.post('/admin/settings/sign-in/group-roles').type('form').send({ group_name: 'x', role: 'admin', _csrf: admin.csrf })).status).to.equal(403);
    const setupPage = await admin.get('/account/two-factor').expect(200);
    expect(setupPage.text).to.include('requires two-factor sign-in for admins');
    // Members and the other workspace are not affected.
    await (await loginAs(t.app, 'member@alpha.test', PASSWORD, { csrf: false })).get('/me').expect(200);
    await (await loginAs(t.app, 'admin@beta.test', PASSWORD, { csrf: false })).get('/admin/users').expect(200);
    // Enrol, then the admin pages open; turning it off is refused while required.
    await admin.post('/account/two-factor/setup').type('form').send({ _csrf: admin.csrf }).expect(303);
    const page = await admin.get('/account/two-factor').expect(200);
    const adminSecret = /data-testid="totp-secret">([A-Z2-7 ]+)</.exec(page.text)![1].replace(/ /g, '');
    await admin.post('/account/two-factor/confirm').type('form').send({ code: await generate({ secret: adminSecret }), _csrf: admin.csrf }).expect(200);
    await admin.get('/admin/users').expect(200);
    const off = await admin.post('/account/two-factor/disable').type('form').send({ code: '123456', _csrf: admin.csrf });
    expect(off.status).to.equal(422);
    expect((await db('users').where({ id: ws.adminA }).first()).totp_enabled_at).to.not.equal(null);
  });

  it('accounts without a password (single sign-on only) cannot set it up here', async () => {
    const id = await createUser(db, ws.a.id, { email: 'sso-only@alpha.test', name: 'Sso Only' });
    const agent = await loginAs(t.app, 'sso-only@alpha.test', PASSWORD);
    await db('users').where({ id }).update({ password_hash: null });
    const res = await agent.post('/account/two-factor/setup').type('form').send({ _csrf: agent.csrf });
    expect(res.status).to.equal(422);
    expect(res.text).to.include('single sign-on');
  });
});
