// Builds the one Knex instance from DATABASE_URL; connection settings are normalised here only.
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { acquireTimeoutFor } from './timeouts';

export type Db = Knex;

export interface DbTarget {
  client: 'mysql2' | 'better-sqlite3';
  /** mysql: database name; sqlite: file path or ':memory:' */
  database: string;
  url: string;
}

export function parseDatabaseUrl(url: string): DbTarget {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '') || './data/console.sqlite';
    return { client: 'better-sqlite3', database: file, url };
  }
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'console';
  return { client: 'mysql2', database, url };
}

/** The database a URL names, for people: 'MySQL/MariaDB (name)' or 'SQLite (file)'. */
export function describeDatabase(url: string): string {
  const target = parseDatabaseUrl(url);
  return target.client === 'mysql2' ? `MySQL/MariaDB (${target.database})` : `SQLite (${target.database})`;
}

function mysqlConnection(url: string, database: string | undefined, connectTimeoutMs = 10_000): Knex.MySql2ConnectionConfig {
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password || ''),
    database,
    timezone: 'Z',
    charset: 'utf8mb4',
    decimalNumbers: true,
    supportBigNumbers: true,
    // Dates come back as the same strings SQLite returns ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS.mmm').
    dateStrings: true,
    multipleStatements: false,
    connectTimeout: connectTimeoutMs,
  };
}

/** Creates the MySQL database named in the URL when it is missing (no-op for SQLite). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = parseDatabaseUrl(url);
  if (target.client === 'better-sqlite3') {
    if (target.database !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(target.database)), { recursive: true });
    return;
  }
  if (!/^[A-Za-z0-9_]+$/.test(target.database)) throw new Error(`DATABASE_URL: database name "${target.database}" must be letters, digits and _`);
  const admin = knexFactory({ client: 'mysql2', connection: mysqlConnection(url, undefined), pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE IF NOT EXISTS \`${target.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.destroy();
  }
}

/** `acquireTimeoutMs` bounds a connection's handshake and the wait for a pooled one (see timeouts.ts). */
export function createDb(url: string, opts: { poolMax?: number; acquireTimeoutMs?: number } = {}): Db {
  const target = parseDatabaseUrl(url);
  const acquireMs = opts.acquireTimeoutMs ?? 60_000;
  if (target.client === 'better-sqlite3') {
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: target.database },
      useNullAsDefault: true,
      acquireConnectionTimeout: acquireTimeoutFor('better-sqlite3', acquireMs),
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: any, done: (err: Error | null, conn: any) => void) {
          conn.pragma('foreign_keys = ON');
          if (target.database !== ':memory:') conn.pragma('journal_mode = WAL');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('synchronous = NORMAL');
          done(null, conn);
        },
      },
    });
  }
  return knexFactory({
    client: 'mysql2',
    connection: mysqlConnection(url, target.database, Math.min(acquireMs, 10_000)),
    acquireConnectionTimeout: acquireTimeoutFor('mysql2', acquireMs),
    pool: { min: 0, max: opts.poolMax ?? 10 },
  });
}
