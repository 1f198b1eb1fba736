// Bounded database calls: every statement a request runs has a timeout (transactions included), a
// timed-out connection is not reused, and the connection wait is bounded per engine.
import { expect } from 'chai';
import { createDb } from '../../src/db/knex';
import { installQueryTimeout, SQLITE_MIN_ACQUIRE_MS } from '../../src/db/timeouts';
import { isConnectionError } from '../../src/db/dialect';
import { isMySqlRun, testDatabaseUrl } from '../helpers/db';

describe('database timeouts', function () {
  this.timeout(30_000);

  it('the connection wait is DB_ACQUIRE_TIMEOUT_MS on MySQL, at least 30 s on SQLite', async () => {
    const db = createDb(testDatabaseUrl(), { poolMax: 1, acquireTimeoutMs: 1200 });
    try {
      const cfg = db.client.config as { acquireConnectionTimeout: number; connection?: { connectTimeout?: number } };
      if (isMySqlRun()) {
        expect(cfg.acquireConnectionTimeout).to.equal(1200);
        expect(cfg.connection?.connectTimeout).to.equal(1200);
      } else expect(cfg.acquireConnectionTimeout).to.equal(SQLITE_MIN_ACQUIRE_MS);
    } finally {
      await db.destroy();
    }
  });

  it('MySQL: a slow statement, inside a transaction or not, fails at the bound as a connection error (503), and the pool recovers', async function () {
    if (!isMySqlRun()) return this.skip(); // better-sqlite3 runs statements synchronously
    const db = createDb(testDatabaseUrl(), { poolMax: 1, acquireTimeoutMs: 1000 });
    installQueryTimeout(db, 400);
    try {
      let t = Date.now();
      const plain = await db.raw('SELECT SLEEP(5)').then(() => null, (e) => e);
      expect(Date.now() - t).to.be.below(1500);
      expect(isConnectionError(plain), String(plain)).to.equal(true);

      t = Date.now();
      const inTrx = await db.transaction(async (trx) => trx.raw('SELECT SLEEP(5)')).then(() => null, (e) => e);
      expect(Date.now() - t).to.be.below(2500);
      expect(isConnectionError(inTrx), String(inTrx)).to.equal(true);

      // The one pooled connection was discarded, not handed out with a statement still running.
      t = Date.now();
      const [rows] = await db.raw('SELECT 1 AS ok');
      expect(rows[0].ok).to.equal(1);
      expect(Date.now() - t).to.be.below(1000);
      // A query asking for a shorter bound keeps it.
      t = Date.now();
      await db.raw('SELECT SLEEP(2)').timeout(150).then(() => null, (e) => e);
      expect(Date.now() - t).to.be.below(380);
    } finally {
      await db.destroy();
    }
  });

  it('other Knex instances (migrations, tools) are not bounded', async function () {
    if (!isMySqlRun()) return this.skip();
    const bounded = createDb(testDatabaseUrl(), { poolMax: 1 });
    const free = createDb(testDatabaseUrl(), { poolMax: 1 });
    installQueryTimeout(bounded, 200);
    try {
      const [rows] = await free.raw('SELECT SLEEP(0.5) AS s');
      expect(Number(rows[0].s)).to.equal(0);
    } finally {
      await bounded.destroy();
      await free.destroy();
    }
  });
});
