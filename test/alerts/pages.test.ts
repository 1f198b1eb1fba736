// The Alerts settings pages over HTTP: endpoints (secret shown once, sealed at rest, other
// workspaces' ids 404), Send test / Resend through the worker to a verifying receiver (webhook and
// Slack), rule create/edit/test per channel, report subscriptions; every change audited.
import { expect } from 'chai';
import { closeAll } from '../helpers/db';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { twoWorkspaces, PASSWORD } from '../helpers/fixtures';
import { runDeliveries } from '../../src/webhooks/worker';
import { startReceiver, type Receiver } from './receiver';

describe('alerts settings pages', function () {
  this.timeout(30_000);
  let t: TestApp;
  let rx: Receiver;
  let admin: Agent;
  let otherAdmin: Agent;
  let w: Awaited<ReturnType<typeof twoWorkspaces>>;

  before(async () => {
    t = await createTestApp({ env: { WEBHOOK_ALLOW_PRIVATE: '1' } });
    rx = await startReceiver();
    w = await twoWorkspaces(t.db);
    admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
    otherAdmin = await loginAs(t.app, 'admin@beta.test', PASSWORD);
  });
  after(async () => {
    await rx.close();
    await closeAll();
  });

  it('creates an endpoint, shows the secret once, and another workspace cannot see or touch it', async () => {
    const res = await admin.post('/admin/settings/webhooks').type('form').send({ _csrf: admin.csrf, kind: 'webhook', url: rx.url, description: 'Ops', event_types: ['alert.fired', 'user.revoked'] }).expect(201);
    expect(res.headers['cache-control']).to.equal('no-store');
    const secret = /value="(whsec_[^"]+)"/.exec(res.text)![1];
    rx.secret = secret;
    const ep = await t.db('webhook_endpoints').where({ workspace_id: w.a.id }).first();
    expect(JSON.parse(ep.event_types)).to.deep.equal(['alert.fired', 'user.revoked']);
    expect(ep.secret_sealed).to.not.include(secret);
    const page = await admin.get(`/admin/settings/webhooks?endpoint=${ep.id}`).expect(200);
    expect(page.text).to.not.include(secret);
    expect(page.text).to.include(rx.url);
    await otherAdmin.get(`/admin/settings/webhooks?endpoint=${ep.id}`).expect(404);
    await otherAdmin.post(`/admin/settings/webhooks/${ep.id}/test`).type('form').send({ _csrf: otherAdmin.csrf }).expect(404);
    await otherAdmin.post(`/admin/settings/webhooks/${ep.id}/delete`).type('form').send({ _csrf: otherAdmin.csrf }).expect(404);
    const audit = await t.db('audit_log').where({ workspace_id: w.a.id, action: 'webhook.endpoint.create' });
    expect(audit).to.have.length(1);
    expect(audit[0].after_json).to.not.include('whsec_');
  });

  it('rejects bad input with a message, not a 500', async () => {
    const bad = await admin.post('/admin/settings/webhooks').type('form').send({ _csrf: admin.csrf, kind: 'webhook', url: 'javascript:alert(1)' }).expect(422);
    expect(bad.text).to.include('Enter an http:// or https:// URL.');
    expect(bad.text).to.include('Tick at least one event type.');
    const rule = await admin.post('/admin/settings/alerts').type('form').send({ _csrf: admin.csrf, name: 'x', condition: 'usage_spike', scope: 'user', metric: 'tokens', k: '0' }).expect(422);
    expect(rule.text).to.include('Use 0.5 to 20.');
  });

  it('Send test and Resend deliver signed messages; the endpoint page lists status, attempts, response and body', async () => {
    const ep = await t.db('webhook_endpoints').where({ workspace_id: w.a.id }).first();
    await admin.post(`/admin/settings/webhooks/${ep.id}/test`).type('form').send({ _csrf: admin.csrf }).expect(303);
    await runDeliveries(t.ctx);
    expect(rx.received.map((r) => [r.payload.type, r.verified])).to.deep.equal([['webhook.test', true]]);
    const d = await t.db('webhook_deliveries').where({ endpoint_id: ep.id }).first();
    const page = await admin.get(`/admin/settings/webhooks?endpoint=${ep.id}`).expect(200);
    expect(page.text).to.include(`data-delivery-id="${d.id}"`);
    expect(page.text).to.include('delivered');
    expect(page.text).to.include(d.response_ms != null ? `in ${d.response_ms} ms` : '200');
    expect(page.text).to.include(rx.received[0].id);
    await admin.post(`/admin/settings/webhooks/deliveries/${d.id}/resend`).type('form').send({ _csrf: admin.csrf }).expect(303);
    await runDeliveries(t.ctx);
    expect(rx.received).to.have.length(2);
    expect(rx.received[1].id, 'same webhook-id: receivers can deduplicate').to.equal(rx.received[0].id);
    await otherAdmin.post(`/admin/settings/webhooks/deliveries/${d.id}/resend`).type('form').send({ _csrf: otherAdmin.csrf }).expect(404);
  });

  it('rules: defaults listed, a rule created and edited, and "Send test" per channel reaches in-app, e-mail, webhook and Slack', async () => {
    const page = await admin.get('/admin/settings/alerts').expect(200);
    expect(page.text).to.include('Credit balance below 10,000');
    const slackRx = await startReceiver();
    try {
      await admin.post('/admin/settings/webhooks').type('form').send({ _csrf: admin.csrf, kind: 'slack', url: slackRx.url, event_types: 'alert.fired' }).expect(201);
      await admin
        .post('/admin/settings/alerts')
        .type('form')
        .send({ _csrf: admin.csrf, name: 'Busy users', condition: 'allocation_above', scope: 'user', percent: '80', inapp: '1', webhook: '1', slack: '1', email: String(w.adminA), enabled: '1' })
        .expect(303);
      const rule = await t.db('alert_rules').where({ workspace_id: w.a.id, name: 'Busy users' }).first();
      expect(JSON.parse(rule.params)).to.deep.equal({ scope: 'user', percent: 80 });
      expect(JSON.parse(rule.channels)).to.deep.equal({ inapp: true, email: [w.adminA], webhook: true, slack: true });
      await otherAdmin.post(`/admin/settings/alerts/${rule.id}`).type('form').send({ _csrf: otherAdmin.csrf, name: 'x', scope: 'user', percent: '5' }).expect(404);
      await admin.post(`/admin/settings/alerts/${rule.id}`).type('form').send({ _csrf: admin.csrf, name: 'Busy users', scope: 'group', percent: '85', webhook: '1' }).expect(303);
      const edited = await t.db('alert_rules').where({ id: rule.id }).first();
      expect(JSON.parse(edited.params)).to.deep.equal({ scope: 'group', percent: 85 });
      expect(!!edited.enabled).to.equal(false);

      rx.received.length = 0;
      for (const channel of ['inapp', 'email', 'webhook', 'slack']) {
        await admin.post(`/admin/settings/alerts/${rule.id}/test`).type('form').send({ _csrf: admin.csrf, channel }).expect(303);
      }
      await admin.post(`/admin/settings/alerts/${rule.id}/test`).type('form').send({ _csrf: admin.csrf, channel: 'pigeon' }).expect(422);
      const notes = await t.db('notifications').where({ workspace_id: w.a.id, kind: 'alert.allocation_above' });
      expect(notes.map((n) => n.recipient_user_id)).to.deep.equal([null, w.adminA]); // in-app for all admins; e-mail to the chosen admin
      await runDeliveries(t.ctx);
      expect(rx.received.map((r) => r.payload.type)).to.deep.equal(['alert.fired']);
      expect(rx.received[0].payload.data.rule).to.deep.equal({ id: rule.id, name: '[Test] Busy users', condition: 'allocation_above' });
      expect(slackRx.received).to.have.length(1);
      const slack = slackRx.received[0].payload as unknown as { text: string; blocks: unknown[] };
      expect(slack.text).to.equal('Alert "[Test] Busy users": this is a test alert; nothing crossed a threshold');
      expect(slack.blocks).to.have.length(2);
    } finally {
      await slackRx.close();
    }
    const actions = (await t.db('audit_log').where({ workspace_id: w.a.id }).where('action', 'like', 'alert_rule.%')).map((a) => a.action);
    expect(actions).to.include.members(['alert_rule.create', 'alert_rule.update', 'alert_rule.test']);
  });

  it('escapes what admins typed on every page of the section', async () => {
    const XSS = '<script>alert(1)</script>';
    await admin.post('/admin/settings/webhooks').type('form').send({ _csrf: admin.csrf, kind: 'webhook', url: `https://example.com/h?q=${encodeURIComponent(XSS)}`, description: `D ${XSS}`, event_types: 'user.revoked' }).expect(201);
    const ep = await t.db('webhook_endpoints').where({ workspace_id: w.a.id, description: `D ${XSS}` }).first();
    await admin.post('/admin/settings/alerts').type('form').send({ _csrf: admin.csrf, name: `R ${XSS}`, condition: 'pool_below', threshold: '5', inapp: '1' }).expect(303);
    for (const url of ['/admin/settings/webhooks', `/admin/settings/webhooks?endpoint=${ep.id}`, '/admin/settings/alerts']) {
      const res = await admin.get(url).expect(200);
      expect(res.text, url).to.not.include(XSS);
      expect(res.text, url).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });

  it('report subscriptions: created for me and addresses, validated, removed only by their workspace', async () => {
    await admin.post('/admin/settings/reports').type('form').send({ _csrf: admin.csrf, period: 'weekly', addresses: '' }).expect(422);
    const bad = await admin.post('/admin/settings/reports').type('form').send({ _csrf: admin.csrf, period: 'weekly', addresses: 'not-an-address' }).expect(422);
    expect(bad.text).to.include('Enter valid e-mail addresses');
    await admin.post('/admin/settings/reports').type('form').send({ _csrf: admin.csrf, period: 'monthly', me: '1', addresses: 'CFO@example.com, ops@example.com', exports: 'report-days' }).expect(303);
    const sub = await t.db('report_subscriptions').where({ workspace_id: w.a.id }).first();
    expect(JSON.parse(sub.recipients)).to.deep.equal(['admin@alpha.test', 'cfo@example.com', 'ops@example.com']);
    expect(JSON.parse(sub.exports)).to.deep.equal(['report-days']);
    const page = await admin.get('/admin/settings/reports').expect(200);
    expect(page.text).to.include('cfo@example.com');
    await otherAdmin.post(`/admin/settings/reports/${sub.id}/delete`).type('form').send({ _csrf: otherAdmin.csrf }).expect(404);
    await admin.post(`/admin/settings/reports/${sub.id}/delete`).type('form').send({ _csrf: admin.csrf }).expect(303);
    expect(await t.db('report_subscriptions').where({ workspace_id: w.a.id })).to.have.length(0);
  });
});
