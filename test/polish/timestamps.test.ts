// One format for a full date-time on every page: 'Dec 6, 2026, 20:31' in the workspace zone (the
// zone's abbreviation only in the repeated hour of a fall-back day), in a <time> element whose
// datetime is the exact UTC instant and whose title spells it out. Each page that shows one is
// rendered with data and every <time> is checked against a formatting done here with Intl.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { PASSWORD } from '../helpers/fixtures';
import { billable, creditWorld, record } from '../credits/fixture';
import { addCredits } from '../../src/credits/admin';
import { requestAccess } from '../../src/credits/access-requests';
import { createApiKey } from '../../src/apikeys/keys';
import { createEndpoint, sendTest } from '../../src/webhooks/endpoints';
import { createRule, getRule } from '../../src/alerts/rules';
import { fireRule } from '../../src/alerts/fire';
import { insertPolicy } from '../../src/limits/queries';
import { requestIncrease } from '../../src/limits/requests';
import { TIMESTAMP_PATTERN, timestamp } from '../../src/http/format';
import { toDbTime } from '../../src/db/time';

const ZONE = 'America/Chicago';
const DAYS = 86_400_000;

/** The expected text for an instant, worked out with Intl (not with src/http/format.ts). */
function expectedText(iso: string): string {
  const at = new Date(iso);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: ZONE, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  // the same wall-clock minute an hour earlier or later: the hour repeats, so the zone is shown
  const wall = (d: Date) => new Intl.DateTimeFormat('en-US', { timeZone: ZONE, dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' }).format(d);
  const repeated = [-3600_000, 3600_000].some((dt) => wall(new Date(at.getTime() + dt)) === wall(at));
  return `${parts.month} ${parts.day}, ${parts.year}, ${parts.hour}:${parts.minute}${repeated ? ` ${parts.timeZoneName}` : ''}`;
}

interface TimeTag {
  datetime: string;
  title: string;
  text: string;
}

function timeTags(html: string): TimeTag[] {
  return [...html.matchAll(/<time datetime="([^"]*)"(?: title="([^"]*)")?>([\s\S]*?)<\/time>/g)].map((m) => ({ datetime: m[1], title: m[2] ?? '', text: m[3].replace(/<[^>]+>/g, '') }));
}

/** Page text outside <time> elements, scripts, payloads (<pre>) and the UTC twins of the log pages and the users table. */
function otherText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>|<pre[\s\S]*?<\/pre>/g, '')
    .replace(/<time[\s\S]*?<\/time>/g, '')
    .replace(/<span class="utc-time[^"]*"[^>]*><span class="visually-hidden">[^<]*<\/span>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/span>/g, '')
    .replace(/<span class="visually-hidden" data-testid="last-active-utc">[^<]*<\/span>/g, '')
    .replace(/<[^>]+>/g, ' ');
}

