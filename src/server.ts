// Starts the HTTP server: `npm start`.
import { bootstrap } from './bootstrap';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { parseDatabaseUrl } from './db/knex';
import { DEMO_LOGINS } from '../seeds/demo';
import { startScheduler } from './jobs/scheduler';

async function main() {
  const config = loadConfig();
  const ctx = await bootstrap({ config, seedIfEmpty: config.SEED_DEMO === '1' });
  const app = createApp(ctx);
  // Only mention the demo logins when this database really holds the demo organisation.
  const demo = await ctx.db('users').where({ email: DEMO_LOGINS[0].email }).whereNotNull('password_hash').first();
  const server = app.listen(config.PORT, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    const target = parseDatabaseUrl(config.DATABASE_URL);
    console.log(`\nUsage Console is running at http://localhost:${port}/`);
    console.log(`  database: ${target.client === 'mysql2' ? `MySQL/MariaDB (${target.database})` : `SQLite (${target.database})`}`);
    if (demo) {
      console.log(`  demo admin:  ${DEMO_LOGINS[0].email} / ${DEMO_LOGINS[0].password}   (demo data only)`);
      console.log(`  demo member: ${DEMO_LOGINS[1].email} / ${DEMO_LOGINS[1].password}`);
    }
    console.log('');
    // Background jobs (deliveries, reports, retention): every process tries, leases pick one.
    if (config.JOBS !== '0') stopJobs = startScheduler(ctx);
  });
  let stopJobs = () => {};
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(err.code === 'EADDRINUSE' ? `PORT: ${config.PORT} is already in use; set PORT to a free port.` : `Start-up failed: ${err.message}`);
    ctx.db.destroy().finally(() => process.exit(1));
  });
  const shutdown = () => {
    stopJobs();
    server.close(() => ctx.db.destroy().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('Start-up failed:', err?.message ?? err);
  process.exit(1);
});
