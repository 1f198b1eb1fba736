// One error handler for pages and the API: a database error a retry may get past (an InnoDB deadlock
// victim, a lock wait timeout) answers 503 with Retry-After on a page, an htmx fragment and the JSON
// API alike; any other database error stays a logged 500.
import { expect } from 'chai';
import type { Response } from 'supertest';
import { createTestApp, loginAs, type TestApp } from '../helpers/app';
import { PASSWORD, twoWorkspaces } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { keyFor, post, event } from '../ingest/helpers';

/** Makes the next queries matching `pattern` fail with `code` (knex's per-dialect query runner). */
function failQueries(t: TestApp, pattern: RegExp, code: string, times = 1): () => void {
  const client = t.db.client as { _query: (conn: unknown, obj: { sql: string }) => Promise<unknown> };
  const original = client._query;
  let left = times;
  client._query = function (this: unknown, conn: unknown, obj: { sql: string }) {
    if (left > 0 && pattern.test(obj.sql)) {
      left--;
      return Promise.reject(Object.assign(new Error(`simulated ${code}`), { code }));
    }
    return original.call(this, conn, obj);
  };
  return () => {
    client._query = original;
  };
}

/** The answer to `request` while the next query matching `pattern` fails with `code`. */
async function answerWhileFailing(t: TestApp, pattern: RegExp, code: string, request: () => Promise<Response>): Promise<Response> {
  const restore = failQueries(t, pattern, code);
  try {
    return await request();
  } finally {
    restore();
  }
}

describe('foundation: transient database errors answer 503 everywhere', () => {
  let t: TestApp;
  let key: string;
  before(async () => {
    t = await createTestApp();
    const w = await twoWorkspaces(t.db);
    key = await keyFor(t.db, w.a.id);
  });
  after(closeAll);

  for (const code of ['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']) {
    it(`${code} on a page: 503 page with Retry-After`, async () => {
      const admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD, { csrf: false });
      const res = await answerWhileFailing(t, /audit_log/i, code, () => admin.get('/admin/audit-log'));
      expect(res.status).to.equal(503);
      expect(res.headers['retry-after']).to.equal('1');
      expect(res.headers['content-type']).to.match(/text\/html/);
      expect(res.text).to.match(/database is unavailable/);
    });
  }

  it('ER_LOCK_DEADLOCK on an htmx request: 503 fragment with Retry-After', async () => {
    const admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD, { csrf: false });
    const res = await answerWhileFailing(t, /audit_log/i, 'ER_LOCK_DEADLOCK', () => admin.get('/admin/audit-log').set('HX-Request', 'true'));
    expect(res.status).to.equal(503);
    expect(res.headers['retry-after']).to.equal('1');
    expect(res.text).to.not.match(/<html/i);
  });

  it('ER_LOCK_DEADLOCK on the API: 503 JSON error with Retry-After', async () => {
    const res = await answerWhileFailing(t, /api_keys/i, 'ER_LOCK_DEADLOCK', () => post(t.app, '/events', key, { events: [event('transient-1')] }));
    expect(res.status).to.equal(503);
    expect(res.headers['retry-after']).to.equal('1');
    expect(res.body.error.code).to.equal('unavailable');
  });

  it('a database error that is not transient stays a 500 without Retry-After', async () => {
    const admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD, { csrf: false });
    const res = await answerWhileFailing(t, /audit_log/i, 'ER_BAD_FIELD_ERROR', () => admin.get('/admin/audit-log'));
    expect(res.status).to.equal(500);
    expect(res.headers['retry-after']).to.equal(undefined);
  });
});
