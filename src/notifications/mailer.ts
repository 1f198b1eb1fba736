// E-mail delivery of notifications: an outbox (notifications.email_status = 'pending') drained
// after the transaction that wrote it commits, so no mail is ever sent from inside a transaction.
import type { Knex } from 'knex';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';

interface MailSetup {
  db: Knex;
  transport: Transporter;
  from: string;
  logger: Logger;
}

// Keyed by the Knex client config object, which a transaction shares with its parent instance.
const setups = new WeakMap<object, MailSetup>();
const inFlight = new Set<Promise<void>>();

function keyOf(db: Knex): object {
  return db.client.config as object;
}

/** Turns e-mail on for this database when SMTP_URL is set (called once per app). */
export function configureMail(db: Knex, opts: { smtpUrl?: string; from: string; logger: Logger }): void {
  if (!opts.smtpUrl) {
    setups.delete(keyOf(db));
    return;
  }
  const transport = nodemailer.createTransport(opts.smtpUrl);
  setups.set(keyOf(db), { db, transport, from: opts.from, logger: opts.logger });
}

export function mailEnabled(db: Knex): boolean {
  return setups.has(keyOf(db));
}

/** Runs `fn` once the transaction commits (never when it rolls back); at once outside a transaction. */
export function afterCommit(db: Knex, fn: () => void): void {
  const p = (db as Knex.Transaction).executionPromise;
  if (p && typeof (db as Knex.Transaction).isTransaction !== 'undefined' && (db as Knex.Transaction).isTransaction) {
    p.then(fn, () => undefined);
  } else setImmediate(fn);
}

/** Queues delivery of pending e-mails after the current transaction commits. */
export function sendPendingAfterCommit(db: Knex): void {
  const setup = setups.get(keyOf(db));
  if (!setup) return;
  afterCommit(db, () => {
    const p = deliverPending(setup).catch((err) => setup.logger.error({ err }, 'notification e-mail delivery failed'));
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
  });
}

async function recipientsOf(db: Knex, n: { workspace_id: number; recipient_user_id: number | null }): Promise<string[]> {
  const q = db('users').select('email').where({ workspace_id: n.workspace_id, status: 'active' });
  if (n.recipient_user_id != null) q.where({ id: n.recipient_user_id });
  else q.where({ role: 'admin' });
  return (await q).map((r: { email: string }) => r.email);
}

async function deliverPending(setup: MailSetup): Promise<void> {
  const { db } = setup;
  for (;;) {
    const batch = await db('notifications').where({ email_status: 'pending' }).orderBy('id').limit(50);
    if (batch.length === 0) return;
    for (const n of batch) {
      // Claim the row first, so two app processes never send the same mail twice.
      const claimed = await db('notifications').where({ id: n.id, email_status: 'pending' }).update({ email_status: 'sending' });
      if (claimed !== 1) continue;
      let status = 'sent';
      try {
        const to = await recipientsOf(db, n);
        if (to.length) {
          await setup.transport.sendMail({
            from: setup.from,
            to,
            subject: `[Usage Console] ${n.title}`,
            text: `${n.title}\n\n${n.body ?? ''}\n${n.link ? `\nOpen: ${n.link}\n` : ''}`,
          });
        }
      } catch (err) {
        status = 'failed';
        setup.logger.warn({ err, notification: n.id }, 'could not e-mail a notification');
      }
      await db('notifications').where({ id: n.id }).update({ email_status: status });
    }
  }
}

/** Resolves when every queued delivery has finished (tests, graceful shutdown). */
export async function flushMail(): Promise<void> {
  // Deliveries are queued on commit callbacks; let those run first.
  await new Promise((r) => setImmediate(r));
  while (inFlight.size) await Promise.all([...inFlight]);
}

/** Sends one message now through the configured SMTP server (scheduled reports); false when mail is off. */
export async function sendMailNow(db: Knex, msg: { to: string[]; subject: string; text: string; html?: string; attachments?: { filename: string; content: string; contentType?: string }[] }): Promise<boolean> {
  const setup = setups.get(keyOf(db));
  if (!setup) return false;
  await setup.transport.sendMail({ from: setup.from, ...msg });
  return true;
}
