// The real server as a child process (`src/server.ts` under tsx), for tests of process behaviour:
// start-up, several workers, a database that goes away. Requests go over fresh connections
// (no keep-alive), so with several workers the primary hands them out in turn.
import http from 'node:http';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';

export const ROOT = path.resolve(__dirname, '../..');

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  out: () => string;
  err: () => string;
  exited: () => boolean;
  stop(): Promise<number | null>;
}

/** Starts the server; resolves once it prints its URL (rejects if it exits first or after 60 s). */
export function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'development', SEED_DEMO: '0', SESSION_SECRET: 's'.repeat(32), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exited = false;
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  child.on('exit', () => (exited = true));
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no URL within 60 s\nstdout:\n${out}\nstderr:\n${err}`));
    }, 60_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(Object.assign(new Error(`exited ${code} before printing the URL\nstdout:\n${out}\nstderr:\n${err}`), { code, out, err }));
    };
    child.once('exit', onExit);
    const poll = setInterval(() => {
      const m = /running at http:\/\/localhost:(\d+)\//.exec(out);
      if (m) {
        clearInterval(poll);
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        resolve({ child, port: Number(m[1]), out: () => out, err: () => err, exited: () => exited, stop });
      }
    }, 50);
  });
}

/** Runs the server to its exit (start-up failures): status and output. */
export function runServerToExit(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'development', SEED_DEMO: '0', SESSION_SECRET: 's'.repeat(32), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
}

/** One HTTP request on a new connection. */
export function httpRequest(port: number, method: string, urlPath: string, opts: { headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<Reply> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent: false, headers: { connection: 'close', ...(opts.headers ?? {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, ms: Date.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

/** The child processes of `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  try {
    const fs = require('node:fs') as typeof import('node:fs');
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
