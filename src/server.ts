// Starts the HTTP server: `npm start`.
import { bootstrap } from './bootstrap';
import { createApp } from './app';
import { ConfigError } from './config';
import { parseDatabaseUrl } from './db/knex';

async function main() {
  const ctx = await bootstrap({ seedIfEmpty: process.env.SEED_DEMO !== '0' });
  const app = createApp(ctx);
  const server = app.listen(ctx.config.PORT, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : ctx.config.PORT;
    const target = parseDatabaseUrl(ctx.config.DATABASE_URL);
    const demo = process.env.SEED_DEMO !== '0';
    console.log(`\nUsage Console is running at http://localhost:${port}/`);
    console.log(`  database: ${target.client === 'mysql2' ? `MySQL/MariaDB (${target.database})` : `SQLite (${target.database})`}`);
    if (demo) {
      console.log('  demo admin:  admin@acme.test / demo-admin-1   (demo data only)');
      console.log('  demo member: member@acme.test / demo-member-1');
    }
    console.log('');
  });
  const shutdown = () => {
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
