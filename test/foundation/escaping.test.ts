// Every text a workspace's data can put on a page (user, agent, group, department, prompt, API key
// name, notification, pack note) holds an HTML/script payload; every page and htmx fragment the app
// serves is fetched and must show it only escaped. Chart JSON blocks must parse back to the exact
// name (labels intact) while the raw payload never appears inside a <script> element.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { appRoutes } from './app-routes';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import { upsertAgent, upsertGroup } from '../../src/ingest/roster';
import { addCredits } from '../../src/credits/admin';
import { requestAccess } from '../../src/credits/access-requests';
import { notify } from '../../src/notifications/notify';
import { createApiKey } from '../../src/apikeys/keys';
import { SYSTEM_ACTOR } from '../../src/audit/audit';
import type { InteractionInput } from '../../src/domain/model';

const XSS = '</script><script>alert(1)</script><img src=x onerror=alert(2)>"\'&';
const RAW_MARKERS = ['<script>alert(1)', '<img src=x', '</script><script>'];
const DAY = 86_400_000;

/** The body of every <script type="application/json"> block in a page. */
function jsonBlocks(html: string): { id: string; text: string }[] {
  return [...html.matchAll(/<script type="application\/json" id="([^"]+)">([\s\S]*?)<\/script>/g)].map((m) => ({ id: m[1], text: m[2] }));
}

/** Every string inside a parsed JSON value. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

describe('foundation: user-controlled text is escaped on every page', function () {
  this.timeout(60_000);
  let t: TestApp;
  let admin: Agent;
  let member: Agent;
  let evilId: number;

  before(async () => {
    t = await createTestApp();
    const ws = await createWorkspace(t.db, { slug: 'evil', name: `Evil ${XSS}`, billing_mode: 'credits' });
    await createUser(t.db, ws.id, { email: 'admin@evil.test', name: 'Eve Admin', role: 'admin' });
    evilId = await createUser(t.db, ws.id, { email: 'x@evil.test', name: `Mallory ${XSS}`, department: `Dept ${XSS}`, role: 'member' });
    const blocked = await createUser(t.db, ws.id, { email: 'blocked@evil.test', name: `Blocked ${XSS}`, role: 'member', maySpendCredits: false });
    await upsertAgent(t.db, ws.id, { externalId: 'evil-agent', name: `Agent ${XSS}`, kind: 'custom', type: 'research', creatorEmail: 'x@evil.test' });
    await upsertGroup(t.db, ws.id, { externalId: 'evil-group', name: `Group ${XSS}`, knowledgeApplied: true, members: ['x@evil.test'] });
    await addCredits(t.db, SYSTEM_ACTOR, ws.id, { kind: 'purchase', amount: 50_000, expiresAt: null, note: `Note ${XSS}`, priceCents: 100 });
    const now = Date.now();
    const events: InteractionInput[] = [];
    for (let d = 1; d <= 40; d += 3) {
      events.push({ id: `x-${d}`, user: 'x@evil.test', occurredAt: new Date(now - d * DAY), kind: 'inference', surface: 'agent', agent: 'evil-agent', model: `model ${XSS}`.slice(0, 60), promptTokens: 10, completionTokens: 5, prompt: `Prompt ${XSS}`, ip: '10.0.0.1', iqLayers: ['knowledge'], billable: { category: 'agents', units: 1 } });
    }
    const r = await recordInteractions(t.db, ws.id, events);
    expect(r.rejected, JSON.stringify(r.rejected)).to.deep.equal([]);
    await recordLogins(t.db, ws.id, [{ user: 'x@evil.test', occurredAt: new Date(now - 2 * DAY), ip: '10.0.0.1' }]);
    await requestAccess(t.db, SYSTEM_ACTOR, ws.id, blocked, `Please ${XSS}`);
    await notify(t.db, { workspaceId: ws.id, kind: 'test', title: `Title ${XSS}`, body: `Body ${XSS}` });
    await createApiKey(t.db, ws.id, `Key ${XSS}`, null);
    // an audit row with the payload in its before/after
    await t.db('users').where({ id: evilId }).update({ max_inference_tokens: 7 });
    admin = await loginAs(t.app, 'admin@evil.test', PASSWORD);
    member = await loginAs(t.app, 'x@evil.test', PASSWORD);
    // an audited change whose before/after carries the payload
    const res = await admin.post('/admin/api-keys').type('form').send({ name: `Second ${XSS}`.slice(0, 100), _csrf: admin.csrf });
    expect(res.status).to.equal(201);
  });
  after(closeAll);

  function pagesToVisit(): string[] {
    const paths = appRoutes(t.app)
      .filter((r) => r.method === 'GET' && !/^\/(api|scim)\//.test(r.path) && !r.path.endsWith('.csv') && !r.path.endsWith('.pdf') && r.path !== '/healthz')
      .map((r) => r.path);
    const charts = ['weekly-generations', 'weekly-logins', 'credits', 'features', 'agents', 'heatmap', 'users-features', 'users-agent-types', 'groups'];
    const out: string[] = [];
    for (const p of paths) {
      if (p.includes(':chart')) out.push(...charts.map((c) => p.replace(':chart', c)));
      else out.push(p.replace(':id', String(evilId)));
    }
    out.push('/admin/credits/ledger?type=usage', '/admin/credits/people?access=blocked', '/admin/tokens?tab=usage', '/admin/tokens?tab=monthly', '/admin/usage?from=' + new Date(Date.now() - 60 * DAY).toISOString().slice(0, 10));
    return out;
  }

  it('no page or fragment contains the payload unescaped, and its text is there escaped', async () => {
    const visited: string[] = [];
    let sawEscaped = 0;
    for (const path of pagesToVisit()) {
      for (const htmx of [false, true]) {
        let req = admin.get(path);
        if (htmx) req = req.set('HX-Request', 'true');
        const res = await req;
        expect(res.status, `${path}${htmx ? ' (htmx)' : ''}`).to.be.oneOf([200, 303]);
        for (const m of RAW_MARKERS) expect(res.text, `${path}${htmx ? ' (htmx)' : ''} contains ${m}`).not.to.include(m);
        if (res.text.includes('&lt;script&gt;alert(1)') || res.text.includes('\\u003cscript>alert(1)')) sawEscaped++;
        visited.push(path);
      }
    }
    const me = await member.get('/me');
    for (const m of RAW_MARKERS) expect(me.text).not.to.include(m);
    expect(visited.length).to.be.greaterThan(20);
    // the payload is really on the pages (escaped), so the absence above means something
    expect(sawEscaped).to.be.greaterThan(10);
  });

  it('chart JSON blocks parse and carry the exact names, while nothing inside can close the <script> element', async () => {
    let labelled = 0;
    for (const path of ['/admin/usage/charts/users-features', '/admin/usage/charts/agents', '/admin/usage/charts/users-agent-types', '/admin/usage/charts/groups', '/admin/credits', '/admin/tokens?tab=usage']) {
      const res = await admin.get(path).expect(200);
      for (const b of jsonBlocks(res.text)) {
        expect(b.text, `${path} #${b.id}`).not.to.match(/<\/?script/i);
        const cfg = JSON.parse(b.text);
        if (strings(cfg).some((v) => v.includes('</script><script>alert(1)'))) labelled++;
      }
    }
    expect(labelled, 'charts that show the payload as a label').to.be.greaterThan(1);
  });
});
