// The real server process: `npm start` (tsx) and the compiled build (`npm run build` then
// `node dist/src/server.js`) start cold on an empty database, print the URL as the last thing, answer
// at it, and stop cleanly on SIGTERM. SQLite pass only (each run uses its own temporary file; the
// MySQL start-up path is covered by bootstrap.test.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { isMySqlRun } from '../helpers/db';

const ROOT = path.resolve(__dirname, '../..');

interface Started {
  child: ChildProcess;
  url: string;
  out: () => string;
}

function start(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<Started> {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no URL within 60 s\nstdout:\n${out}\nstderr:\n${err}`));
    }, 60_000);
    child.on('exit', (code) => reject(new Error(`exited ${code} before printing the URL\nstdout:\n${out}\nstderr:\n${err}`)));
    const poll = setInterval(() => {
      const m = /running at (http:\/\/localhost:\d+\/)/.exec(out);
      if (m) {
        clearInterval(poll);
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, url: m[1], out: () => out });
      }
    }, 50);
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

async function checkRunning(s: Started) {
  const health = await fetch(`${s.url}healthz`);
  expect(health.status).to.equal(200);
  expect(await health.json()).to.deep.include({ status: 'ok' });
  const login = await fetch(`${s.url}login`);
  expect(login.status).to.equal(200);
  expect(await login.text()).to.include('name="_csrf"');
  for (const asset of ['static/css/app.css', 'static/js/app.js', 'static/vendor/htmx/htmx.min.js', 'static/vendor/chart.js/chart.umd.min.js']) {
    expect((await fetch(`${s.url}${asset}`)).status, asset).to.equal(200);
  }
  const admin = await fetch(`${s.url}admin/usage`, { redirect: 'manual' });
  expect(admin.status).to.equal(303);
  expect(admin.headers.get('location')).to.match(/\/login\?next=%2Fadmin%2Fusage$/);
  // The start-up logs (migrations applied) come before the URL, which stays the last thing printed.
  await new Promise((r) => setTimeout(r, 300));
  const lines = s.out().trim().split('\n');
  const urlAt = lines.findIndex((l) => l.includes('running at'));
  expect(lines.slice(0, urlAt).some((l) => l.includes('migrations applied')), s.out()).to.equal(true);
  expect(lines.slice(urlAt).filter((l) => l.startsWith('{')), s.out()).to.deep.equal([]);
}

describe('foundation: the server process (npm start and the compiled build)', function () {
  this.timeout(120_000);
  let tmp: string;
  before(function () {
    if (isMySqlRun()) this.skip();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uc-server-'));
  });
  after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

  it('npm start (tsx) starts cold on an empty database, prints the URL, serves, and stops on SIGTERM', async () => {
    const s = await start(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server.ts')], ROOT, {
      PORT: '0',
      DATABASE_URL: `sqlite:${path.join(tmp, 'tsx', 'console.sqlite')}`,
      SEED_DEMO: '0',
      NODE_ENV: 'development',
      SESSION_SECRET: 'x'.repeat(32),
    });
    try {
      await checkRunning(s);
      expect(s.out()).to.include('database: SQLite');
      expect(s.out()).to.not.include('demo admin'); // no demo loaded, so no demo logins are advertised
    } finally {
      expect(await stop(s.child)).to.equal(0);
    }
  });

  it('the compiled build (tsc, then node dist/src/server.js in production) starts cold and serves views, static files and migrations', async () => {
    // Compile into a scratch folder laid out like the project (views, public, node_modules beside dist).
    const proj = path.join(tmp, 'proj');
    fs.mkdirSync(proj);
    for (const d of ['views', 'public', 'node_modules']) fs.symlinkSync(path.join(ROOT, d), path.join(proj, d));
    const tsc = spawnSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(ROOT, 'tsconfig.json'), '--outDir', path.join(proj, 'dist')], { encoding: 'utf8', timeout: 90_000 });
    const serverJs = path.join(proj, 'dist/src/server.js');
    expect(fs.existsSync(serverJs), `tsc emitted nothing:\n${tsc.stdout}${tsc.stderr}`).to.equal(true);
    expect(fs.readdirSync(path.join(proj, 'dist/migrations')).some((f) => f.endsWith('.js'))).to.equal(true);
    const s = await start(process.execPath, [serverJs], proj, {
      PORT: '0',
      DATABASE_URL: `sqlite:${path.join(tmp, 'build', 'console.sqlite')}`,
      SEED_DEMO: '0',
      NODE_ENV: 'production',
      SESSION_SECRET: 'y'.repeat(32),
      ENCRYPTION_KEY: 'z'.repeat(32),
    });
    try {
      await checkRunning(s);
    } finally {
      expect(await stop(s.child)).to.equal(0);
    }
  });
});

describe('foundation: the logger keeps start-up output in order', () => {
  it('log lines written before the start-up banner are printed before it', () => {
    // Two log lines, then a console.log, then a busy main thread (as during the demo load): with an
    // asynchronous log writer the second line would come out after the banner.
    const script = [
      "const { createLogger } = require('./src/logger');",
      "const log = createLogger('info');",
      "log.info('first'); log.info('second');",
      "console.log('BANNER');",
      'const end = Date.now() + 300; while (Date.now() < end) {}',
    ].join('\n');
    const out = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(out.status, out.stderr).to.equal(0);
    const lines = out.stdout.trim().split('\n').map((l) => (l.startsWith('{') ? JSON.parse(l).msg : l));
    expect(lines).to.deep.equal(['first', 'second', 'BANNER']);
  });
});

