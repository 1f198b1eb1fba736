// The shared rate-limit counters: two app instances (as two processes or hosts would be) share one
// count, in the database by default and in Redis with REDIS_URL; an unreachable Redis falls back to
// the database without refusing or holding up requests.
import net from 'node:net';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../helpers/app';
import { closeAll, freshDb } from '../helpers/db';
import { createWorkspace } from '../helpers/fixtures';
import { keyFor, post } from '../ingest/helpers';
import { closeRateLimitRedis, DbRateLimitStore } from '../../src/http/rate-limit-store';

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    s.setTimeout(500, () => (s.destroy(), resolve(false)));
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}


async function alternate(apps: TestApp[], key: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await post(apps[i % apps.length].app, '/logins', key, { logins: [] })).status);
  return statuses;
}

describe('shared rate-limit counters', function () {
  this.timeout(60_000);
  let db: Knex;
  let key: string;

  before(async () => {
    db = await freshDb();
    const ws = await createWorkspace(db, { slug: 'rl', billing_mode: 'seat' });
    key = await keyFor(db, ws.id);
  });
  beforeEach(() => db('rate_limit_hits').del());
  after(async () => {
    await closeRateLimitRedis();
    await closeAll();
  });

  it('the database store counts, decrements, resets, and restarts a window that ended', async () => {
    const store = new DbRateLimitStore(db, 'unit:');
    store.init({ windowMs: 60_000 } as never);
    const t0 = Date.now();
    const a = await store.increment('k');
    const b = await store.increment('k');
    expect([a.totalHits, b.totalHits]).to.deep.equal([1, 2]);
    // The window starts at the key's first hit and keeps its end.
    expect(a.resetTime!.getTime()).to.be.within(t0 + 60_000, Date.now() + 60_000);
    expect(b.resetTime!.getTime()).to.equal(a.resetTime!.getTime());
    // A window that has ended starts again at 1.
    await db('rate_limit_hits').where({ rl_key: 'unit:k' }).update({ expires_at: Date.now() - 1 });
    const c = await store.increment('k');
    expect(c.totalHits).to.equal(1);
    expect(c.resetTime!.getTime()).to.be.above(Date.now() + 59_000);
    await store.increment('k');
    await store.decrement('k');
    expect((await store.get('k'))?.totalHits).to.equal(1);
    await store.resetKey('k');
    expect(await store.get('k')).to.equal(undefined);
    // A long key (an e-mail of 255 characters) is stored hashed and still counted.
    const long = 'x'.repeat(400);
    expect((await store.increment(long)).totalHits).to.equal(1);
    expect((await store.increment(long)).totalHits).to.equal(2);
  });

  it('blocks of hits (the API limiter): two processes together let exactly the limit through, each number once', async () => {
    const limit = 1000; // blocks of up to 10
    const stores = [new DbRateLimitStore(db, 'blocks:', { blocks: true }), new DbRateLimitStore(db, 'blocks:', { blocks: true })];
    for (const s of stores) s.init({ windowMs: 60_000, limit } as never);
    const numbers: number[] = [];
    // each process serves 5 concurrent callers until both see the limit passed
    await Promise.all(
      stores.flatMap((s) =>
        Array.from({ length: 5 }, async () => {
          for (let i = 0; i < 150; i++) numbers.push((await s.increment('k')).totalHits);
        }),
      ),
    );
    const admitted = numbers.filter((n) => n <= limit);
    expect(new Set(admitted).size, 'no number handed out twice').to.equal(admitted.length);
    // both processes kept receiving calls, so no block was left unused: exactly the limit got through
    // (a process whose calls stop holds at most a block, refused early elsewhere)
    expect(admitted.length).to.equal(limit);
    const row = await db('rate_limit_hits').where({ rl_key: 'blocks:k' }).first();
    expect(Number(row.hits), 'every number handed out was counted').to.be.at.least(Math.max(...numbers));
    expect(Number(row.hits)).to.be.below(numbers.length + 2 * 10 + 1);
    // far fewer statements than requests
    const statements: string[] = [];
    const log = (q: { sql: string }) => statements.push(q.sql);
    db.on('query', log);
    try {
      for (let i = 0; i < 100; i++) await stores[0].increment('k2');
    } finally {
      db.off('query', log);
    }
    expect(statements.length).to.be.within(1, 15);
    // a window that ended starts again from 1 in every process: blocks of the ended window are dropped
    const short = [new DbRateLimitStore(db, 'short:', { blocks: true }), new DbRateLimitStore(db, 'short:', { blocks: true })];
    for (const s of short) s.init({ windowMs: 300, limit } as never);
    for (let i = 0; i < 40; i++) await short[i % 2].increment('k');
    await new Promise((r) => setTimeout(r, 350));
    const fresh = [(await short[0].increment('k')).totalHits, (await short[1].increment('k')).totalHits];
    expect(Math.min(...fresh)).to.equal(1);
    expect(Math.max(...fresh)).to.be.at.most(1 + 10);
  });

  it('two app instances on one database share the API limit (database counters)', async () => {
    const apps = [await createTestApp({ db, env: { API_RATE_LIMIT_PER_MINUTE: '5' } }), await createTestApp({ db, env: { API_RATE_LIMIT_PER_MINUTE: '5' } })];
    expect(await alternate(apps, key, 6)).to.deep.equal([200, 200, 200, 200, 200, 429]);
  });

  it('with REDIS_URL the counters are in Redis, shared by both instances', async function () {
    if (!(await reachable(REDIS_URL))) {
      if (process.env.REQUIRE_REDIS === '1') throw new Error(`Redis at ${REDIS_URL} unreachable and REQUIRE_REDIS=1`);
      console.log(`  Redis at ${REDIS_URL} unreachable: Redis store test skipped.`);
      return this.skip();
    }
    const env = { API_RATE_LIMIT_PER_MINUTE: '5', REDIS_URL };
    const apps = [await createTestApp({ db, env }), await createTestApp({ db, env })];
    // The store loads its scripts into Redis when the limiter is made: wait for the connection.
    await new Promise((r) => setTimeout(r, 300));
    // A fresh key name for this run (Redis outlives the test database).
    const ws = await createWorkspace(db, { slug: `rl${Date.now() % 1e6}`, billing_mode: 'seat' });
    const redisKey = await keyFor(db, ws.id);
    expect(await alternate(apps, redisKey, 6)).to.deep.equal([200, 200, 200, 200, 200, 429]);
    const inDb = await db('rate_limit_hits').where('rl_key', 'like', 'api:%').count({ n: '*' }).first();
    expect(Number(inDb?.n), 'counted in Redis, not in the database').to.equal(0);
  });

  it('an unreachable Redis: the database counters take over, requests are neither refused nor held up', async () => {
    const env = { API_RATE_LIMIT_PER_MINUTE: '5', REDIS_URL: 'redis://127.0.0.1:9' };
    const apps = [await createTestApp({ db, env }), await createTestApp({ db, env })];
    const started = Date.now();
    expect(await alternate(apps, key, 6)).to.deep.equal([200, 200, 200, 200, 200, 429]);
    expect(Date.now() - started, 'no waiting for Redis').to.be.below(3000);
    const inDb = await db('rate_limit_hits').where('rl_key', 'like', 'api:%').sum({ n: 'hits' }).first();
    expect(Number(inDb?.n)).to.equal(6);
  });
});