describe('one format for full timestamps on every page', () => {
  let t: TestApp;
  let admin: Agent;
  let member: Agent;
  let pages: Record<string, { url: string; min: number; as?: 'member' }>;

  before(async function () {
    this.timeout(30_000);
    t = await createTestApp();
    const w = await creditWorld(t.db, { slug: 'stamps', time_zone: ZONE });
    const now = Date.now();
    // Activity: one event in each of the two 01:30s of the fall-back day, one in summer, one recent.
    await record(t.db, w.wsId, [
      billable(w.email('alice'), 'api', 1, 0, { occurredAt: new Date('2026-11-01T06:30:00Z') }),
      billable(w.email('alice'), 'api', 1, 0, { occurredAt: new Date('2026-11-01T07:30:00Z') }),
      billable(w.email('alice'), 'api', 1, 0, { occurredAt: new Date('2026-07-04T17:05:00Z') }),
      billable(w.email('alice'), 'api', 3, 90),
    ]);
    await addCredits(t.db, w.actor, w.wsId, { kind: 'purchase', amount: 5000, expiresAt: null, note: 'pack', priceCents: null });
    // Credit access request by Bob (blocked): the People tab, the overview, notifications and his /me.
    await requestAccess(t.db, { userId: w.bob, label: w.email('bob'), ip: '127.0.0.1' }, w.wsId, w.bob, 'please');
    // API keys: one never used, one used, one revoked.
    await createApiKey(t.db, w.wsId, 'Unused', w.admin);
    const used = await createApiKey(t.db, w.wsId, 'Used', w.admin);
    await t.db('api_keys').where({ id: used.row.id }).update({ last_used_at: toDbTime(new Date(now - 2 * DAYS)) });
    const revoked = await createApiKey(t.db, w.wsId, 'Revoked', w.admin);
    await t.db('api_keys').where({ id: revoked.row.id }).update({ revoked_at: toDbTime(new Date(now - DAYS)) });
    // A webhook endpoint with a delivery that failed once and waits for its retry.
    const { row: ep } = await createEndpoint(t.db, t.ctx.config.ENCRYPTION_KEY!, w.wsId, { kind: 'webhook', url: 'https://hooks.example.test/in', description: 'Ops', eventTypes: ['alert.fired'] });
    await sendTest(t.db, w.wsId, ep.id);
    await t.db('webhook_deliveries').where({ endpoint_id: ep.id }).update({ attempts: 1, last_attempt_at: toDbTime(new Date(now - 3600_000)), next_attempt_at: toDbTime(new Date(now + 600_000)) });
    // An alert rule that fired.
    const ruleId = await createRule(t.db, w.wsId, { name: 'Low pool', condition: 'pool_below', params: { threshold: 100 }, channels: { inapp: true, email: [], webhook: false, slack: false }, enabled: true });
    await t.db.transaction(async (trx) => fireRule(trx, (await getRule(trx, w.wsId, ruleId))!, { type: 'workspace', id: null, name: null }, 'Pool low', { available: 50 }, new Date(now - 5 * 3600_000)));
    // A scheduled report that ran.
    const [subId] = await t.db('report_subscriptions').insert({ workspace_id: w.wsId, period: 'weekly', recipients: JSON.stringify(['ops@stamps.test']), exports: '[]', created_by_user_id: w.admin, created_at: toDbTime(new Date(now - 9 * DAYS)) });
    await t.db('report_runs').insert({ subscription_id: Number(subId), period_key: 'weekly:2026-W48', status: 'sent', attempts: 1, started_at: toDbTime(new Date(now - 7 * DAYS)), sent_at: toDbTime(new Date(now - 7 * DAYS + 5000)) });
    // Limits: a temporary policy and Alice's pending request for more.
    await insertPolicy(t.db, w.wsId, { scope: 'user', groupId: null, userId: w.alice, appliesTo: 'member', metric: 'inference', period: 'month', amount: 50_000, mode: 'hard', expiresAt: new Date(now + 10 * DAYS), note: null }, w.admin);
    await requestIncrease(t.db, { userId: w.alice, label: w.email('alice'), ip: '127.0.0.1' }, w.wsId, w.alice, { metric: 'inference', period: 'month', amount: 90_000, expiresAt: new Date(now + 20 * DAYS), note: null });

    admin = await loginAs(t.app, w.email('admin'), PASSWORD);
    member = await loginAs(t.app, w.email('alice'), PASSWORD);
    pages = {
      'Activity log': { url: `/admin/users/${w.alice}/logs`, min: 4 },
      'Audit log': { url: '/admin/audit-log', min: 3 },
      'Users (last active)': { url: '/admin/users', min: 1 },
      'Credits ledger': { url: '/admin/credits/ledger', min: 3 },
      'Credits overview (requests)': { url: '/admin/credits', min: 1 },
      'Credits people (requests)': { url: '/admin/credits/people', min: 1 },
      Notifications: { url: '/admin/notifications', min: 2 },
      'API keys': { url: '/admin/api-keys', min: 5 },
      'Webhook deliveries': { url: `/admin/settings/webhooks?endpoint=${ep.id}`, min: 2 },
      'Alert firings': { url: '/admin/settings/alerts', min: 1 },
      'Scheduled reports': { url: '/admin/settings/reports', min: 1 },
      Limits: { url: '/admin/settings/limits', min: 2 },
      'My page (limit request)': { url: '/me', min: 1, as: 'member' },
    };
  });
  after(() => closeAll());

  it('the formatter: the one pattern, the fall-back hour with its zone, the UTC instant in datetime and title', () => {
    expect(timestamp('2026-12-07 02:31:05.000', ZONE)).to.deep.equal({
      text: 'Dec 6, 2026, 20:31',
      day: 'Dec 6, 2026',
      clock: '20:31',
      iso: '2026-12-07T02:31:05.000Z',
      title: 'Dec 6, 2026, 20:31:05 CST (America/Chicago) · 2026-12-07 02:31:05 UTC',
    });
    expect(timestamp('2026-11-01 06:30:00.000', ZONE)!.text).to.equal('Nov 1, 2026, 01:30 CDT');
    expect(timestamp('2026-11-01 07:30:00.000', ZONE)!.text).to.equal('Nov 1, 2026, 01:30 CST');
    expect(timestamp('2026-03-08 08:05:00.000', ZONE)!.text).to.equal('Mar 8, 2026, 03:05'); // spring forward: no repeat
    expect(timestamp(null, ZONE)).to.equal(null);
    for (const s of ['Dec 6, 2026, 20:31', 'Nov 1, 2026, 01:30 CDT', 'Jan 12, 2027, 00:00']) expect(s).to.match(TIMESTAMP_PATTERN);
    for (const s of ['2026-12-06 20:31', 'Dec 6, 8:31 PM', 'Dec 6, 2026, 8:31 PM', 'Dec 6, 2026']) expect(s).to.not.match(TIMESTAMP_PATTERN);
  });

  it('every page writes each full date-time in the one format, with the exact UTC instant', async () => {
    const problems: string[] = [];
    for (const [name, p] of Object.entries(pages)) {
      const html = (await (p.as === 'member' ? member : admin).get(p.url).expect(200)).text;
      const tags = timeTags(html);
      if (tags.length < p.min) problems.push(`${name}: ${tags.length} <time> elements, expected at least ${p.min}`);
      for (const tag of tags) {
        if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(tag.datetime)) problems.push(`${name}: datetime ${tag.datetime}`);
        else {
          if (tag.text !== expectedText(tag.datetime)) problems.push(`${name}: "${tag.text}" for ${tag.datetime}, expected "${expectedText(tag.datetime)}"`);
          if (!tag.title.endsWith(`· ${tag.datetime.slice(0, 19).replace('T', ' ')} UTC`)) problems.push(`${name}: title "${tag.title}"`);
        }
        if (!TIMESTAMP_PATTERN.test(tag.text)) problems.push(`${name}: "${tag.text}" is not the timestamp format`);
      }
      // no date-time left in another format: ISO-like wall clock, or a 12-hour clock
      const rest = otherText(html);
      for (const m of rest.matchAll(/\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d\b|\b\d{1,2}:\d\d(?::\d\d)?\s?(?:AM|PM)\b/g)) problems.push(`${name}: "${m[0]}" outside a <time>`);
    }
    expect(problems).to.deep.equal([]);
  });

  it('the repeated hour of the fall-back day carries its zone in the activity log', async () => {
    const html = (await admin.get(String(pages['Activity log'].url)).expect(200)).text;
    const texts = timeTags(html).map((x) => x.text);
    expect(texts).to.include('Nov 1, 2026, 01:30 CDT').and.include('Nov 1, 2026, 01:30 CST').and.include('Jul 4, 2026, 12:05');
  });
});
