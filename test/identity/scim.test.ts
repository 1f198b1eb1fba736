// SCIM 2.0: the request sequences Okta and Microsoft Entra document for provisioning, replayed with
// their bodies as those providers send them (Entra: "Replace"/"Add", "False" as a string; Okta:
// path-less replace of active), plus discovery, filters, paging, errors, scopes and isolation.
import { expect } from 'chai';
import type { Knex } from 'knex';
import request from 'supertest';
import { createApiKey } from '../../src/apikeys/keys';
import { closeAll, freshDb } from '../helpers/db';
import { createTestApp, loginAs, type TestApp } from '../helpers/app';
import { createUser, twoWorkspaces, PASSWORD } from '../helpers/fixtures';
import { groupSizes } from '../../src/usage/queries';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('SCIM 2.0 provisioning', function () {
  let db: Knex;
  let t: TestApp;
  let ws: Awaited<ReturnType<typeof twoWorkspaces>>;
  let keyA: string;
  let keyB: string;

  const scim = (key: string) => ({
    get: (p: string) => request(t.app).get(`/scim/v2${p}`).set('Authorization', `Bearer ${key}`),
    del: (p: string) => request(t.app).delete(`/scim/v2${p}`).set('Authorization', `Bearer ${key}`),
    post: (p: string, body: unknown) => request(t.app).post(`/scim/v2${p}`).set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/scim+json').send(JSON.stringify(body)),
    put: (p: string, body: unknown) => request(t.app).put(`/scim/v2${p}`).set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/scim+json').send(JSON.stringify(body)),
    patch: (p: string, body: unknown) => request(t.app).patch(`/scim/v2${p}`).set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/scim+json').send(JSON.stringify(body)),
  });
  const audit = (action: string) => db('audit_log').where({ workspace_id: ws.a.id, action }).orderBy('id');

  before(async () => {
    db = await freshDb();
    ws = await twoWorkspaces(db);
    t = await createTestApp({ db });
    keyA = (await createApiKey(db, ws.a.id, 'Okta provisioning', null, ['scim'])).key;
    keyB = (await createApiKey(db, ws.b.id, 'Beta IdP', null, ['scim'])).key;
  });
  after(closeAll);

  describe('authentication and discovery', () => {
    it('needs a key (401) with the scim scope (403 insufficient_scope), in the SCIM error shape', async () => {
      const none = await request(t.app).get('/scim/v2/Users');
      expect(none.status).to.equal(401);
      expect(none.headers['content-type']).to.match(/application\/scim\+json/);
      expect(none.body.schemas).to.deep.equal([ERROR]);
      expect(none.body.status).to.equal('401');
      const ingest = (await createApiKey(db, ws.a.id, 'ingest only', null, ['ingest'])).key;
      const res = await scim(ingest).get('/Users');
      expect(res.status).to.equal(403);
      expect(res.body.schemas).to.deep.equal([ERROR]);
      expect(res.body.error.code).to.equal('insufficient_scope');
    });

    it('ServiceProviderConfig, Schemas and ResourceTypes describe what is supported', async () => {
      const spc = await scim(keyA).get('/ServiceProviderConfig').expect(200);
      expect(spc.body.patch.supported).to.equal(true);
      expect(spc.body.bulk.supported).to.equal(false);
      expect(spc.body.filter).to.deep.equal({ supported: true, maxResults: 200 });
      expect(spc.body.authenticationSchemes[0].type).to.equal('oauthbearertoken');
      const schemas = await scim(keyA).get('/Schemas').expect(200);
      expect(schemas.body.Resources.map((s: { id: string }) => s.id)).to.deep.equal([USER, ENT, GROUP]);
      const one = await scim(keyA).get(`/Schemas/${encodeURIComponent(ENT)}`).expect(200);
      expect(one.body.attributes.map((a: { name: string }) => a.name)).to.deep.equal(['department']);
      const types = await scim(keyA).get('/ResourceTypes').expect(200);
      expect(types.body.totalResults).to.equal(2);
      expect(types.body.Resources.map((r: { endpoint: string }) => r.endpoint)).to.deep.equal(['/Users', '/Groups']);
      await scim(keyA).get('/ResourceTypes/Group').expect(200);
      const missing = await scim(keyA).get('/ResourceTypes/Device');
      expect(missing.status).to.equal(404);
      expect(missing.body.status).to.equal('404');
    });

    it('lists existing console users and pages with startIndex/count', async () => {
      for (let i = 1; i <= 5; i++) await createUser(db, ws.a.id, { email: `p${i}@alpha.test`, name: `Pager ${i}` });
      const all = await scim(keyA).get('/Users?count=200').expect(200);
      // 2 from twoWorkspaces + 5 pagers; workspace B's admin is not listed.
      expect(all.body.totalResults).to.equal(7);
      expect(all.body.Resources.map((u: { userName: string }) => u.userName)).to.not.include('admin@beta.test');
      const page = await scim(keyA).get('/Users?startIndex=3&count=2').expect(200);
      expect(page.body).to.include({ totalResults: 7, startIndex: 3, itemsPerPage: 2 });
      expect(page.body.Resources.map((u: { userName: string }) => u.userName)).to.deep.equal(['p1@alpha.test', 'p2@alpha.test']);
      const countOnly = await scim(keyA).get('/Users?count=0').expect(200);
      expect(countOnly.body).to.include({ totalResults: 7, itemsPerPage: 0 });
      const bad = await scim(keyA).get('/Users?startIndex=abc');
      expect(bad.status).to.equal(400);
      expect(bad.body.scimType).to.equal('invalidValue');
    });

    it('refuses filters outside the supported subset with 400 invalidFilter', async () => {
      for (const f of ['userName co "a"', 'userName eq', 'title eq "x"', 'userName eq "a" or userName eq "b"']) {
        const res = await scim(keyA).get(`/Users?filter=${encodeURIComponent(f)}`);
        expect(res.status, f).to.equal(400);
        expect(res.body.scimType, f).to.equal('invalidFilter');
      }
    });
  });

  describe('Okta: the documented provisioning sequence', () => {
    let userId: string;
    let groupId: string;
    let session: Awaited<ReturnType<typeof loginAs>>;

    it('checks the user does not exist, then creates it (201, Location)', async () => {
      const q = await scim(keyA).get('/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100').expect(200);
      expect(q.body).to.deep.equal({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
      const res = await scim(keyA).post('/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'test.user@okta.local',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Test User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: '1mz050nq',
        active: true,
      });
      expect(res.status, res.text).to.equal(201);
      userId = res.body.id;
      expect(res.headers.location).to.match(new RegExp(`/scim/v2/Users/${userId}$`));
      expect(res.body).to.deep.include({ userName: 'test.user@okta.local', displayName: 'Test User', active: true, externalId: '00ujl29u0le5T6Aj10h7' });
      expect(res.body.name).to.deep.equal({ formatted: 'Test User', givenName: 'Test', familyName: 'User' });
      expect(res.body.emails).to.deep.equal([{ value: 'test.user@okta.local', type: 'work', primary: true }]);
      const row = await db('users').where({ id: Number(userId) }).first();
      expect(row).to.include({ workspace_id: ws.a.id, email: 'test.user@okta.local', name: 'Test User', role: 'member', status: 'active' });
      const [a] = await audit('scim.user.create');
      expect(a.actor_label).to.equal('Okta provisioning');
      expect(a.actor_user_id).to.equal(null);
      expect(a.target_id).to.equal(userId);
    });

    it('finds it by userName (case-insensitively) and by id; a second POST is 409 uniqueness', async () => {
      const q = await scim(keyA).get(`/Users?filter=${encodeURIComponent('userName eq "Test.User@okta.local"')}`).expect(200);
      expect(q.body.totalResults).to.equal(1);
      expect(q.body.Resources[0].id).to.equal(userId);
      await scim(keyA).get(`/Users/${userId}`).expect(200);
      const dup = await scim(keyA).post('/Users', { schemas: [USER], userName: 'test.user@okta.local', emails: [{ primary: true, value: 'test.user@okta.local' }] });
      expect(dup.status).to.equal(409);
      expect(dup.body.scimType).to.equal('uniqueness');
    });

    it('updates the profile with PUT', async () => {
      const res = await scim(keyA).put(`/Users/${userId}`, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        id: userId,
        userName: 'test.user@okta.local',
        name: { givenName: 'Another', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Another User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: '1mz050nq',
        active: true,
      });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.name.givenName).to.equal('Another');
      expect((await db('users').where({ id: Number(userId) }).first()).name).to.equal('Another User');
    });

    it('deactivates with a path-less replace: the user is revoked and their open session ends at once', async () => {
      await db('users').where({ id: Number(userId) }).update({ password_hash: (await db('users').where({ id: ws.memberA }).first()).password_hash });
      session = await loginAs(t.app, 'test.user@okta.local', PASSWORD, { csrf: false });
      await session.get('/me').expect(200);
      const res = await scim(keyA).patch(`/Users/${userId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.active).to.equal(false);
      expect((await db('users').where({ id: Number(userId) }).first()).status).to.equal('revoked');
      const after = await session.get('/me');
      expect(after.status).to.equal(303);
      expect(after.headers.location).to.match(/^\/login/);
      const stored = await db('sessions').select('sess');
      expect(stored.filter((r) => r.sess.includes(`"user":${userId}}`))).to.have.length(0);
      const [a] = await audit('scim.user.deactivate');
      expect(a.actor_label).to.equal('Okta provisioning');
      expect(JSON.parse(a.after_json).active).to.equal(false);
    });

    it('reactivates with active true', async () => {
      const res = await scim(keyA).patch(`/Users/${userId}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] });
      expect(res.status).to.equal(200);
      expect(res.body.active).to.equal(true);
      expect((await db('users').where({ id: Number(userId) }).first()).status).to.equal('active');
      expect(await audit('scim.user.reactivate')).to.have.length(1);
    });

    it('pushes a group, renames it, adds and removes a member, deletes it', async () => {
      const created = await scim(keyA).post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Test SCIMv2', members: [] });
      expect(created.status, created.text).to.equal(201);
      groupId = created.body.id;
      const found = await scim(keyA).get(`/Groups?filter=${encodeURIComponent('displayName eq "Test SCIMv2"')}&startIndex=1&count=100`).expect(200);
      expect(found.body.Resources.map((g: { id: string }) => g.id)).to.deep.equal([groupId]);
      const renamed = await scim(keyA).patch(`/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv2 renamed' } }] });
      expect(renamed.status, renamed.text).to.equal(200);
      expect((await db('groups').where({ id: Number(groupId) }).first()).name).to.equal('Test SCIMv2 renamed');
      await scim(keyA)
        .patch(`/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: userId, display: 'test.user@okta.local' }] }] })
        .expect(200);
      expect(await db('group_members').where({ group_id: Number(groupId) }).pluck('user_id')).to.deep.equal([Number(userId)]);
      const user = await scim(keyA).get(`/Users/${userId}`).expect(200);
      expect(user.body.groups).to.have.length(1);
      expect(user.body.groups[0]).to.include({ value: groupId, display: 'Test SCIMv2 renamed' });
      await scim(keyA)
        .patch(`/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }] })
        .expect(200);
      expect(await db('group_members').where({ group_id: Number(groupId) })).to.have.length(0);
      const updates = await audit('scim.group.update');
      expect(updates.map((u) => JSON.parse(u.after_json))).to.deep.equal([
        { displayName: 'Test SCIMv2 renamed', externalId: null, membersAdded: [], membersRemoved: [] },
        { displayName: 'Test SCIMv2 renamed', externalId: null, membersAdded: ['test.user@okta.local'], membersRemoved: [] },
        { displayName: 'Test SCIMv2 renamed', externalId: null, membersAdded: [], membersRemoved: ['test.user@okta.local'] },
      ]);
      await scim(keyA).del(`/Groups/${groupId}`).expect(204);
      await scim(keyA).get(`/Groups/${groupId}`).expect(404);
      expect(await db('groups').where({ id: Number(groupId) })).to.have.length(0);
      expect((await audit('scim.group.delete'))[0].actor_label).to.equal('Okta provisioning');
    });
  });

  describe('Microsoft Entra: the documented provisioning sequence', () => {
    let userId: string;
    let groupId: string;
    const userName = 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1';

    it('creates a user whose userName is not an e-mail (the primary e-mail becomes the console identity)', async () => {
      const res = await scim(keyA).post('/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName,
        active: true,
        emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
        meta: { resourceType: 'User' },
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
      });
      expect(res.status, res.text).to.equal(201);
      userId = res.body.id;
      expect(res.body.userName).to.equal(userName.toLowerCase());
      expect(res.body.emails[0].value).to.equal('test_user_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com');
    });

    it('gets the user by query (one hit) and an unknown one (zero hits)', async () => {
      const hit = await scim(keyA).get(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`).expect(200);
      expect(hit.body.totalResults).to.equal(1);
      expect(hit.body.Resources[0].id).to.equal(userId);
      const miss = await scim(keyA).get(`/Users?filter=${encodeURIComponent('userName eq "non-existent user"')}`).expect(200);
      expect(miss.body).to.include({ totalResults: 0, itemsPerPage: 0 });
    });

    it('updates multi-valued and single-valued attributes with capitalised ops', async () => {
      const multi = await scim(keyA).patch(`/Users/${userId}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        ],
      });
      expect(multi.status, multi.text).to.equal(200);
      expect(multi.body.emails[0].value).to.equal('updatedemail@microsoft.com');
      expect(multi.body.name.familyName).to.equal('updatedFamilyName');
      const single = await scim(keyA).patch(`/Users/${userId}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }] });
      expect(single.status, single.text).to.equal(200);
      expect(single.body.userName).to.equal('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    });

    it('sets the enterprise department (Add with the extension URN path) and ignores the manager it does not keep', async () => {
      const res = await scim(keyA).patch(`/Users/${userId}`, {
        schemas: [PATCH],
        Operations: [
          { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'Marketing' },
          { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', value: [{ $ref: null, value: 'SomeRandomValueInManager' }] },
        ],
      });
      expect(res.status, res.text).to.equal(200);
      expect(res.body[ENT]).to.deep.equal({ department: 'Marketing' });
      expect((await db('users').where({ id: Number(userId) }).first()).department).to.equal('Marketing');
    });

    it('disables the user with "False" as a string, and enables with "True"', async () => {
      const off = await scim(keyA).patch(`/Users/${userId}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
      expect(off.status, off.text).to.equal(200);
      expect(off.body.active).to.equal(false);
      expect((await db('users').where({ id: Number(userId) }).first()).status).to.equal('revoked');
      const on = await scim(keyA).patch(`/Users/${userId}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] });
      expect(on.body.active).to.equal(true);
      const bad = await scim(keyA).patch(`/Users/${userId}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'maybe' }] });
      expect(bad.status).to.equal(400);
      expect(bad.body.scimType).to.equal('invalidValue');
    });

    it('creates a group, finds it without members, renames it, adds and removes members the Entra way', async () => {
      const res = await scim(keyA).post('/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        meta: { resourceType: 'Group' },
      });
      expect(res.status, res.text).to.equal(201);
      groupId = res.body.id;
      expect(res.body.externalId).to.equal('8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');
      const found = await scim(keyA).get(`/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "displayName"')}`).expect(200);
      expect(found.body.totalResults).to.equal(1);
      expect(found.body.Resources[0]).to.not.have.property('members');
      await scim(keyA).patch(`/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }] }).expect(200);
      await scim(keyA).patch(`/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: userId }, { $ref: null, value: String(ws.memberA) }] }] }).expect(200);
      const member = await scim(keyA).get(`/Groups?filter=${encodeURIComponent(`id eq "${groupId}" and members[value eq "${userId}"]`)}&excludedAttributes=members`).expect(200);
      expect(member.body.totalResults).to.equal(1);
      await scim(keyA).patch(`/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: userId }] }] }).expect(200);
      const g = await scim(keyA).get(`/Groups/${groupId}`).expect(200);
      expect(g.body.displayName).to.equal('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
      expect(g.body.members.map((m: { value: string }) => m.value)).to.deep.equal([String(ws.memberA)]);
      // The console's groups: the Usage page's group query sees the same membership.
      expect(await db('group_members').where({ group_id: Number(groupId) }).pluck('user_id')).to.deep.equal([ws.memberA]);
      const sizes = await groupSizes(db, ws.a.id);
      expect(sizes.find((x) => x.id === Number(groupId))).to.include({ name: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName', members: 1 });
      // And the Usage page's group chart shows it.
      const admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD, { csrf: false });
      const chart = await admin.get('/admin/usage/charts/groups').expect(200);
      expect(chart.text).to.include('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
    });

    it('refuses a member from another workspace or an unknown id (400 invalidValue), changing nothing', async () => {
      const res = await scim(keyA).patch(`/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ value: String(ws.adminB) }] }] });
      expect(res.status).to.equal(400);
      expect(res.body.scimType).to.equal('invalidValue');
      expect(await db('group_members').where({ group_id: Number(groupId) }).pluck('user_id')).to.deep.equal([ws.memberA]);
    });

    it('deletes the user (204, then 404) keeping the row revoked, and the group', async () => {
      await scim(keyA).del(`/Users/${userId}`).expect(204);
      const gone = await scim(keyA).get(`/Users/${userId}`);
      expect(gone.status).to.equal(404);
      expect(gone.body).to.deep.include({ schemas: [ERROR], status: '404' });
      const row = await db('users').where({ id: Number(userId) }).first();
      expect(row.status).to.equal('revoked');
      expect(row.deprovisioned_at).to.not.equal(null);
      await scim(keyA).del(`/Groups/${groupId}`).expect(204);
    });
  });

  describe('isolation and errors', () => {
    it("another workspace's ids are 404 for read, change and delete", async () => {
      const u = String(ws.memberA);
      const g = await scim(keyA).post('/Groups', { schemas: [GROUP], displayName: 'Alpha only' }).expect(201);
      await scim(keyB).get(`/Users/${u}`).expect(404);
      await scim(keyB).patch(`/Users/${u}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] }).expect(404);
      await scim(keyB).put(`/Users/${u}`, { schemas: [USER], userName: 'x@beta.test' }).expect(404);
      await scim(keyB).del(`/Users/${u}`).expect(404);
      await scim(keyB).get(`/Groups/${g.body.id}`).expect(404);
      await scim(keyB).patch(`/Groups/${g.body.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: String(ws.adminB) }] }] }).expect(404);
      await scim(keyB).del(`/Groups/${g.body.id}`).expect(404);
      expect((await db('users').where({ id: ws.memberA }).first()).status).to.equal('active');
      const listB = await scim(keyB).get('/Groups').expect(200);
      expect(listB.body.totalResults).to.equal(0);
    });

    it('answers bad bodies with 400 and the scimType, never 500', async () => {
      const cases: [string, unknown, string][] = [
        ['/Users', { schemas: [USER] }, 'invalidValue'],
        ['/Users', { schemas: [USER], userName: 'not-an-email' }, 'invalidValue'],
        ['/Groups', { schemas: [GROUP] }, 'invalidValue'],
      ];
      for (const [p, body, type] of cases) {
        const res = await scim(keyA).post(p, body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.scimType).to.equal(type);
      }
      const u = String(ws.memberA);
      const noOps = await scim(keyA).patch(`/Users/${u}`, { schemas: [PATCH] });
      expect(noOps.body.scimType).to.equal('invalidSyntax');
      const badOp = await scim(keyA).patch(`/Users/${u}`, { schemas: [PATCH], Operations: [{ op: 'move', path: 'active', value: true }] });
      expect(badOp.body.scimType).to.equal('invalidSyntax');
      const removeName = await scim(keyA).patch(`/Users/${u}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: 'userName' }] });
      expect(removeName.body.scimType).to.equal('mutability');
      const malformed = await request(t.app).post('/scim/v2/Users').set('Authorization', `Bearer ${keyA}`).set('Content-Type', 'application/scim+json').send('{"userName": ');
      expect(malformed.status).to.equal(400);
      expect(malformed.body.scimType).to.equal('invalidSyntax');
      await scim(keyA).get('/Users/abc').expect(404);
      await scim(keyA).get('/Nope').expect(404);
    });

    it('refuses to deactivate the last active admin (400 mutability)', async () => {
      const res = await scim(keyA).patch(`/Users/${ws.adminA}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] });
      expect(res.status).to.equal(400);
      expect(res.body.scimType).to.equal('mutability');
      expect((await db('users').where({ id: ws.adminA }).first()).status).to.equal('active');
    });

    it('brings back a deleted user when the IdP creates them again', async () => {
      const created = await scim(keyA).post('/Users', { schemas: [USER], userName: 'again@alpha.test', active: true }).expect(201);
      await scim(keyA).del(`/Users/${created.body.id}`).expect(204);
      const back = await scim(keyA).post('/Users', { schemas: [USER], userName: 'again@alpha.test', active: true });
      expect(back.status, back.text).to.equal(201);
      expect(back.body.id).to.equal(created.body.id);
      expect(back.body.active).to.equal(true);
    });
  });
});
