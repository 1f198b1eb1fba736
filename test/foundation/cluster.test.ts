// Several processes: WEB_CONCURRENCY=2 runs two workers on one port; the login and API rate limits
// hold across them (shared counters), a worker that dies is replaced, SIGTERM stops everything.
// Also the start-up rules: the banner only once listening, a taken port is a clear error with exit
// status 1, a bad WEB_CONCURRENCY stops start-up naming it. Runs on both engines (MariaDB: its own
// database beside the test database).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import knexFactory, { type Knex } from 'knex';
import { createDb, ensureDatabase, parseDatabaseUrl } from '../../src/db/knex';
import { isMySqlRun, testDatabaseUrl } from '../helpers/db';
import { createWorkspace } from '../helpers/fixtures';
import { keyFor } from '../ingest/helpers';
import { childPids, httpRequest, runServerToExit, startServer, type ServerProcess } from '../helpers/server-process';

function csrfFrom(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)![1];
}

async function freePort(): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '0.0.0.0', () => r()));
  return { port: (srv.address() as net.AddressInfo).port, close: () => new Promise((r) => srv.close(() => r())) };
}


describe('several processes: WEB_CONCURRENCY and shared rate limits', function () {
  this.timeout(120_000);
  let tmp: string;
  let url: string;
  let db: Knex;
  let dropDb: () => Promise<void> = async () => undefined;
  let server: ServerProcess | null = null;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uc-cluster-'));
    if (isMySqlRun()) {
      const u = new URL(testDatabaseUrl().replace(/^mariadb:/, 'mysql:'));
      const name = `${parseDatabaseUrl(testDatabaseUrl()).database}_cluster`.slice(0, 60);
      u.pathname = `/${name}`;
      url = u.toString();
      const admin = knexFactory({ client: 'mysql2', connection: { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) }, pool: { min: 0, max: 1 } });
      await admin.raw('DROP DATABASE IF EXISTS ??', [name]);
      await admin.destroy();
      await ensureDatabase(url);
      dropDb = async () => {
        const a = knexFactory({ client: 'mysql2', connection: { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) }, pool: { min: 0, max: 1 } });
        await a.raw('DROP DATABASE IF EXISTS ??', [name]);
        await a.destroy();
      };
    } else {
      url = `sqlite:${path.join(tmp, 'console.sqlite')}`;
    }
    server = await startServer({ PORT: '0', DATABASE_URL: url, WEB_CONCURRENCY: '2', API_RATE_LIMIT_PER_MINUTE: '20' });
    db = createDb(url, { poolMax: 2 });
  });

  after(async () => {
    if (server && !server.exited()) await server.stop();
    await db?.destroy();
    await dropDb();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('two workers serve one port, and the banner came once, after both were listening', async () => {
    expect(server!.out().match(/running at/g)).to.have.length(1);
    expect(server!.out()).to.include('workers: 2 (WEB_CONCURRENCY)');
    expect(childPids(server!.child.pid!)).to.have.length(2);
    for (let i = 0; i < 4; i++) expect((await httpRequest(server!.port, 'GET', '/healthz')).status).to.equal(200);
  });

  it('the sixth failed sign-in for an account is refused, whichever worker answers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const page = await httpRequest(server!.port, 'GET', '/login');
      const cookie = (page.headers['set-cookie'] ?? [])[0].split(';')[0];
      const body = new URLSearchParams({ email: 'target@cluster.test', password: `guess-${i}`, _csrf: csrfFrom(page.text) }).toString();
      const res = await httpRequest(server!.port, 'POST', '/login', { headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body });
      statuses.push(res.status);
    }
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 429]);
  });

  it('the API limit (20 a minute here) holds across both workers: request 21 gets 429 with Retry-After', async () => {
    const ws = await createWorkspace(db, { slug: 'cluster', billing_mode: 'seat' });
    const key = await keyFor(db, ws.id);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 21; i++) {
      last = await httpRequest(server!.port, 'POST', '/api/v1/logins', {
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ logins: [] }),
      });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 20).every((s) => s < 400), statuses.join(',')).to.equal(true);
    expect(statuses[20]).to.equal(429);
    expect(Number(last!.headers['retry-after'])).to.be.greaterThan(0);
  });

  it('a worker that dies is replaced, and the service keeps answering', async () => {
    const before = childPids(server!.child.pid!);
    process.kill(before[0], 'SIGKILL');
    let after: number[] = [];
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = childPids(server!.child.pid!);
      if (after.length === 2 && !after.includes(before[0])) break;
    }
    expect(after).to.have.length(2);
    expect(after).to.not.include(before[0]);
    for (let i = 0; i < 4; i++) expect((await httpRequest(server!.port, 'GET', '/healthz')).status).to.equal(200);
    expect(server!.exited()).to.equal(false);
  });

  it('SIGTERM stops the primary and every worker, exit status 0', async () => {
    const workers = childPids(server!.child.pid!);
    expect(await server!.stop()).to.equal(0);
    for (const pid of workers) {
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      expect(alive, `worker ${pid} still running`).to.equal(false);
    }
  });
});

describe('start-up: banner only once listening; clear errors', function () {
  this.timeout(120_000);
  let tmp: string;
  before(function () {
    if (isMySqlRun()) this.skip(); // process start-up does not depend on the engine
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uc-startup-'));
  });
  after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

  for (const workers of ['1', '2']) {
    it(`a port already in use (WEB_CONCURRENCY=${workers}): the error, exit status 1, no banner`, async () => {
      const taken = await freePort();
      try {
        const r = await runServerToExit({ PORT: String(taken.port), DATABASE_URL: `sqlite:${path.join(tmp, `taken-${workers}.sqlite`)}`, WEB_CONCURRENCY: workers });
        expect(r.code).to.equal(1);
        expect(r.err).to.include(`PORT: ${taken.port} is already in use`);
        expect(r.out).to.not.include('running at');
      } finally {
        await taken.close();
      }
    });
  }

  it('a bad WEB_CONCURRENCY stops start-up naming it', async () => {
    const r = await runServerToExit({ PORT: '0', DATABASE_URL: `sqlite:${path.join(tmp, 'bad.sqlite')}`, WEB_CONCURRENCY: 'lots' });
    expect(r.code).to.equal(1);
    expect(r.err).to.include('WEB_CONCURRENCY: must be a whole number from 1 to 999, or auto');
    expect(r.out).to.not.include('running at');
  });
});
