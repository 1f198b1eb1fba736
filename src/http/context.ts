// What every router is built with: the database, the configuration and the logger.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config';

export interface AppContext {
  db: Knex;
  config: Config;
  logger: Logger;
}

/** The signed-in user as kept on req.user. */
export interface SessionUser {
  id: number;
  workspace_id: number;
  email: string;
  name: string;
  role: 'admin' | 'member';
  status: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport's req.user
    interface User extends SessionUser {}
  }
}
