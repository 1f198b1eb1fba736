// Test databases: SQLite (a fresh copy of a migrated template file per call) or MySQL/MariaDB
// (one test database, migrated once per process, emptied per call). Chosen by TEST_DATABASE_URL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createDb, ensureDatabase, parseDatabaseUrl } from '../../src/db/knex';
import { migrateLatest } from '../../src/db/migrate';

export function testDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL || 'sqlite:';
}

export function isMySqlRun(): boolean {
  return parseDatabaseUrl(testDatabaseUrl()).client === 'mysql2';
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'usage-console-test-'));
let template: string | null = null;
let mysqlMigrated = false;
let counter = 0;
const open: Knex[] = [];

async function sqliteTemplate(): Promise<string> {
  if (template) return template;
  const file = path.join(tmpRoot, 'template.sqlite');
  const db = createDb(`sqlite:${file}`);
  await migrateLatest(db);
  await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
  await db.destroy();
  template = file;
  return file;
}

/** Tables to empty between test files on MySQL (all but the migration bookkeeping). */
async function allTables(db: Knex): Promise<string[]> {
  const rows = await db('information_schema.tables').select('table_name as t').whereRaw('table_schema = DATABASE()');
  return rows.map((r: { t: string; TABLE_NAME?: string }) => r.t ?? r.TABLE_NAME).filter((t: string) => !t.startsWith('knex_migrations'));
}

/** A migrated, empty database for one test file. */
export async function freshDb(): Promise<Knex> {
  const url = testDatabaseUrl();
  if (parseDatabaseUrl(url).client === 'better-sqlite3') {
    const file = path.join(tmpRoot, `db-${process.pid}-${++counter}.sqlite`);
    fs.copyFileSync(await sqliteTemplate(), file);
    const db = createDb(`sqlite:${file}`);
    open.push(db);
    return db;
  }
  await ensureDatabase(url);
  const db = createDb(url, { poolMax: 8 });
  if (!mysqlMigrated) {
    await migrateLatest(db);
    mysqlMigrated = true;
  }
  // One connection, so the foreign-key switch applies to every TRUNCATE.
  const single = createDb(url, { poolMax: 1 });
  try {
    const tables = await allTables(single);
    await single.raw('SET FOREIGN_KEY_CHECKS = 0');
    for (const t of tables) await single.raw('TRUNCATE TABLE ??', [t]);
    await single.raw('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    await single.destroy();
  }
  open.push(db);
  return db;
}

export async function closeAll(): Promise<void> {
  while (open.length) await open.pop()!.destroy().catch(() => undefined);
}
