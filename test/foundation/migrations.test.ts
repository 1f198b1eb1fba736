// One migration path for both engines: latest, roll back everything, latest again, on whichever
// engine TEST_DATABASE_URL selects (a dedicated database, so freshDb's database is untouched).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Knex } from 'knex';
import knexFactory from 'knex';
import { createDb, ensureDatabase, parseDatabaseUrl } from '../../src/db/knex';
import { migrateLatest, migrateRollbackAll, MIGRATIONS_DIR } from '../../src/db/migrate';
import { listTables } from '../../src/db/dialect';
import { testDatabaseUrl } from '../helpers/db';

const CORE_TABLES = [
  'workspaces', 'users', 'groups', 'group_members', 'agents', 'interactions', 'logins', 'credit_ledger',
  'credit_access_requests', 'notifications', 'audit_log', 'api_keys', 'sessions',
  'rollup_daily', 'rollup_daily_model', 'rollup_daily_agent', 'rollup_daily_user', 'rollup_monthly_user',
  'rollup_monthly_user_surface', 'rollup_monthly_user_agent', 'rollup_daily_credits', 'user_activity', 'login_days',
];

function migrationFiles(): string[] {
  return fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{12}_[a-z0-9_]+\.ts$/.test(f)).sort();
}

describe('foundation: migrations up and down', function () {
  this.timeout(120_000);
  let db: Knex;
  let url: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    const base = testDatabaseUrl();
    if (parseDatabaseUrl(base).client === 'mysql2') {
      const u = new URL(base.replace(/^mariadb:/, 'mysql:'));
      const name = `${parseDatabaseUrl(base).database}_migrations`.slice(0, 60);
      u.pathname = `/${name}`;
      url = u.toString();
      await ensureDatabase(url);
      cleanup = async () => {
        const u2 = new URL(url);
        u2.pathname = '/';
        const admin = knexFactory({ client: 'mysql2', connection: { host: u2.hostname, port: Number(u2.port || 3306), user: decodeURIComponent(u2.username || 'root'), password: decodeURIComponent(u2.password) }, pool: { min: 0, max: 1 } });
        await admin.raw('DROP DATABASE IF EXISTS ??', [name]);
        await admin.destroy();
      };
      db = createDb(url, { poolMax: 2 });
      // Start from nothing even if an earlier run was interrupted.
      await migrateRollbackAll(db);
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uc-migrations-'));
      url = `sqlite:${path.join(dir, 'm.sqlite')}`;
      cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
      db = createDb(url);
    }
  });

  after(async () => {
    await db?.destroy();
    await cleanup?.();
  });

  it('every migration file has a timestamped name and both up and down', async () => {
    const files = migrationFiles();
    expect(files.length).to.be.greaterThan(1);
    for (const f of files) {
      const m = await import(path.join(MIGRATIONS_DIR, f));
      expect(m.up, `${f} up`).to.be.a('function');
      expect(m.down, `${f} down`).to.be.a('function');
    }
  });

  it('migrate latest creates the whole data model', async () => {
    const applied = await migrateLatest(db);
    expect(applied.map((f) => path.basename(f))).to.deep.equal(migrationFiles());
    const tables = await listTables(db);
    for (const t of CORE_TABLES) expect(tables, t).to.include(t);
  });

  it('the schema accepts a row in the main tables (types line up on this engine)', async () => {
    const [ws] = await db('workspaces').insert({ slug: 'mig', name: 'Mig', created_at: '2026-01-01 00:00:00.000' });
    const [user] = await db('users').insert({ workspace_id: ws, email: 'a@b.test', name: 'A', created_at: '2026-01-01 00:00:00.000', updated_at: '2026-01-01 00:00:00.000' });
    await db('interactions').insert({ workspace_id: ws, user_id: user, client_event_id: 'x', occurred_at: '2026-03-08 08:30:00.125', day: '2026-03-08', surface: 'chat', model: 'm', token_kind: 'inference', total_tokens: 5 });
    const row = await db('interactions').where({ client_event_id: 'x' }).first();
    expect(row.occurred_at).to.equal('2026-03-08 08:30:00.125');
    expect(String(row.day)).to.equal('2026-03-08');
    // unique (workspace, client event id)
    let dup: unknown = null;
    await db('interactions').insert({ workspace_id: ws, user_id: user, client_event_id: 'x', occurred_at: '2026-03-08 08:30:00.125', day: '2026-03-08', surface: 'chat', model: 'm', token_kind: 'inference' }).catch((e) => (dup = e));
    expect(dup, 'duplicate client event id must be refused').to.not.equal(null);
  });

  it('rolling everything back leaves no application table', async () => {
    await migrateRollbackAll(db);
    const left = (await listTables(db)).filter((t) => !t.startsWith('knex_migrations'));
    expect(left).to.deep.equal([]);
  });

  it('migrate latest works again after a full rollback', async () => {
    const applied = await migrateLatest(db);
    expect(applied.length).to.equal(migrationFiles().length);
    const tables = await listTables(db);
    for (const t of CORE_TABLES) expect(tables, t).to.include(t);
    expect(await db('workspaces').count({ n: '*' }).first()).to.deep.include({ n: 0 });
  });
});
