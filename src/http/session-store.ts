// The session store: connect-session-knex, made safe for a database that goes away. Its methods both
// call back with an error and reject the promise they return, which express-session ignores: one
// unreachable database turned every anonymous request into an unhandled rejection (process exit).
// Here every call reports through its callback only; `touch` (extending the expiry of an unchanged
// session) is best-effort, so a failed touch is logged and the response still ends; a failed start-up
// check (the database was down when the app started) does not poison every later call.
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { SessionData } from 'express-session';
import type { Knex } from 'knex';
import type { Logger } from 'pino';

export class SafeSessionStore extends ConnectSessionKnexStore {
  private readonly log: Logger;

  constructor(opts: { knex: Knex; tableName: string; cleanupInterval: number; logger: Logger }) {
    super({
      knex: opts.knex,
      tableName: opts.tableName,
      createTable: false,
      cleanupInterval: opts.cleanupInterval,
      onDbCleanupError: (err: unknown) => opts.logger.warn({ err }, 'session cleanup failed'),
    });
    this.log = opts.logger;
    const self = this as unknown as { ready: Promise<void> };
    self.ready = self.ready.catch((err: unknown) => this.log.warn({ err }, 'session store: start-up check failed (database unreachable?)'));
  }

  override get(sid: string, callback: (err: any, session?: SessionData | null) => void): Promise<SessionData | null> {
    return super.get(sid, undefined as never).then(
      (s) => {
        callback?.(null, s);
        return s;
      },
      (err) => {
        callback?.(err);
        return null;
      },
    );
  }

  override set(sid: string, session: SessionData, callback?: (err?: any) => void): Promise<void> {
    return super.set(sid, session).then(
      () => callback?.(),
      (err) => {
        this.log.warn({ err }, 'session store: saving a session failed');
        callback?.(err);
      },
    );
  }

  override touch(sid: string, session: SessionData, callback?: () => void): Promise<void> {
    return super.touch(sid, session).then(
      () => callback?.(),
      (err) => {
        this.log.warn({ err }, 'session store: extending a session failed (ignored)');
        callback?.();
      },
    );
  }

  override destroy(sid: string, callback?: (err?: any) => void): Promise<number> {
    return super.destroy(sid).then(
      (n) => {
        callback?.();
        return n;
      },
      (err) => {
        callback?.(err);
        return 0;
      },
    );
  }
}
