// Credit alerts come only from the workspace's alert rules, on every channel: a default rule edited
// over HTTP fires at its new level and not the old, a disabled one sends nothing anywhere, in-app
// off with e-mail on sends only the e-mail (local SMTP server), a custom rule fires alongside the
// defaults once per crossing, a deleted default stays deleted until restored, and a rolled-back
// charge fires nothing. Balances are computed by hand: an API call costs 2 credits (default price).
import { expect } from 'chai';
import { closeAll } from '../helpers/db';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { createUser, PASSWORD } from '../helpers/fixtures';
import { startSmtp, subjectOf, textOf, type LocalSmtp } from '../helpers/smtp';
import { addCredits, updateSettings } from '../../src/credits/admin';
import { chargeBatch } from '../../src/credits/charge';
import { dayOf, monthOf } from '../../src/db/time';
import { configureMail, flushMail } from '../../src/notifications/mailer';
import { unreadCount } from '../../src/notifications/notify';
import { createEndpoint } from '../../src/webhooks/endpoints';
import { runDeliveries } from '../../src/webhooks/worker';
import { billable, creditWorld, record } from '../credits/fixture';
import { startReceiver, type Receiver } from './receiver';

const EVENTS = ['alert.fired', 'credits.threshold_crossed', 'credits.cap_reached'];

