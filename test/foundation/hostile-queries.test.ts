// Malformed query strings never cause a server error: every GET route of the route table, with the
// values that once did (a day at the end of the calendar, over-long searches and cursors), and then
// fast-check's hostile values for every query parameter, as the admin who can reach every page.
import { expect } from 'chai';
import fc from 'fast-check';
import request from 'supertest';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { twoWorkspaces, PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { ALL_ROUTES } from '../routes';
import type { World } from '../routes/types';

/** Parameters any page might read, beside those named in the route table's own paths. */
const COMMON_PARAMS = ['from', 'to', 'q', 'after', 'before', 'page', 'per', 'sort', 'dir', 'tab', 'range', 'access', 'type', 'show', 'status', 'role', 'model', 'today', 'totals', 'next', 'notice', 'error', 'action', 'actor'];

function routePaths(world: World): { path: string; params: string[] }[] {
  return ALL_ROUTES.filter((r) => r.method === 'GET').map((r) => {
    const full = typeof r.path === 'string' ? r.path : r.path(world);
    const [path, qs = ''] = full.split('?');
    const own = [...new URLSearchParams(qs).keys()];
    return { path, params: [...new Set([...own, ...COMMON_PARAMS])] };
  });
}

const hostileValue = fc.oneof(
  fc.constantFrom('9999-12-31', '0000-01-01', '1000-01-01', '8999-12-31', '2026-02-30', '-1', '0', '1e309', 'NaN', '2147483648', '99999999999999999999', '', ' ', '%00', '\u0000', '../../etc/passwd', '<script>', "'; drop table users; --", '2026-01-01T00:00:00.000Z_5', '_', 'true'),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer({ min: 150, max: 1200 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 150, max: 600 }).map((n) => '2026-01-01T00:00:00.000Z_'.padEnd(n, '9')),
);

/** A query string with the parameter once, repeated (an array), or in bracket form. */
function encode(params: [string, string, number][]): string {
  const parts: string[] = [];
  for (const [k, v, shape] of params) {
    const key = encodeURIComponent(k);
    const val = encodeURIComponent(v);
    if (shape === 0) parts.push(`${key}=${val}`);
    else if (shape === 1) parts.push(`${key}=${val}`, `${key}=${val}x`);
    else parts.push(`${key}[a]=${val}`);
  }
  return parts.join('&');
}

describe('hostile query strings: no 5xx on any GET route', function () {
  this.timeout(120_000);
  let t: TestApp;
  let admin: Agent;
  let routes: ReturnType<typeof routePaths>;

  before(async () => {
    t = await createTestApp();
    const w = await twoWorkspaces(t.db);
    routes = routePaths({ userA: w.memberA, memberA: w.memberA, userB: w.adminB, adminA: w.adminA });
    admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD, { csrf: false });
  });
  after(closeAll);

  it('the values that used to answer 500 answer 400 with the message (or the page)', async () => {
    const bad = ['from=9999-12-31', 'to=9999-12-31', `q=${'x'.repeat(201)}`, `after=${'a'.repeat(401)}`, `before=${'b'.repeat(401)}`];
    const failures: string[] = [];
    for (const r of routes) {
      for (const qs of bad) {
        const url = `${r.path}?${qs}`;
        const res = await admin.get(url);
        if (res.status >= 500) failures.push(`${url.slice(0, 90)} -> ${res.status}`);
      }
    }
    expect(failures).to.deep.equal([]);
    // The date named in issue 12 is refused with a message, not silently ignored or crashed on.
    const audit = await admin.get('/admin/credits/ledger.csv?from=9999-12-31');
    expect(audit.status).to.equal(400);
    const people = await admin.get(`/admin/credits/people?q=${'x'.repeat(201)}`);
    expect(people.status).to.equal(400);
    expect(people.text).to.include('Keep the search under 200 characters.');
  });

  it('fast-check: hostile values for every query parameter of every GET route answer below 500', async () => {
    const failures: string[] = [];
    const routeArb = fc.integer({ min: 0, max: routes.length - 1 });
    const caseArb = routeArb.chain((i) =>
      fc.tuple(
        fc.constant(i),
        fc.array(fc.tuple(fc.constantFrom(...routes[i].params), hostileValue, fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
      ),
    );
    // Every route first with every one of its parameters hostile at once, then random cases.
    for (const r of routes) {
      const qs = encode(r.params.map((p) => [p, '9999-12-31'.repeat(30), 0]));
      const res = await admin.get(`${r.path}?${qs}`);
      if (res.status >= 500) failures.push(`${r.path} all params -> ${res.status}`);
    }
    await fc.assert(
      fc.asyncProperty(caseArb, async ([i, params, htmx]) => {
        const url = `${routes[i].path}?${encode(params)}`;
        let req = admin.get(url);
        if (htmx) req = req.set('HX-Request', 'true');
        const res = await req;
        if (res.status >= 500) failures.push(`${url.slice(0, 200)} -> ${res.status}`);
        return res.status < 500;
      }),
      { numRuns: 400, interruptAfterTimeLimit: 4000, markInterruptAsFailure: false, seed: Number(process.env.FC_SEED) || undefined },
    );
    expect(failures).to.deep.equal([]);
  });

  it('anonymous hostile requests are redirected or refused, never 5xx', async () => {
    for (const r of routes.slice(0, 40)) {
      const res = await request(t.app).get(`${r.path}?from=9999-12-31&q=${'x'.repeat(300)}`);
      expect(res.status, r.path).to.be.below(500);
    }
  });
});
