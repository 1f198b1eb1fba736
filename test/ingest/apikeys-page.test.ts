// /admin/api-keys: list, create (secret shown once, stored hashed, audited), revoke (immediate,
// audited, 404 across workspaces), the API reference page.
import { expect } from 'chai';
import crypto from 'node:crypto';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { PASSWORD, twoWorkspaces } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { post } from './helpers';

const KEY_IN_PAGE = /value="(uc_[a-z0-9]{12}_[A-Za-z0-9_-]{43})"/;

describe('API keys page', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof twoWorkspaces>>;
  let admin: Agent;
  let otherAdmin: Agent;
  let member: Agent;

  before(async () => {
    t = await createTestApp();
    w = await twoWorkspaces(t.db);
    admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
    otherAdmin = await loginAs(t.app, 'admin@beta.test', PASSWORD);
    member = await loginAs(t.app, 'member@alpha.test', PASSWORD);
  });
  after(closeAll);

  it('shows an empty state before any key exists', async () => {
    const res = await admin.get('/admin/api-keys').expect(200);
    expect(res.text).to.contain('No API keys yet');
    expect(res.text).to.contain('name="_csrf"');
  });

  it('re-renders the form with the error next to the field for an empty or too long name', async () => {
    const res = await admin.post('/admin/api-keys').type('form').send({ name: '   ', _csrf: admin.csrf });
    expect(res.status).to.equal(422);
    expect(res.text).to.match(/id="key-name-error"[^>]*>Enter a name for the key\./);
    expect(res.text).to.contain('aria-invalid="true"');
    const long = await admin.post('/admin/api-keys').type('form').send({ name: 'x'.repeat(101), _csrf: admin.csrf });
    expect(long.status).to.equal(422);
    expect(long.text).to.contain('Use at most 100 characters.');
    expect(await t.db('api_keys').count({ n: '*' }).first()).to.deep.equal({ n: 0 });
  });

  it('refuses a create without the CSRF token', async () => {
    const res = await admin.post('/admin/api-keys').type('form').send({ name: 'No token' });
    expect(res.status).to.equal(403);
    expect(await t.db('api_keys').where({ name: 'No token' }).first()).to.equal(undefined);
  });

  let key = '';
  it('creates a key, shows the secret once, stores only its hash, audits it, and the key works', async () => {
    const res = await admin.post('/admin/api-keys').type('form').send({ name: 'Production <platform>', _csrf: admin.csrf });
    expect(res.status).to.equal(201);
    expect(res.headers['cache-control']).to.contain('no-store');
    const m = KEY_IN_PAGE.exec(res.text);
    expect(m, 'the new key is shown').to.not.equal(null);
    key = m![1];
    expect(res.text).to.contain('Production &lt;platform&gt;');
    expect(res.text).not.to.contain('Production <platform>');
    const row = await t.db('api_keys').where({ workspace_id: w.a.id }).first();
    expect(row.prefix).to.equal(key.slice(3, 15));
    expect(row.secret_hash).to.equal(crypto.createHash('sha256').update(key).digest('hex'));
    expect(row.created_by_user_id).to.equal(w.adminA);
    const audit = await t.db('audit_log').where({ workspace_id: w.a.id, action: 'api_key.create' }).first();
    expect(audit.actor_label).to.equal('admin@alpha.test');
    expect(JSON.parse(audit.after_json)).to.deep.equal({ name: 'Production <platform>', prefix: row.prefix, scopes: 'ingest' });
    expect(audit.after_json).not.to.contain(key.slice(16));

    expect((await post(t.app, '/logins', key, { logins: [] })).status).to.equal(200);

    const list = await admin.get('/admin/api-keys').expect(200);
    expect(list.text).to.contain(`uc_${row.prefix}_…`);
    expect(list.text).to.contain('Alice Admin');
    expect(list.text).not.to.contain(key);
    const lastUsed = new RegExp(`data-key-id="${row.id}"[\\s\\S]*?data-label="Last used"[^>]*>([^<]*)<`).exec(list.text);
    expect(lastUsed, 'the key row has a Last used cell').to.not.equal(null);
    expect(lastUsed![1].trim()).to.not.equal('Never'); // it was just used
  });

  it('htmx create answers the panel fragment only', async () => {
    const res = await admin.post('/admin/api-keys').set('HX-Request', 'true').type('form').send({ name: 'Staging', _csrf: admin.csrf });
    expect(res.status).to.equal(201);
    expect(res.text).to.match(/^<div id="api-keys-panel"/);
    expect(res.text).not.to.contain('<html');
    expect(KEY_IN_PAGE.test(res.text)).to.equal(true);
  });

  it("another workspace's admin neither sees nor revokes the key (404)", async () => {
    const row = await t.db('api_keys').where({ workspace_id: w.a.id, name: 'Production <platform>' }).first();
    const page = await otherAdmin.get('/admin/api-keys').expect(200);
    expect(page.text).not.to.contain(row.prefix);
    await otherAdmin.post(`/admin/api-keys/${row.id}/revoke`).type('form').send({ _csrf: otherAdmin.csrf }).expect(404);
    await member.post(`/admin/api-keys/${row.id}/revoke`).type('form').send({ _csrf: member.csrf }).expect(403);
    await admin.post('/admin/api-keys/abc/revoke').type('form').send({ _csrf: admin.csrf }).expect(404);
    expect((await t.db('api_keys').where({ id: row.id }).first()).revoked_at).to.equal(null);
  });

  it('revokes a key: refused immediately, audited, shown as revoked', async () => {
    const row = await t.db('api_keys').where({ workspace_id: w.a.id, name: 'Production <platform>' }).first();
    const res = await admin.post(`/admin/api-keys/${row.id}/revoke`).type('form').send({ _csrf: admin.csrf });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal('/admin/api-keys?notice=revoked');
    const api = await post(t.app, '/logins', key, { logins: [] });
    expect(api.status).to.equal(401);
    const audit = await t.db('audit_log').where({ workspace_id: w.a.id, action: 'api_key.revoke' }).first();
    expect(audit.target_id).to.equal(String(row.id));
    const page = await admin.get('/admin/api-keys?notice=revoked').expect(200);
    expect(page.text).to.contain('The key was revoked');
    expect(page.text).to.match(new RegExp(`data-key-id="${row.id}" class="apikeys-revoked"`));
    // Revoking again changes nothing and writes no second audit row.
    await admin.post(`/admin/api-keys/${row.id}/revoke`).type('form').send({ _csrf: admin.csrf }).expect(303);
    expect((await t.db('audit_log').where({ action: 'api_key.revoke' })).length).to.equal(1);
  });

  it('htmx revoke answers the panel with a notice', async () => {
    const row = await t.db('api_keys').where({ workspace_id: w.a.id, name: 'Staging' }).first();
    const res = await admin.post(`/admin/api-keys/${row.id}/revoke`).set('HX-Request', 'true').type('form').send({ _csrf: admin.csrf }).expect(200);
    expect(res.text).to.match(/^<div id="api-keys-panel"/);
    expect(res.text).to.contain('Key “Staging”');
  });

  it('pages through many keys with keyset links', async () => {
    const rows = Array.from({ length: 55 }, (_, i) => ({ workspace_id: w.b.id, name: `bulk-${String(i).padStart(2, '0')}`, prefix: `bulk${String(i).padStart(8, '0')}`, secret_hash: 'x'.repeat(64), created_at: '2026-01-01 00:00:00.000' }));
    await t.db('api_keys').insert(rows);
    const first = await otherAdmin.get('/admin/api-keys').expect(200);
    expect(first.text).to.contain('bulk-54');
    expect(first.text).not.to.contain('bulk-04');
    const next = /href="\/admin\/api-keys\?before=(\d+)"/.exec(first.text);
    expect(next).to.not.equal(null);
    const second = await otherAdmin.get(`/admin/api-keys?before=${next![1]}`).expect(200);
    expect(second.text).to.contain('bulk-04');
    expect(second.text).to.contain('bulk-00');
    expect(second.text).not.to.contain('bulk-05<');
    await otherAdmin.get('/admin/api-keys?before=abc').expect(400);
  });

  it('renders the API reference with a curl example per endpoint', async () => {
    const res = await admin.get('/admin/api-keys/docs').expect(200);
    for (const p of ['/api/v1/events', '/api/v1/logins', '/api/v1/users/{email}', '/api/v1/agents/{id}', '/api/v1/groups/{id}', '/api/v1/credits/quote', '/api/v1/usage', '/api/v1/users', '/api/v1/users/{id}/interactions', '/api/v1/authorize']) {
      expect(res.text).to.contain(p);
    }
    expect((res.text.match(/<pre class="apidocs-curl"><code>curl /g) ?? []).length).to.equal(10);
    expect(res.text).to.contain('occurred_at');
    await member.get('/admin/api-keys/docs').expect(403);
  });
});
