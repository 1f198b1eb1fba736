// Scheduled reports: a weekly digest across the week DST ends (America/Chicago, 2026-11-01) holds
// exactly that week's local days, is sent once per period even with two processes, catches up
// after downtime, and carries the chosen CSV files. Mail goes to a local SMTP server.
import { expect } from 'chai';
import { closeAll, isMySqlRun, testDatabaseUrl } from '../helpers/db';
import { mimePart, startSmtp, type LocalSmtp, type Mail } from '../helpers/smtp';
import { createTestApp, testContext, type TestApp } from '../helpers/app';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { createDb } from '../../src/db/knex';
import { configureMail } from '../../src/notifications/mailer';
import { recordInteractions } from '../../src/ingest/write-path';
import { toDbTime } from '../../src/db/time';
import { completePeriods } from '../../src/digests/digest';
import { runReports } from '../../src/digests/send';

describe('scheduled reports', function () {
  this.timeout(30_000);
  let smtp: LocalSmtp;
  let inbox: Mail[];
  let t: TestApp;

  before(async () => {
    smtp = await startSmtp();
    inbox = smtp.inbox;
    t = await createTestApp({ env: { SMTP_URL: smtp.url } });
  });
  after(async () => {
    configureMail(t.db, { smtpUrl: undefined, from: '', logger: t.ctx.logger });
    await closeAll();
    await smtp.close();
  });

  it('weeks start Monday 00:00 in the workspace zone, also across the end of DST', () => {
    const zone = 'America/Chicago';
    // Monday 2026-11-02 00:00 CST = 06:00 UTC (the Monday before was 05:00 UTC, in CDT).
    expect(completePeriods('weekly', zone, new Date('2026-11-02T05:59:59Z'), new Date('2026-10-26T12:00:00Z'))).to.deep.equal([]);
    const [p] = completePeriods('weekly', zone, new Date('2026-11-02T06:00:00Z'), new Date('2026-10-26T12:00:00Z'));
    expect(p).to.deep.include({ key: 'week:2026-10-26', from: '2026-10-26', to: '2026-11-01' });
    expect(p.endsAt.toISOString()).to.equal('2026-11-02T06:00:00.000Z');
    const months = completePeriods('monthly', zone, new Date('2026-12-01T06:00:00Z'), new Date('2026-09-15T00:00:00Z'));
    // Subscribed mid-September: September is the first period that ends after it.
    expect(months.map((m) => [m.key, m.from, m.to])).to.deep.equal([
      ['month:2026-09', '2026-09-01', '2026-09-30'],
      ['month:2026-10', '2026-10-01', '2026-10-31'],
      ['month:2026-11', '2026-11-01', '2026-11-30'],
    ]);
  });

  it('a weekly digest across the DST week: that week only, once per period with two processes, and catch-up after downtime', async () => {
    const ws = await createWorkspace(t.db, { slug: 'digest', name: 'Digest Co', time_zone: 'America/Chicago' });
    await createUser(t.db, ws.id, { email: 'boss@digest.test', role: 'admin' });
    await createUser(t.db, ws.id, { email: 'ada@digest.test', maxInferenceTokens: 100 });
    await createUser(t.db, ws.id, { email: 'bob@digest.test' });
    const ev = (id: string, user: string, at: string, tokens: number) => ({ id, user, occurredAt: new Date(at), kind: 'inference' as const, surface: 'chat', output: 'text' as const, model: 'm', promptTokens: tokens, completionTokens: 0 });
    const r = await recordInteractions(t.db, ws.id, [
      ev('before', 'ada@digest.test', '2026-10-26T04:30:00Z', 1000), // Sun Oct 25 23:30 CDT: the week before
      ev('first', 'ada@digest.test', '2026-10-26T05:30:00Z', 40), // Mon Oct 26 00:30 CDT: in
      ev('last', 'bob@digest.test', '2026-11-02T05:30:00Z', 7), // Sun Nov 1 23:30 CST: in (after DST ended)
      ev('after', 'bob@digest.test', '2026-11-02T06:30:00Z', 5000), // Mon Nov 2 00:30 CST: the next week
    ]);
    expect(r.rejected).to.deep.equal([]);
    const [subId] = await t.db('report_subscriptions').insert({
      workspace_id: ws.id,
      period: 'weekly',
      recipients: JSON.stringify(['boss@digest.test', 'finance@example.com']),
      exports: JSON.stringify(['report-days', 'report-users']),
      created_at: toDbTime(new Date('2026-10-26T12:00:00Z')),
    });
    const before = inbox.length;
    expect(await runReports(t.ctx, new Date('2026-11-02T05:59:00Z'))).to.equal(0); // Sunday 23:59 local: not over yet

    // Two processes at the period's end: exactly one e-mail.
    const url = isMySqlRun() ? testDatabaseUrl() : `sqlite:${(t.db.client.config.connection as { filename: string }).filename}`;
    const other = createDb(url, { poolMax: 2 });
    const ctx2 = testContext(other);
    configureMail(other, { smtpUrl: smtp.url, from: 'x@y', logger: t.ctx.logger });
    try {
      const now = new Date('2026-11-02T06:00:30Z');
      const counts = await Promise.all([runReports(t.ctx, now), runReports(ctx2, now)]);
      expect(counts[0] + counts[1]).to.equal(1);
    } finally {
      configureMail(other, { smtpUrl: undefined, from: '', logger: t.ctx.logger });
      await other.destroy();
    }
    expect(inbox.length - before).to.equal(1);
    const mail = inbox[inbox.length - 1];
    expect(mail.to.sort()).to.deep.equal(['boss@digest.test', 'finance@example.com']);
    expect(mail.raw).to.match(/Subject: \[Usage Console\] Digest Co: weekly report, 2026-10-26 to\s+2026-11-01/);
    const days = mimePart(mail.raw, /filename="?digest-report-days-2026-10-26_2026-11-01\.csv/)!;
    const dayLines = days.trim().replace(/"/g, '').split(/\r?\n/);
    expect(dayLines[0]).to.equal('day,interactions,total_tokens,credits');
    expect(dayLines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).to.deep.equal([
      '2026-10-26,1,40',
      '2026-10-27,0,0',
      '2026-10-28,0,0',
      '2026-10-29,0,0',
      '2026-10-30,0,0',
      '2026-10-31,0,0',
      '2026-11-01,1,7',
    ]);
    const users = mimePart(mail.raw, /filename="?digest-report-users-/)!;
    expect(users.trim().replace(/"/g, '').split(/\r?\n/).slice(1)).to.deep.equal(['ada@digest.test,ada,1,40,0,100', 'bob@digest.test,bob,1,7,0,0']);
    const text = mimePart(mail.raw, /content-type:\s*text\/plain/i)!;
    expect(text).to.include('Total generations: 2');
    expect(text).to.include('ada@digest.test: 40 tokens');
    expect(mimePart(mail.raw, /content-type:\s*text\/html/i)).to.include('Top users');
    // Again at the same moment, or later that week: nothing more.
    expect(await runReports(t.ctx, new Date('2026-11-04T12:00:00Z'))).to.equal(0);
    const runs = await t.db('report_runs').where({ subscription_id: subId });
    expect(runs.map((x) => [x.period_key, x.status])).to.deep.equal([['week:2026-10-26', 'sent']]);

    // Down for two weeks: both missed weeks go out when the job runs again, oldest first.
    const n0 = inbox.length;
    expect(await runReports(t.ctx, new Date('2026-11-17T15:00:00Z'))).to.equal(2);
    expect(inbox.slice(n0).map((m) => /weekly report, (\d{4}-\d\d-\d\d)/.exec(m.raw)![1])).to.deep.equal(['2026-11-02', '2026-11-09']);
  });
});
