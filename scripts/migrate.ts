// npm run migrate [-- --rollback-all]
import { flags, openDb, run } from './cli';
import { migrateLatest, migrateRollbackAll } from '../src/db/migrate';

run(async () => {
  const f = flags();
  const { db } = await openDb({ migrate: false });
  try {
    if (f['rollback-all']) {
      await migrateRollbackAll(db);
      console.log('All migrations rolled back.');
    } else {
      const done = await migrateLatest(db);
      console.log(done.length ? `Applied: ${done.join(', ')}` : 'Already up to date.');
    }
  } finally {
    await db.destroy();
  }
});
