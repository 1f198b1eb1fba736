// API key scopes: ingest routes need `ingest`; a key without it gets 403 insufficient_scope;
// the admin form stores the ticked scopes and refuses none ticked.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { createApiKey } from '../../src/apikeys/keys';
import { closeAll, freshDb } from '../helpers/db';
import { createTestApp, loginAs, type TestApp } from '../helpers/app';
import { twoWorkspaces, PASSWORD } from '../helpers/fixtures';
import { count, event, post, put } from './helpers';

describe('API key scopes', function () {
  let db: Knex;
  let t: TestApp;
  let ws: Awaited<ReturnType<typeof twoWorkspaces>>;

  before(async () => {
    db = await freshDb();
    ws = await twoWorkspaces(db);
    t = await createTestApp({ db });
  });
  after(closeAll);

  it('a read-only or scim-only key is refused on every ingestion route with 403 insufficient_scope, and stores nothing', async () => {
    for (const scopes of [['read'], ['scim'], ['read', 'scim']] as const) {
      const { key } = await createApiKey(db, ws.a.id, `k-${scopes.join('-')}`, null, [...scopes]);
      const calls = [
        post(t.app, '/events', key, { events: [event(`scoped-${scopes.join('-')}`)] }),
        post(t.app, '/logins', key, { logins: [] }),
        put(t.app, '/users/member@alpha.test', key, { name: 'X' }),
        put(t.app, '/agents/a1', key, { name: 'A' }),
        put(t.app, '/groups/g1', key, { name: 'G' }),
        post(t.app, '/credits/quote', key, { user: 'member@alpha.test', billable: { category: 'api', units: 1 } }),
      ];
      for (const res of await Promise.all(calls)) {
        expect(res.status, res.text).to.equal(403);
        expect(res.body.error.code).to.equal('insufficient_scope');
        expect(res.headers['www-authenticate']).to.contain('insufficient_scope');
      }
    }
    expect(await count(db, 'interactions')).to.equal(0);
  });

  it('an ingest key (the default, as every key made before scopes) is accepted', async () => {
    const { key, row } = await createApiKey(db, ws.a.id, 'default', null);
    expect(row.scopes).to.equal('ingest');
    const res = await post(t.app, '/events', key, { events: [event('scoped-ok')] });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.accepted).to.equal(1);
  });

  it('the admin form stores the ticked scopes, audits them, and refuses a form with none ticked', async () => {
    const agent = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
    const ok = await agent.post('/admin/api-keys').type('form').send({ _csrf: agent.csrf, name: 'BI tool', scopes_form: '1', scopes: ['read'] });
    expect(ok.status, ok.text).to.equal(201);
    expect(ok.text).to.match(/uc_[a-z0-9]{12}_/);
    const row = await db('api_keys').where({ workspace_id: ws.a.id, name: 'BI tool' }).first();
    expect(row.scopes).to.equal('read');
    const audit = await db('audit_log').where({ workspace_id: ws.a.id, action: 'api_key.create', target_id: String(row.id) }).first();
    expect(JSON.parse(audit.after_json).scopes).to.equal('read');

    const none = await agent.post('/admin/api-keys').type('form').send({ _csrf: agent.csrf, name: 'Nothing', scopes_form: '1' });
    expect(none.status).to.equal(422);
    expect(none.text).to.contain('Tick at least one thing the key may do.');
    const bogus = await agent.post('/admin/api-keys').type('form').send({ _csrf: agent.csrf, name: 'Bogus', scopes_form: '1', scopes: 'root' });
    expect(bogus.status).to.equal(422);
    expect(await count(db, 'api_keys', { workspace_id: ws.a.id, name: 'Nothing' })).to.equal(0);
    expect(await count(db, 'api_keys', { workspace_id: ws.a.id, name: 'Bogus' })).to.equal(0);
  });
});
