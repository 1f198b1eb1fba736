// Runs the one migration path (migrations/*.ts) on whichever database the Knex instance points at.
import path from 'node:path';
import type { Knex } from 'knex';

const ext = path.extname(__filename); // .ts under tsx, .js when compiled

export const migrationConfig: Knex.MigratorConfig = {
  directory: path.resolve(__dirname, '../../migrations'),
  loadExtensions: [ext],
  tableName: 'knex_migrations',
};

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, done] = await db.migrate.latest(migrationConfig);
  return done as string[];
}

export async function migrateRollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback(migrationConfig, true);
}
