// Every htmx URL is also a page: each hx-get found on any page (tabs, filters, pagers, charts, row
// actions) answers a plain browser request with a whole page (layout, one h1) or a redirect to one,
// so the console works without JavaScript and every htmx view can be bookmarked.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { appRoutes } from './app-routes';
import { seedDemo } from '../../seeds/demo';

function decode(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

describe('foundation: every htmx URL also renders a whole page without JavaScript', function () {
  this.timeout(120_000);
  let t: TestApp;
  let admin: Agent;

  before(async () => {
    t = await createTestApp();
    await seedDemo(t.db, { users: 12, months: 2, seed: 3 });
    admin = await loginAs(t.app, 'admin@acme.test', 'demo-admin-1');
  });
  after(closeAll);

  it('follows every hx-get on every page', async () => {
    const member = (await t.db('users').where({ email: 'member@acme.test' }).first()).id;
    const start = appRoutes(t.app)
      .filter((r) => r.method === 'GET' && !r.path.startsWith('/api/') && !r.path.endsWith('.csv') && !r.path.endsWith('.pdf') && r.path !== '/healthz' && !r.path.includes(':chart'))
      .map((r) => r.path.replace(':id', String(member)));
    const htmxUrls = new Set<string>();
    for (const p of start) {
      const res = await admin.get(p);
      for (const m of res.text.matchAll(/hx-get="([^"]+)"/g)) htmxUrls.add(decode(m[1]));
    }
    expect(htmxUrls.size, 'hx-get URLs found').to.be.greaterThan(15);
    const problems: string[] = [];
    for (const url of htmxUrls) {
      let res = await admin.get(url);
      if (res.status === 303 || res.status === 302) res = await admin.get(res.headers.location);
      const h1 = (res.text.match(/<h1[\s>]/g) ?? []).length;
      if (res.status !== 200 || !res.text.startsWith('<!doctype html>') || h1 !== 1) problems.push(`${url}: ${res.status}, ${h1} h1`);
    }
    expect(problems).to.deep.equal([]);
  });
});
