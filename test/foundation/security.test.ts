// Generated security checks over every route the app serves (read from its router, so a new route is
// covered the day it lands): every state-changing form route refuses a request without a valid CSRF
// token and changes nothing; every id-bearing route answers 404 for another workspace's record (and
// leaves it untouched), while the same route with an id of the admin's own workspace reaches the handler.
import { expect } from 'chai';
import request from 'supertest';
import type { Knex } from 'knex';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { createUser, twoWorkspaces, PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { appRoutes } from './app-routes';
import { requestAccess } from '../../src/credits/access-requests';
import { notify } from '../../src/notifications/notify';
import { createApiKey } from '../../src/apikeys/keys';
import { SYSTEM_ACTOR } from '../../src/audit/audit';
import { createEndpoint } from '../../src/webhooks/endpoints';
import { enqueueEvent } from '../../src/webhooks/outbox';
import { createRule } from '../../src/alerts/rules';
import { toDbTime } from '../../src/db/time';

import { insertPolicy } from '../../src/limits/queries';
import { requestIncrease } from '../../src/limits/requests';
type Kind = 'user' | 'request' | 'notification' | 'apiKey' | 'alertRule' | 'endpoint' | 'delivery' | 'report' | 'limit' | 'limitRequest';
interface Records {
  user: number;
  request: number;
  notification: number;
  apiKey: number;
  alertRule: number;
  endpoint: number;
  delivery: number;
  report: number;
  limit: number;
  limitRequest: number;
}

/** Which kind of record each id-bearing path names. A new id route must be added here (the test says so). */
const ID_KINDS: [RegExp, Kind][] = [
  [/^\/admin\/users\/:id\b/, 'user'],
  [/^\/admin\/credits\/users\/:id\b/, 'user'],
  [/^\/admin\/credits\/requests\/:id\b/, 'request'],
  [/^\/admin\/notifications\/:id\b/, 'notification'],
  [/^\/admin\/api-keys\/:id\b/, 'apiKey'],
  [/^\/admin\/settings\/sign-in\/two-factor\/:id\b/, 'user'],
  [/^\/admin\/settings\/alerts\/:id\b/, 'alertRule'],
  [/^\/admin\/settings\/webhooks\/deliveries\/:id\b/, 'delivery'],
  [/^\/admin\/settings\/webhooks\/:id\b/, 'endpoint'],
  [/^\/admin\/settings\/reports\/:id\b/, 'report'],
  [/^\/admin\/settings\/limits\/requests\/:id\b/, 'limitRequest'],
  [/^\/admin\/settings\/limits\/:id\b/, 'limit'],
];

/** Bodies that would be accepted (so a missing workspace scope would really change something). */
function validBody(path: string): Record<string, string> {
  if (path.endsWith('/allocation')) return { max_inference_tokens: '12345', max_embedding_tokens: '678' };
  if (path.endsWith('/credit-access')) return { allowed: '1' };
  if (path.endsWith('/access')) return { allowed: 'true' };
  if (path.endsWith('/role')) return { role: 'admin' };
  if (path === '/admin/settings/alerts/:id') return { name: 'Low balance', threshold: '500', inapp: '1', enabled: '1' };
  if (path === '/admin/settings/alerts/:id/test') return { channel: 'inapp' };
  if (path === '/admin/settings/webhooks/:id') return { url: 'https://example.com/hook', event_types: 'alert.fired', enabled: '1' };
  if (path === '/admin/settings/limits/:id') return { layer: 'workspace', metric: 'inference', period: 'month', amount: '777', mode: 'hard' };
  if (path === '/admin/settings/limits/requests/:id') return { decision: 'deny' };
  return {};
}

/** Valid-looking bodies for the CSRF sweep: the token is the only thing wrong with these requests. */
const CSRF_BODIES: Record<string, Record<string, string>> = {
  '/login': { email: 'admin@alpha.test', password: PASSWORD },
  '/admin/users': { email: 'csrf-invite@alpha.test', name: 'Csrf Invite', role: 'member', department: 'Sales', max_inference_tokens: '10', max_embedding_tokens: '10' },
  '/admin/users/bulk-allocation': { max_inference_tokens: '10', max_embedding_tokens: '10' },
  '/admin/credits/packs': { kind: 'purchase', amount: '1000', note: 'csrf' },
  '/admin/credits/adjustments': { amount: '-10', note: 'csrf' },
  '/admin/credits/settings': { payg_enabled: '1', payg_cap: '500', included_credits_per_period: '0' },
  '/admin/credits/prices': { grid_row: '2' },
  '/admin/api-keys': { name: 'csrf key' },
  '/me/credit-access-request': { note: 'csrf' },
};

async function recordsIn(db: Knex, workspaceId: number, label: string): Promise<Records> {
  const user = await createUser(db, workspaceId, { email: `${label}@sec.test`, name: `Sec ${label}`, role: 'member' });
  await db('users').where({ id: user }).update({ may_spend_credits: false });
  await requestAccess(db, SYSTEM_ACTOR, workspaceId, user, 'please');
  const req = await db('credit_access_requests').where({ workspace_id: workspaceId, user_id: user }).first();
  await notify(db, { workspaceId, kind: 'test', title: `note ${label}` });
  const note = await db('notifications').where({ workspace_id: workspaceId, title: `note ${label}` }).first();
  const { row } = await createApiKey(db, workspaceId, `key ${label}`, null);
  const alertRule = await createRule(db, workspaceId, { name: `rule ${label}`, condition: 'pool_below', params: { threshold: 100 }, channels: { inapp: true, email: [], webhook: false, slack: false }, enabled: true });
  const endpoint = (await createEndpoint(db, 'security-test-key-security-test-key', workspaceId, { kind: 'webhook', url: 'https://example.com/hook', description: `Sec ${label}`, eventTypes: ['user.revoked'] })).row.id;
  await db.transaction((trx) => enqueueEvent(trx, workspaceId, 'user.revoked', { workspace: { id: workspaceId, slug: label }, user: { id: user, email: `${label}@sec.test` }, revoked_by: null }, { endpointId: endpoint }));
  const delivery = Number((await db('webhook_deliveries').where({ endpoint_id: endpoint }).orderBy('id', 'desc').first()).id);
  const [report] = await db('report_subscriptions').insert({ workspace_id: workspaceId, period: 'weekly', recipients: JSON.stringify([`${label}@sec.test`]), exports: '[]', created_at: toDbTime(new Date()) });
  const limit = await insertPolicy(db, workspaceId, { scope: 'user', groupId: null, userId: user, appliesTo: 'member', metric: 'credits', period: 'day', amount: 5, mode: 'soft', expiresAt: null, note: label }, null);
  await requestIncrease(db, SYSTEM_ACTOR, workspaceId, user, { metric: 'credits', period: 'day', amount: 50, expiresAt: new Date(Date.now() + 86_400_000), note: label });
  const limitRequest = await db('limit_requests').where({ workspace_id: workspaceId, user_id: user }).first();
  return { user, request: Number(req.id), notification: Number(note.id), apiKey: row.id, alertRule, endpoint, delivery, report: Number(report), limit, limitRequest: Number(limitRequest.id) };
}

/** Everything a cross-workspace write could touch in one workspace, for before/after comparison. */
async function snapshot(db: Knex, workspaceId: number) {
  const [users, requests, notifications, reads, keys, audit, ledger, ws, limits, limitRequests] = await Promise.all([
    db('users').select('id', 'role', 'status', 'max_inference_tokens', 'max_embedding_tokens', 'may_spend_credits').where({ workspace_id: workspaceId }).orderBy('id'),
    db('credit_access_requests').select('id', 'status').where({ workspace_id: workspaceId }).orderBy('id'),
    db('notifications').select('id', 'read_at').where({ workspace_id: workspaceId }).orderBy('id'),
    // read state is per admin (notification_reads)
    db('notification_reads')
      .join('notifications', 'notifications.id', 'notification_reads.notification_id')
      .select('notification_reads.notification_id', 'notification_reads.user_id')
      .where('notifications.workspace_id', workspaceId)
      .orderBy(['notification_reads.notification_id', 'notification_reads.user_id']),
    db('api_keys').select('id', 'revoked_at').where({ workspace_id: workspaceId }).orderBy('id'),
    db('audit_log').count({ n: '*' }).where({ workspace_id: workspaceId }),
    db('credit_ledger').count({ n: '*' }).where({ workspace_id: workspaceId }),
    db('workspaces').where({ id: workspaceId }).first(),
    db('limit_policies').select('id', 'amount', 'mode', 'updated_at').where({ workspace_id: workspaceId }).orderBy('id'),
    db('limit_requests').select('id', 'status').where({ workspace_id: workspaceId }).orderBy('id'),
  ]);
  const [rules, endpoints, deliveries, reports] = await Promise.all([
    db('alert_rules').select('id', 'name', 'params', 'channels', 'enabled').where({ workspace_id: workspaceId }).orderBy('id'),
    db('webhook_endpoints').select('id', 'url', 'event_types', 'enabled', 'secret_sealed').where({ workspace_id: workspaceId }).orderBy('id'),
    db('webhook_deliveries').count({ n: '*' }).where({ workspace_id: workspaceId }),
    db('report_subscriptions').select('id').where({ workspace_id: workspaceId }).orderBy('id'),
  ]);
  return JSON.stringify({ users, requests, notifications, reads, keys, audit: Number(audit[0].n), ledger: Number(ledger[0].n), ws, rules, endpoints, deliveries: Number(deliveries[0].n), reports, limits, limitRequests });
}

describe('foundation: generated security checks over every route', function () {
  this.timeout(60_000);
  let t: TestApp;
  let w: Awaited<ReturnType<typeof twoWorkspaces>>;
  let admin: Agent;
  let member: Agent;
  let routes: { method: string; path: string }[];

  before(async () => {
    t = await createTestApp();
    w = await twoWorkspaces(t.db);
    // Both on credit billing, so credit routes reach their record lookups in either workspace.
    await t.db('workspaces').where({ id: w.b.id }).update({ billing_mode: 'credits' });
    admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
    member = await loginAs(t.app, 'member@alpha.test', PASSWORD);
    routes = appRoutes(t.app).filter((r) => !/^\/(api|scim)\//.test(r.path));
  });
  after(closeAll);

  describe('CSRF', () => {
    it('every form POST without a token, or with a forged one, is refused with 403 and changes nothing', async () => {
      const posts = routes.filter((r) => r.method !== 'GET');
      expect(posts.length, 'POST routes found').to.be.greaterThan(15);
      const own = await recordsIn(t.db, w.a.id, 'csrf-own');
      await t.db('users').where({ id: w.memberA }).update({ may_spend_credits: false });
      const before = await snapshot(t.db, w.a.id);
      const checked: string[] = [];
      for (const r of posts) {
        const kind = ID_KINDS.find(([re]) => re.test(r.path))?.[1];
        const path = r.path.replace(':id', String(kind ? own[kind] : 1));
        const body = { ...(CSRF_BODIES[r.path] ?? validBody(r.path)) };
        const agent = r.path.startsWith('/me') ? member : admin;
        const none = await agent.post(path).type('form').send(body);
        expect(none.status, `${r.method} ${path} without a token`).to.equal(403);
        const forged = await agent.post(path).type('form').send({ ...body, _csrf: 'forged-token' });
        expect(forged.status, `${r.method} ${path} with a forged token`).to.equal(403);
        const header = await agent.post(path).set('HX-Request', 'true').set('X-CSRF-Token', 'forged-token').type('form').send(body);
        expect(header.status, `${r.method} ${path} (htmx) with a forged header`).to.equal(403);
        checked.push(path);
      }
      expect(await snapshot(t.db, w.a.id), 'nothing changed').to.equal(before);
      expect(checked).to.include('/logout');
      // Still signed in: the refused /logout did not end the session.
      await admin.get('/admin/users').expect(200);
    });

    it('a token from another session is refused', async () => {
      const res = await member.post('/me/credit-access-request').type('form').send({ note: 'x', _csrf: admin.csrf });
      expect(res.status).to.equal(403);
    });
  });

  describe("another workspace's ids", () => {
    let mine: Records;
    let theirs: Records;
    before(async () => {
      theirs = await recordsIn(t.db, w.b.id, 'theirs');
      mine = await recordsIn(t.db, w.a.id, 'mine');
    });

    it('every id-bearing route answers 404 for a record of another workspace and leaves it untouched', async () => {
      const idRoutes = routes.filter((r) => r.path.includes(':id'));
      expect(idRoutes.length).to.be.greaterThan(10);
      const before = await snapshot(t.db, w.b.id);
      for (const r of idRoutes) {
        const kind = ID_KINDS.find(([re]) => re.test(r.path))?.[1];
        expect(kind, `${r.path}: add its record kind to ID_KINDS in ${__filename}`).to.be.a('string');
        const path = r.path.replace(':id', String(theirs[kind!]));
        for (const htmx of [false, true]) {
          let req = r.method === 'GET' ? admin.get(path) : admin.post(path).type('form').send({ ...validBody(r.path), _csrf: admin.csrf });
          if (htmx) req = req.set('HX-Request', 'true');
          const res = await req;
          expect(res.status, `${r.method} ${path}${htmx ? ' (htmx)' : ''}`).to.equal(404);
          expect(res.text).not.to.include('Sec theirs');
        }
      }
      expect(await snapshot(t.db, w.b.id), "the other workspace's records are unchanged").to.equal(before);
    });

    it('the same routes with ids of the own workspace reach their handler (the check above is not vacuous)', async () => {
      for (const r of routes.filter((x) => x.path.includes(':id'))) {
        const kind = ID_KINDS.find(([re]) => re.test(r.path))![1];
        // approve and deny need a pending request each; a fresh set of records per route keeps them independent
        const own = ['request', 'apiKey', 'alertRule', 'endpoint', 'delivery', 'report', 'limit', 'limitRequest'].includes(kind) ? await recordsIn(t.db, w.a.id, `own-${Math.random().toString(36).slice(2, 8)}`) : mine;
        const path = r.path.replace(':id', String(own[kind]));
        const res = r.method === 'GET' ? await admin.get(path) : await admin.post(path).type('form').send({ ...validBody(r.path), _csrf: admin.csrf });
        expect(res.status, `${r.method} ${path}`).to.be.oneOf([200, 201, 204, 303]);
      }
    });

    it('ids that are not numbers, zero, negative or out of range are 404, never a 500', async () => {
      for (const r of routes.filter((x) => x.path.includes(':id'))) {
        for (const bad of ['abc', '0', '-1', '1e3', '99999999999', '2147483648', '%27%20OR%201%3D1']) {
          const path = r.path.replace(':id', bad);
          const res = r.method === 'GET' ? await admin.get(path) : await admin.post(path).type('form').send({ ...validBody(r.path), _csrf: admin.csrf });
          expect(res.status, `${r.method} ${path}`).to.equal(404);
        }
      }
    });
  });

  describe('bulk selections', () => {
    it("a bulk allocation naming another workspace's user is a 404 and changes nobody, not even the own users listed with it", async () => {
      const theirs = await createUser(t.db, w.b.id, { email: 'bulk-theirs@beta.test', role: 'member' });
      const own = await createUser(t.db, w.a.id, { email: 'bulk-own@alpha.test', role: 'member' });
      const before = [await snapshot(t.db, w.a.id), await snapshot(t.db, w.b.id)];
      const res = await admin.post('/admin/users/bulk-allocation').type('form').send(`ids=${own}&ids=${theirs}&max_inference_tokens=4242&max_embedding_tokens=&_csrf=${encodeURIComponent(admin.csrf)}`);
      expect(res.status).to.equal(404);
      expect([await snapshot(t.db, w.a.id), await snapshot(t.db, w.b.id)]).to.deep.equal(before);
      // the same request with only the own user goes through (the refusal above is about the foreign id)
      const ok = await admin.post('/admin/users/bulk-allocation').type('form').send(`ids=${own}&max_inference_tokens=4242&max_embedding_tokens=&_csrf=${encodeURIComponent(admin.csrf)}`);
      expect(ok.status).to.equal(303);
      expect((await t.db('users').where({ id: own }).first()).max_inference_tokens).to.equal(4242);
    });
  });

  describe('audit', () => {
    /** Admin changes and the audit action each must write (with before and/or after). */
    const CHANGES: { path: (r: Records) => string; body: Record<string, string>; action: RegExp; before: boolean }[] = [
      { path: () => '/admin/users', body: CSRF_BODIES['/admin/users'], action: /^user\.invite/, before: false },
      { path: (r) => `/admin/users/${r.user}/allocation`, body: { max_inference_tokens: '777', max_embedding_tokens: '88' }, action: /^user\.allocation/, before: true },
      { path: (r) => `/admin/users/${r.user}/credit-access`, body: { allowed: '1' }, action: /credit/, before: true },
      { path: (r) => `/admin/users/${r.user}/role`, body: { role: 'admin' }, action: /^user\.role/, before: true },
      { path: (r) => `/admin/users/${r.user}/revoke`, body: {}, action: /^user\.(revoke|status)/, before: true },
      { path: (r) => `/admin/users/${r.user}/restore`, body: {}, action: /^user\.(restore|status)/, before: true },
      { path: () => '/admin/credits/packs', body: { kind: 'purchase', amount: '1000', note: 'audit' }, action: /^credits\./, before: false },
      { path: () => '/admin/credits/adjustments', body: { amount: '10', note: 'audit' }, action: /^credits\./, before: false },
      { path: () => '/admin/credits/settings', body: { payg_enabled: '1', payg_cap: '1234', included_credits_per_period: '0' }, action: /^credits\.settings/, before: true },
      { path: () => '/admin/credits/prices', body: { grid_row: '3', api_call: '2', agent_research: '50', agent_optimization: '40', agent_other: '10', grid_free_test_rows: '5' }, action: /^credits\.prices/, before: true },
      { path: (r) => `/admin/credits/requests/${r.request}/approve`, body: {}, action: /^credits\.access_request/, before: true },
      { path: () => '/admin/api-keys', body: { name: 'audited key' }, action: /^api_key\.create/, before: false },
      { path: (r) => `/admin/api-keys/${r.apiKey}/revoke`, body: {}, action: /^api_key\.revoke/, before: true },
      { path: () => '/admin/settings/alerts', body: { name: 'Audited rule', condition: 'pool_below', threshold: '50', inapp: '1', enabled: '1' }, action: /^alert_rule\.create/, before: false },
      { path: (r) => `/admin/settings/alerts/${r.alertRule}`, body: { name: 'Audited rule 2', threshold: '60', enabled: '1' }, action: /^alert_rule\.update/, before: true },
      { path: () => '/admin/settings/webhooks', body: { kind: 'webhook', url: 'https://example.com/audited', event_types: 'alert.fired' }, action: /^webhook\.endpoint\.create/, before: false },
      { path: (r) => `/admin/settings/webhooks/${r.endpoint}`, body: { url: 'https://example.com/audited-2', event_types: 'user.revoked', enabled: '1' }, action: /^webhook\.endpoint\.update/, before: true },
      { path: () => '/admin/settings/reports', body: { period: 'monthly', addresses: 'audit@example.com' }, action: /^report_subscription\.create/, before: false },
    ];

    it('every admin change writes an audit row with the actor, IP, and before/after', async () => {
      const r = await recordsIn(t.db, w.a.id, 'audited');
      for (const c of CHANGES) {
        const path = c.path(r);
        const maxId = Number((await t.db('audit_log').max({ m: 'id' }).first())?.m ?? 0);
        const res = await admin.post(path).type('form').send({ ...c.body, _csrf: admin.csrf });
        expect(res.status, `${path}: ${res.text.slice(0, 300)}`).to.be.oneOf([200, 201, 303]);
        const rows = await t.db('audit_log').where('id', '>', maxId).where({ workspace_id: w.a.id });
        const row = rows.find((x) => c.action.test(x.action));
        expect(row, `${path} audited as ${c.action} (got ${rows.map((x) => x.action).join(', ') || 'nothing'})`).to.not.equal(undefined);
        expect(row.actor_user_id, path).to.equal(w.adminA);
        expect(row.ip, path).to.be.a('string').and.not.equal('');
        expect(row.after_json, `${path} after`).to.not.equal(null);
        if (c.before) expect(row.before_json, `${path} before`).to.not.equal(null);
      }
    });
  });

  describe('odd input', function () {
    // every route x every odd value: grows with each feature's routes, and slows with a busy machine
    this.timeout(180_000);
    const FIELDS = ['email', 'name', 'role', 'department', 'max_inference_tokens', 'max_embedding_tokens', 'ids', 'allowed', 'kind', 'amount', 'expires_on', 'price', 'note', 'payg_enabled', 'payg_cap', 'included_credits_per_period', 'grid_row', 'api_call', 'agent_research', 'agent_optimization', 'agent_other', 'grid_free_test_rows', 'return', 'next', 'may_spend_credits'];
    const VALUES = ['', ' ', '-1', '1e309', '99999999999999999999', 'NaN', '0x10', '1.5', 'x'.repeat(5000), '<script>alert(1)</script>', "'; DROP TABLE users; --", '\u0000', '2026-02-30', '../../etc/passwd'];

    // A refusal shows its message: next to the field or in an alert (form re-render, htmx fragment), or
    // on the error page (a fixed-choice control such as a role menu sent a value it never offers).
    it('no form post answers 500, and every refusal of an HTML form shows its message in place', async () => {
      const own = await recordsIn(t.db, w.a.id, 'fuzz');
      const failures: string[] = [];
      for (const r of routes.filter((x) => x.method === 'POST' && x.path !== '/logout' && x.path !== '/login')) {
        const kind = ID_KINDS.find(([re]) => re.test(r.path))?.[1];
        const path = r.path.replace(':id', String(kind ? own[kind] : 1));
        const agent = r.path.startsWith('/me') ? member : admin;
        const bodies: string[] = VALUES.map((v) => FIELDS.map((f) => `${f}=${encodeURIComponent(v)}`).join('&'));
        bodies.push(FIELDS.map((f) => `${f}=1&${f}=2`).join('&')); // every field repeated (arrays)
        bodies.push('');
        for (const body of bodies) {
          for (const htmx of [false, true]) {
            let req = agent.post(path).type('form');
            if (htmx) req = req.set('HX-Request', 'true');
            const res = await req.send(`${body}${body ? '&' : ''}_csrf=${encodeURIComponent(agent.csrf)}`);
            const where = `${path}${htmx ? ' (htmx)' : ''} ${body.slice(0, 60)}`;
            if (res.status >= 500) failures.push(`${where}: ${res.status}`);
            if ([400, 409, 422].includes(res.status) && !/field-error|role="alert"|class="error-page"/.test(res.text)) failures.push(`${where}: ${res.status} without a visible message`);
          }
        }
      }
      expect(failures).to.deep.equal([]);
    });

    it('no redirect from any form or page leaves the site, whatever next/return/back say', async () => {
      const own = await recordsIn(t.db, w.a.id, 'redirects');
      const OFFSITE = ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '\\\\evil.example'];
      const offsite: string[] = [];
      let redirects = 0;
      const check = (where: string, location: string | undefined) => {
        if (!location) return;
        redirects++;
        const u = new URL(location, 'http://console.test');
        if (u.host !== 'console.test' || !location.startsWith('/') || location.startsWith('//') || location.startsWith('/\\')) offsite.push(`${where} -> ${location}`);
      };
      for (const target of OFFSITE) {
        const fields = `next=${encodeURIComponent(target)}&return=${encodeURIComponent(target)}&back=${encodeURIComponent(target)}`;
        for (const r of routes.filter((x) => x.method === 'POST' && x.path !== '/logout')) {
          const kind = ID_KINDS.find(([re]) => re.test(r.path))?.[1];
          const path = r.path.replace(':id', String(kind ? own[kind] : 1));
          const agent = r.path.startsWith('/me') ? member : admin;
          const body = new URLSearchParams({ ...(CSRF_BODIES[r.path] ?? validBody(r.path)) }).toString();
          const res = await agent.post(path).type('form').send(`${body}&${fields}&_csrf=${encodeURIComponent(agent.csrf)}`);
          check(`POST ${path}`, res.headers.location);
        }
        for (const r of routes.filter((x) => x.method === 'GET' && !/^\/(api|scim)\//.test(x.path))) {
          const path = r.path.replace(':id', String(w.memberA)).replace(':chart', 'features');
          check(`GET ${path}`, (await admin.get(`${path}?${fields}`)).headers.location);
          check(`GET ${path} (anonymous)`, (await request(t.app).get(`${path}?${fields}`)).headers.location);
        }
      }
      expect(redirects, 'redirects seen').to.be.greaterThan(20);
      expect(offsite).to.deep.equal([]);
    });

    it('no page answers 500 to odd query strings', async function () {
      // Hundreds of page renders: a few in flight at a time, and room for a loaded machine.
      this.timeout(240_000);
      const q = ['from', 'to', 'page', 'per', 'sort', 'dir', 'q', 'before', 'after', 'tab', 'show', 'access', 'type', 'range', 'role', 'status', 'department', 'model', 'surface', 'training', 'action', 'actor', 'today'];
      const failures: string[] = [];
      const pages = routes.filter((r) => r.method === 'GET' && !/^\/(api|scim)\//.test(r.path));
      const urls: string[] = [];
      for (const r of pages) {
        const path = r.path.replace(':id', String(w.memberA)).replace(':chart', 'features');
        for (const v of VALUES.concat(['%', '[]', '{"a":1}'])) {
          const qs = q.map((k) => `${k}=${encodeURIComponent(v)}`).join('&');
          urls.push(`${path}?${qs}`, `${path}?${q.map((k) => `${k}=1&${k}=2`).join('&')}`);
        }
      }
      let next = 0;
      const worker = async () => {
        while (next < urls.length) {
          const url = urls[next++];
          const res = await admin.get(url);
          if (res.status >= 500) failures.push(`${url.slice(0, 120)}: ${res.status}`);
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
      expect(urls.length).to.be.greaterThan(100);
      expect(failures).to.deep.equal([]);
    });
  });

  describe('members', () => {
    it('every /admin route refuses a signed-in member with 403, whatever the method', async () => {
      for (const r of routes.filter((x) => x.path.startsWith('/admin'))) {
        const path = r.path.replace(':id', String(w.memberA)).replace(':chart', 'features');
        const res = r.method === 'GET' ? await member.get(path) : await member.post(path).type('form').send({ ...validBody(r.path), _csrf: member.csrf });
        expect(res.status, `${r.method} ${path}`).to.equal(403);
      }
    });

    it('anonymous htmx calls to every /admin route get 401 (browsers are sent to /login)', async () => {
      for (const r of routes.filter((x) => x.path.startsWith('/admin') && x.method === 'GET')) {
        const path = r.path.replace(':id', String(w.memberA)).replace(':chart', 'features');
        const res = await request(t.app).get(path).set('HX-Request', 'true');
        expect(res.status, path).to.equal(401);
        const browser = await request(t.app).get(path);
        expect(browser.status, path).to.equal(303);
        expect(browser.headers.location).to.equal(`/login?next=${encodeURIComponent(path)}`);
      }
    });
  });
});
