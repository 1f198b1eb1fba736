// The MySQL-compatible engine switch (DB_FLAVOR, docs/scaling.md): only src/db/dialect.ts reads it.
import { expect } from 'chai';
import knexFactory from 'knex';
import { dbFlavor, forShare, forUpdate, isDeadlockError, isTransientDbError } from '../../src/db/dialect';

describe('db flavor (MySQL, TiDB, Vitess)', () => {
  const saved = process.env.DB_FLAVOR;
  afterEach(() => {
    if (saved === undefined) delete process.env.DB_FLAVOR;
    else process.env.DB_FLAVOR = saved;
  });

  it('reads DB_FLAVOR: mysql by default, mariadb counts as mysql, unknown values are refused', () => {
    expect(dbFlavor({})).to.equal('mysql');
    expect(dbFlavor({ DB_FLAVOR: 'MariaDB' })).to.equal('mysql');
    expect(dbFlavor({ DB_FLAVOR: ' tidb ' })).to.equal('tidb');
    expect(dbFlavor({ DB_FLAVOR: 'vitess' })).to.equal('vitess');
    expect(() => dbFlavor({ DB_FLAVOR: 'postgres' })).to.throw(/DB_FLAVOR/);
  });

  it('forShare is LOCK IN SHARE MODE on MySQL/MariaDB and a row lock on TiDB; SQLite takes no lock', () => {
    const my = knexFactory({ client: 'mysql2' });
    const lite = knexFactory({ client: 'better-sqlite3', useNullAsDefault: true, connection: { filename: ':memory:' } });
    const sql = (db: typeof my) => forShare(db, db('workspaces').where({ id: 1 })).toSQL().sql.toLowerCase();
    delete process.env.DB_FLAVOR;
    expect(sql(my)).to.match(/lock in share mode$/);
    process.env.DB_FLAVOR = 'tidb';
    expect(sql(my)).to.match(/for update$/);
    expect(sql(lite)).to.not.match(/for update|share/);
    process.env.DB_FLAVOR = 'vitess';
    expect(sql(my)).to.match(/lock in share mode$/);
    expect(forUpdate(my, my('credit_state').where({ workspace_id: 1 })).toSQL().sql.toLowerCase()).to.match(/for update$/);
  });

  it("treats TiDB's write conflict as a deadlock (retried) and its commit/schema errors as transient", () => {
    expect(isDeadlockError({ code: 'ER_LOCK_DEADLOCK', errno: 1213 })).to.equal(true);
    expect(isDeadlockError({ errno: 9007, message: 'Write conflict' })).to.equal(true);
    expect(isDeadlockError({ code: 'ER_DUP_ENTRY', errno: 1062 })).to.equal(false);
    for (const errno of [9007, 8022, 8028]) expect(isTransientDbError({ errno }), String(errno)).to.equal(true);
    expect(isTransientDbError({ code: 'ER_PARSE_ERROR', errno: 1064 })).to.equal(false);
  });
});
