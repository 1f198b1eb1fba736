// Start-up: the database is created when missing, migrated, and the demo is loaded only into an
// empty database (a second start leaves the data alone).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import knexFactory from 'knex';
import { bootstrap } from '../../src/bootstrap';
import { loadConfig } from '../../src/config';
import { parseDatabaseUrl } from '../../src/db/knex';
import { testDatabaseUrl } from '../helpers/db';

describe('foundation: bootstrap (npm start)', function () {
  this.timeout(120_000);
  let url: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    const base = testDatabaseUrl();
    if (parseDatabaseUrl(base).client === 'mysql2') {
      const name = `${parseDatabaseUrl(base).database}_boot`.slice(0, 60);
      const u = new URL(base.replace(/^mariadb:/, 'mysql:'));
      const admin = () => knexFactory({ client: 'mysql2', connection: { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) }, pool: { min: 0, max: 1 } });
      const drop = async () => {
        const a = admin();
        await a.raw('DROP DATABASE IF EXISTS ??', [name]);
        await a.destroy();
      };
      await drop(); // it must not exist before the first start
      u.pathname = `/${name}`;
      url = u.toString();
      cleanup = drop;
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uc-boot-'));
      url = `sqlite:${path.join(dir, 'nested', 'console.sqlite')}`; // the folder does not exist yet
      cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  after(async () => cleanup?.());

  it('first start creates and migrates the database and loads the demo; a second start does not reload it', async () => {
    const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(32), DATABASE_URL: url, LOG_LEVEL: 'silent' });
    const first = await bootstrap({ config, seedIfEmpty: true, demo: { users: 8, months: 1, seed: 3 } });
    let counts: number[];
    try {
      const ws = await first.db('workspaces').orderBy('slug').pluck('slug');
      expect(ws).to.deep.equal(['acme', 'globex']);
      counts = [Number((await first.db('users').count({ n: '*' }).first())!.n), Number((await first.db('interactions').count({ n: '*' }).first())!.n)];
      expect(counts[0]).to.equal(8 + 6); // acme 8, globex at least 6
      expect(counts[1]).to.be.greaterThan(100);
    } finally {
      await first.db.destroy();
    }
    const second = await bootstrap({ config, seedIfEmpty: true, demo: { users: 20, months: 1, seed: 4 } });
    try {
      const again = [Number((await second.db('users').count({ n: '*' }).first())!.n), Number((await second.db('interactions').count({ n: '*' }).first())!.n)];
      expect(again).to.deep.equal(counts);
    } finally {
      await second.db.destroy();
    }
  });

  it('without seedIfEmpty an empty database stays empty', async () => {
    await cleanup();
    const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(32), DATABASE_URL: url, LOG_LEVEL: 'silent' });
    const ctx = await bootstrap({ config, seedIfEmpty: false });
    try {
      expect(Number((await ctx.db('workspaces').count({ n: '*' }).first())!.n)).to.equal(0);
    } finally {
      await ctx.db.destroy();
    }
  });
});