describe('credit alert rules: the one source of credit alerts on every channel', function () {
  this.timeout(60_000);
  let t: TestApp;
  let smtp: LocalSmtp;
  let hook: Receiver;
  let slack: Receiver;

  before(async () => {
    smtp = await startSmtp();
    hook = await startReceiver();
    slack = await startReceiver();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, WEBHOOK_ALLOW_PRIVATE: '1' } });
  });
  after(async () => {
    configureMail(t.db, { smtpUrl: undefined, from: '', logger: t.ctx.logger });
    await closeAll();
    await Promise.all([smtp.close(), hook.close(), slack.close()]);
  });

  /** A credit workspace with two active admins, a signed-in admin, and a webhook and a Slack endpoint on the local receivers. */
  async function world(slug: string, fields: Record<string, unknown> = {}) {
    const w = await creditWorld(t.db, { slug, ...fields });
    const ben = await createUser(t.db, w.wsId, { email: `ben@${slug}.test`, name: 'Ben Second', role: 'admin' });
    const admin = await loginAs(t.app, w.email('admin'), PASSWORD);
    for (const [kind, rx] of [['webhook', hook], ['slack', slack]] as const) {
      await createEndpoint(t.db, t.ctx.config.encryptionKey, w.wsId, { kind, url: rx.url, description: '', eventTypes: EVENTS });
    }
    const spend = (credits: number) => record(t.db, w.wsId, [billable(w.email('alice'), 'api', credits / 2, 30)]);
    const grant = (amount: number) => addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount, expiresAt: null, note: null, priceCents: null });
    const ruleId = async (builtin: string) => Number((await t.db('alert_rules').where({ workspace_id: w.wsId, builtin }).first()).id);
    /** What each channel received so far: in-app notifications, mails, webhook and Slack events (delivered to the receivers), firings. */
    const sent = async () => {
      await flushMail();
      await runDeliveries(t.ctx);
      const mine = (rx: Receiver) => rx.received.filter((r) => JSON.parse(r.body).data?.workspace?.slug === slug || r.body.includes(` · ${slug}`));
      return {
        inapp: await t.db('notifications').where({ workspace_id: w.wsId, in_app: true }).orderBy('id'),
        mails: smtp.inbox.filter((m) => m.to.some((to) => to.endsWith(`@${slug}.test`))),
        webhook: mine(hook).map((r) => r.payload),
        slack: mine(slack).map((r) => (r.payload as unknown as { text: string }).text),
        firings: await t.db('alert_firings').where({ workspace_id: w.wsId }).orderBy('id'),
      };
    };
    return { ...w, ben, agent: admin, spend, grant, ruleId, sent, admins: [w.email('admin'), `ben@${slug}.test`].sort() };
  }

  async function edit(agent: Agent, id: number, fields: Record<string, string | string[]>) {
    await agent.post(`/admin/settings/alerts/${id}`).type('form').send({ _csrf: agent.csrf, ...fields }).expect(303);
  }

  it('an edited default threshold fires at its new level, not the old one, on every channel', async () => {
    const w = await world('edited');
    await w.grant(6000); // the first look at the pool gives the workspace its default rules
    const id = await w.ruleId('pool_below:5000');
    await edit(w.agent, id, { name: 'Credit balance below 3,000', threshold: '3000', inapp: '1', email: 'all', webhook: '1', slack: '1', enabled: '1' });

    await w.spend(2000); // 6,000 -> 4,000: passes the old 5,000, which no rule watches any more
    let s = await w.sent();
    expect([s.inapp.length, s.mails.length, s.webhook.length, s.slack.length, s.firings.length]).to.deep.equal([0, 0, 0, 0, 0]);

    await w.spend(1100); // 4,000 -> 2,900: crosses 3,000
    s = await w.sent();
    expect(s.firings.map((f) => [Number(f.rule_id), JSON.parse(f.values_json)])).to.deep.equal([[id, { balance: 2900, threshold: 3000, payg_enabled: false }]]);
    expect(s.inapp.map((n) => [n.kind, n.title])).to.deep.equal([['credits.threshold.3000', 'Credit balance below 3,000: 2,900 left']]);
    expect(s.inapp[0].body).to.include('Balance when this alert fired: 2,900 credits (alert level 3,000).');
    expect(s.mails.map((m) => [m.to.sort(), subjectOf(m.raw)])).to.deep.equal([[w.admins, '[Usage Console] Credit balance below 3,000: 2,900 left']]);
    expect(s.webhook.map((p) => p.type).sort()).to.deep.equal(['alert.fired', 'credits.threshold_crossed']);
    expect(s.webhook.find((p) => p.type === 'credits.threshold_crossed')!.data).to.deep.equal({ workspace: { id: w.wsId, slug: 'edited' }, threshold: 3000, balance: 2900, payg_enabled: false });
    expect(s.webhook.find((p) => p.type === 'alert.fired')!.data.rule).to.deep.equal({ id, name: 'Credit balance below 3,000', condition: 'pool_below' });
    expect(s.slack.sort()).to.deep.equal(['Alert "Credit balance below 3,000": the credit pool balance is 2,900, at or below 3,000', 'Credit balance below 3,000: 2,900 left']);

    await w.spend(100); // 2,800: still below, nothing new
    s = await w.sent();
    expect([s.inapp.length, s.mails.length, s.webhook.length, s.slack.length, s.firings.length]).to.deep.equal([1, 1, 2, 2, 1]);
  });

  it('a disabled default rule sends nothing on any channel, and is not named as a level passed', async () => {
    const w = await world('disabled');
    await w.grant(1200);
    await edit(w.agent, await w.ruleId('pool_below:1000'), { name: 'Credit balance below 1,000', threshold: '1000', inapp: '1', email: 'all', webhook: '1', slack: '1' }); // "enabled" unticked

    await w.spend(300); // 1,200 -> 900: crosses the disabled 1,000
    let s = await w.sent();
    expect([s.inapp.length, s.mails.length, s.webhook.length, s.slack.length, s.firings.length]).to.deep.equal([0, 0, 0, 0, 0]);
    expect(await t.db('notifications').where({ workspace_id: w.wsId })).to.have.length(0); // no e-mail-only row either

    await w.spend(900); // 900 -> 0: the "used up" rule still fires, alone
    s = await w.sent();
    expect(s.firings.map((f) => JSON.parse(f.values_json))).to.deep.equal([{ balance: 0, threshold: 0, payg_enabled: false }]);
    expect(s.inapp.map((n) => [n.kind, n.title])).to.deep.equal([['credits.threshold.0', 'Credits used up: balance is 0']]);
    expect(s.inapp[0].body).to.not.include('passed');
    expect(s.mails).to.have.length(1);
    expect(s.webhook.filter((p) => p.type === 'credits.threshold_crossed').map((p) => p.data.threshold)).to.deep.equal([0]);
  });

  it('in-app unticked with e-mail ticked sends only the e-mail (to every admin, or only the admins named)', async () => {
    const w = await world('mailonly');
    await w.grant(1200);
    await edit(w.agent, await w.ruleId('pool_below:1000'), { name: 'Credit balance below 1,000', threshold: '1000', email: 'all', enabled: '1' });
    await edit(w.agent, await w.ruleId('pool_below:0'), { name: 'Credits used up', threshold: '0', inapp: '1', email: String(w.ben), enabled: '1' });

    await w.spend(300); // 1,200 -> 900
    let s = await w.sent();
    expect(s.firings.map((f) => JSON.parse(f.values_json))).to.deep.equal([{ balance: 900, threshold: 1000, payg_enabled: false }]); // the history has it whatever the channel
    expect(s.inapp).to.have.length(0);
    expect(await unreadCount(t.db, w.wsId, w.admin)).to.equal(0);
    const list = (await w.agent.get('/admin/notifications').expect(200)).text;
    expect(list).to.not.include('Credit balance below 1,000');
    expect(s.mails.map((m) => [m.to.sort(), subjectOf(m.raw)])).to.deep.equal([[w.admins, '[Usage Console] Credit balance below 1,000: 900 left']]);
    expect(textOf(s.mails[0].raw)).to.include('Balance when this alert fired: 900 credits (alert level 1,000).');
    const row = await t.db('notifications').where({ workspace_id: w.wsId }).first();
    expect([!!row.in_app, row.email_status]).to.deep.equal([false, 'sent']);
    expect([s.webhook.length, s.slack.length]).to.deep.equal([0, 0]);

    await w.spend(900); // 900 -> 0: in-app for every admin, e-mail to Ben only
    s = await w.sent();
    expect(s.inapp.map((n) => [n.kind, n.recipient_user_id, n.email_status])).to.deep.equal([['credits.threshold.0', null, null]]);
    expect(await unreadCount(t.db, w.wsId, w.admin)).to.equal(1);
    expect(s.mails.slice(1).map((m) => [m.to, subjectOf(m.raw)])).to.deep.equal([[[`ben@mailonly.test`], '[Usage Console] Credits used up: balance is 0']]);
  });

  it('a custom rule (at or below 2,500) fires alongside the defaults, once per crossing', async () => {
    const w = await world('custom');
    await w.grant(6000);
    await w.agent
      .post('/admin/settings/alerts')
      .type('form')
      .send({ _csrf: w.agent.csrf, name: 'Below 2,500', condition: 'pool_below', threshold: '2500', inapp: '1', email: 'all', webhook: '1', enabled: '1' })
      .expect(303);
    const custom = Number((await t.db('alert_rules').where({ workspace_id: w.wsId, name: 'Below 2,500' }).first()).id);
    const d5000 = await w.ruleId('pool_below:5000');

    await w.spend(4000); // 6,000 -> 2,000: crosses 5,000 and 2,500 in one charge
    let s = await w.sent();
    expect(s.firings.map((f) => [Number(f.rule_id), JSON.parse(f.values_json).threshold, JSON.parse(f.values_json).balance])).to.deep.equal([
      [d5000, 5000, 2000],
      [custom, 2500, 2000],
    ]);
    // One notification and one e-mail, naming the lowest level and the one passed on the way.
    expect(s.inapp.map((n) => [n.kind, n.title])).to.deep.equal([['credits.threshold.2500', 'Credit balance below 2,500: 2,000 left']]);
    expect(s.inapp[0].body).to.include('Balance when this alert fired: 2,000 credits (alert level 2,500). It passed the 5,000 alert level on the way.');
    expect(s.mails.map((m) => subjectOf(m.raw))).to.deep.equal(['[Usage Console] Credit balance below 2,500: 2,000 left']);
    // Webhook: both rules; Slack: only the default (the custom rule does not tick Slack).
    const crossed = (ps: typeof s.webhook) => ps.filter((p) => p.type === 'credits.threshold_crossed').map((p) => p.data.threshold).sort((a, b) => a - b);
    expect(crossed(s.webhook)).to.deep.equal([2500, 5000]);
    expect(s.webhook.filter((p) => p.type === 'alert.fired').map((p) => p.data.rule.id).sort((a, b) => a - b)).to.deep.equal([d5000, custom].sort((a, b) => a - b));
    expect(s.slack.sort()).to.deep.equal(['Alert "Credit balance below 5,000": the credit pool balance is 2,000, at or below 5,000', 'Credit balance below 5,000: 2,000 left']);

    await w.spend(100); // 1,900: nothing new
    expect((await w.sent()).firings).to.have.length(2);
    await w.grant(1000); // 2,900: re-arms 2,500 (not 5,000)
    await w.spend(400); // 2,500: at or below 2,500 again
    s = await w.sent();
    expect(s.firings.map((f) => Number(f.rule_id))).to.deep.equal([d5000, custom, custom]);
    expect(s.inapp.map((n) => n.title)).to.deep.equal(['Credit balance below 2,500: 2,000 left', 'Credit balance below 2,500: 2,500 left']);
    expect(s.inapp[1].body).to.not.include('passed');
  });

  it('the cap rule with in-app off and e-mail on: the cap alert arrives by e-mail only, once per month and cap', async () => {
    const w = await world('capmail', { payg_enabled: true, payg_monthly_cap: 100 });
    await w.agent.get('/admin/settings/alerts').expect(200); // the page gives the default rules
    await edit(w.agent, await w.ruleId('cap_reached'), { name: 'Pay-as-you-go cap reached', email: 'all', enabled: '1' });
    await w.spend(120); // no prepaid credits: 100 PAYG (the cap) + 20 overage
    const month = monthOf(new Date(), (await t.db('workspaces').where({ id: w.wsId }).first()).time_zone);
    let s = await w.sent();
    expect(s.firings.map((f) => JSON.parse(f.values_json))).to.deep.equal([{ month, cap: 100, payg_used: 100 }]);
    expect(s.inapp).to.have.length(0);
    expect(s.mails.map((m) => subjectOf(m.raw))).to.deep.equal([`[Usage Console] Pay-as-you-go cap reached for ${month}`]);
    await w.spend(2);
    await updateSettings(t.db, w.actor, w.wsId, { paygEnabled: true, paygCap: 100, includedPerPeriod: 5 }); // same cap: nothing
    expect((await w.sent()).firings).to.have.length(1);
    await updateSettings(t.db, w.actor, w.wsId, { paygEnabled: true, paygCap: 50, includedPerPeriod: 5 }); // lowered below the 100 used: reached now
    s = await w.sent();
    expect(s.firings.map((f) => JSON.parse(f.values_json).cap)).to.deep.equal([100, 50]);
    expect(s.mails).to.have.length(2);
  });

  it('a deleted default rule stays deleted (charges and page views do not bring it back) until "Restore default rules"', async () => {
    const w = await world('restore');
    let page = (await w.agent.get('/admin/settings/alerts').expect(200)).text;
    expect(page).to.not.include('data-testid="restore-defaults"');
    const id = await w.ruleId('pool_below:1000');
    await w.agent.post(`/admin/settings/alerts/${id}/delete`).type('form').send({ _csrf: w.agent.csrf }).expect(303);
    await w.grant(1200);
    await w.spend(300); // 900: no rule at 1,000 any more
    page = (await w.agent.get('/admin/settings/alerts').expect(200)).text;
    expect(page).to.match(/data-testid="restore-defaults"[\s\S]*?Default rules you deleted: Credit balance below 1,000\./);
    expect(await t.db('alert_rules').where({ workspace_id: w.wsId, builtin: 'pool_below:1000' })).to.have.length(0);
    expect((await w.sent()).firings).to.have.length(0);

    await w.agent.post('/admin/settings/alerts/restore-defaults').type('form').send({ _csrf: w.agent.csrf }).expect(303);
    const restored = await t.db('alert_rules').where({ workspace_id: w.wsId, builtin: 'pool_below:1000' }).first();
    expect(JSON.parse(restored.channels)).to.deep.equal({ inapp: true, email: 'all', webhook: true, slack: true });
    const audit = await t.db('audit_log').where({ workspace_id: w.wsId, action: 'alert_rule.restore_defaults' });
    expect(JSON.parse(audit[0].after_json)).to.deep.equal({ restored: ['Credit balance below 1,000'] });
    // Restored at 900: it starts where the pool stands (nothing for a level already passed) ...
    await w.spend(100); // 800
    expect((await w.sent()).firings).to.have.length(0);
    // ... and fires on the next crossing.
    await w.grant(500); // 1,300
    await w.spend(400); // 900
    const s = await w.sent();
    expect(s.firings.map((f) => JSON.parse(f.values_json))).to.deep.equal([{ balance: 900, threshold: 1000, payg_enabled: false }]);
    expect(s.inapp.map((n) => n.title)).to.deep.equal(['Credit balance below 1,000: 900 left']);
  });

  it('a rolled-back charge fires nothing; the same crossing committed fires once', async () => {
    const w = await world('rolledback');
    await w.grant(1200);
    const ws = await t.db('workspaces').where({ id: w.wsId }).first();
    const charge = { index: 0, clientId: 'rolled-back', userId: w.alice, maySpendCredits: true, category: 'api' as const, units: 150, occurredAt: new Date(), day: dayOf(new Date(), ws.time_zone) };
    const err = await t.db
      .transaction(async (trx) => {
        await chargeBatch(trx, ws, [charge]); // 1,200 -> 900 inside the transaction: the 1,000 rule fires here ...
        expect(await trx('alert_firings').where({ workspace_id: w.wsId })).to.have.length(1);
        throw new Error('the write failed');
      })
      .catch((e: Error) => e);
    expect(err.message).to.equal('the write failed');
    // ... and is gone with it: no firing, no notification or e-mail, no event, the rule still armed.
    let s = await w.sent();
    expect([s.inapp.length, s.mails.length, s.webhook.length, s.slack.length, s.firings.length]).to.deep.equal([0, 0, 0, 0, 0]);
    expect(await t.db('webhook_events').where({ workspace_id: w.wsId })).to.have.length(0);
    await w.spend(300); // the same crossing, committed
    s = await w.sent();
    expect(s.firings.map((f) => JSON.parse(f.values_json).balance)).to.deep.equal([900]);
    expect([s.inapp.length, s.mails.length]).to.deep.equal([1, 1]);
  });
});
