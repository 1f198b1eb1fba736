// Runs the one migration path (migrations/*.ts) on whichever database the Knex instance points at.
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';

const ext = path.extname(__filename); // .ts under tsx, .js when compiled

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

/**
 * Migrations are recorded under their source name ('…_core_schema.ts') whether they run from the
 * TypeScript sources (tsx) or from the compiled build (dist/migrations/*.js), so a database
 * migrated by one can be opened by the other.
 */
const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts'))
      .sort();
  },
  getMigrationName(file) {
    return file.replace(/\.js$/, '.ts');
  },
  async getMigration(file) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(MIGRATIONS_DIR, file));
  },
};

export const migrationConfig: Knex.MigratorConfig = {
  migrationSource,
  tableName: 'knex_migrations',
};

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, done] = await db.migrate.latest(migrationConfig);
  return done as string[];
}

export async function migrateRollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback(migrationConfig, true);
}
