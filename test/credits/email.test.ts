// Alert e-mails: with SMTP_URL set, admins receive threshold alerts by e-mail from a local SMTP
// server, sent after the transaction commits (never for a rolled-back change).
import { expect } from 'chai';
import { closeAll } from '../helpers/db';
import { startSmtp, type LocalSmtp } from '../helpers/smtp';
import { createTestApp, type TestApp } from '../helpers/app';
import { createUser } from '../helpers/fixtures';
import { addCredits } from '../../src/credits/admin';
import { flushMail, configureMail } from '../../src/notifications/mailer';
import { notify } from '../../src/notifications/notify';
import { billable, creditWorld, record } from './fixture';

describe('credits: alert e-mails over SMTP', () => {
  let smtp: LocalSmtp;
  let t: TestApp;
  const inbox = () => smtp.inbox;

  before(async () => {
    smtp = await startSmtp();
    t = await createTestApp({ env: { SMTP_URL: smtp.url } });
  });
  after(async () => {
    configureMail(t.db, { smtpUrl: undefined, from: '', logger: t.ctx.logger });
    await closeAll();
    await smtp.close();
  });

  it('e-mails each threshold alert to every active admin, once', async () => {
    const w = await creditWorld(t.db, { slug: 'mail' });
    await createUser(t.db, w.wsId, { email: 'second-admin@mail.test', role: 'admin' });
    await createUser(t.db, w.wsId, { email: 'gone-admin@mail.test', role: 'admin', status: 'revoked' });
    await addCredits(t.db, w.actor, w.wsId, { kind: 'grant', amount: 1200, expiresAt: null, note: null, priceCents: null });
    await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 150)]); // 1,200 -> 900: crosses 1,000
    await flushMail();
    expect(inbox()).to.have.length(1);
    expect(inbox()[0].to.sort()).to.deep.equal(['admin@mail.test', 'second-admin@mail.test']);
    expect(inbox()[0].raw).to.include('Subject: [Usage Console] Credit balance below 1,000: 900 left');
    const rows = await t.db('notifications').where({ workspace_id: w.wsId });
    expect(rows.map((r) => r.email_status)).to.deep.equal(['sent']);

    await record(t.db, w.wsId, [billable(w.email('alice'), 'api', 10)]); // 880: nothing new
    await flushMail();
    expect(inbox()).to.have.length(1);
  });

  it('sends nothing when the writing transaction rolls back', async () => {
    const w = await creditWorld(t.db, { slug: 'rollback' });
    const before = inbox().length;
    await t.db
      .transaction(async (trx) => {
        await notify(trx, { workspaceId: w.wsId, kind: 'credits.test', title: 'never sent', email: true });
        throw new Error('rollback');
      })
      .catch(() => undefined);
    await flushMail();
    expect(inbox().length).to.equal(before);
    expect(await t.db('notifications').where({ workspace_id: w.wsId })).to.have.length(0);
  });
});
