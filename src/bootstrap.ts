// Start-up: config, database (created if missing), migrations, demo data on an empty database.
import type { Knex } from 'knex';
import { loadConfig, type Config } from './config';
import { createDb, ensureDatabase } from './db/knex';
import { migrateLatest } from './db/migrate';
import { createLogger } from './logger';
import type { AppContext } from './http/context';
import { seedDemo, type DemoOptions } from '../seeds/demo';
import { countWorkspaces } from './workspaces/queries';

export async function bootstrap(opts: { seedIfEmpty?: boolean; config?: Config; demo?: DemoOptions } = {}): Promise<AppContext> {
  const config = opts.config ?? loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  await ensureDatabase(config.DATABASE_URL);
  const db: Knex = createDb(config.DATABASE_URL);
  try {
    const applied = await migrateLatest(db);
    if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
    if (opts.seedIfEmpty) {
      if ((await countWorkspaces(db)) === 0) {
        const started = Date.now();
        logger.info('empty database: loading the demo organisation (first run only, about 10-30 s)');
        const summary = await seedDemo(db, { log: (line) => logger.info(line.trim()), ...opts.demo });
        logger.info({ ...summary, ms: Date.now() - started }, 'demo data loaded');
      }
    }
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw err;
  }
  return { db, config, logger };
}
