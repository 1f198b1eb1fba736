// The app under test: a real database, real sessions, logged in through the real login form.
import type { Knex } from 'knex';
import request from 'supertest';
import type { Express } from 'express';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { AppContext } from '../../src/http/context';
import { freshDb } from './db';

export interface TestApp {
  db: Knex;
  app: Express;
  ctx: AppContext;
}

export function testContext(db: Knex, env: Record<string, string> = {}): AppContext {
  const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'test-secret-test-secret-0123456789', ENCRYPTION_KEY: 'test-encryption-key-test-encryption-key', LOG_LEVEL: 'silent', ...env });
  return { db, config, logger: pino({ level: 'silent' }) };
}

export async function createTestApp(opts: { db?: Knex; env?: Record<string, string> } = {}): Promise<TestApp> {
  const db = opts.db ?? (await freshDb());
  const ctx = testContext(db, opts.env);
  return { db, app: createApp(ctx), ctx };
}

/** The CSRF token embedded in a page (hidden _csrf input or the csrf-token meta tag). */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html) ?? /<meta name="csrf-token" content="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1];
}

export type Agent = ReturnType<typeof request.agent> & { csrf: string };

/** An agent holding a session cookie for `email`, plus a CSRF token valid for that session. */
/** With `{ csrf: false }` no page is fetched after login (read-only tests; agent.csrf stays empty). */
export async function loginAs(app: Express, email: string, password: string, opts: { csrf?: boolean } = {}): Promise<Agent> {
  const agent = request.agent(app) as Agent;
  const page = await agent.get('/login').expect(200);
  const res = await agent.post('/login').type('form').send({ email, password, _csrf: csrfFrom(page.text) });
  if (res.status !== 303) throw new Error(`login as ${email} failed: ${res.status}`);
  if (opts.csrf === false) agent.csrf = '';
  else await refreshCsrf(agent);
  return agent;
}

/** Reads a fresh CSRF token for the agent's current session. */
export async function refreshCsrf(agent: Agent): Promise<string> {
  // Signed-in users land on their home page (admins: Usage, members: /me); every page carries the token.
  const res = await agent.get('/').redirects(3);
  agent.csrf = csrfFrom(res.text);
  return agent.csrf;
}
