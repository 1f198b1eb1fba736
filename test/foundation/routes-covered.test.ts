// Every route the app serves joins the route x role matrix (test/routes/<feature>.ts): this walks
// the app's router and lists the routes no matrix row exercises.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { createApp } from '../../src/app';
import { createDb } from '../../src/db/knex';
import { testContext } from '../helpers/app';
import { ALL_ROUTES } from '../routes';
import { appRoutes } from './app-routes';

export function patternOf(path: string): RegExp {
  const src = path
    .split(/(:[A-Za-z_]+)/)
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${src}$`);
}

describe('foundation: every route is in the route x role matrix', () => {
  let db: Knex;
  after(() => db?.destroy());

  it('lists no route without a matrix row', () => {
    db = createDb('sqlite::memory:');
    const routes = appRoutes(createApp(testContext(db)));
    expect(routes.length).to.be.greaterThan(10);
    const world = new Proxy({}, { get: () => 1 }) as never;
    const covered = ALL_ROUTES.map((r) => ({ method: r.method, path: (typeof r.path === 'string' ? r.path : r.path(world)).split('?')[0] }));
    const missing = routes.filter((r) => !covered.some((c) => c.method === r.method && patternOf(r.path).test(c.path)));
    expect(missing.map((r) => `${r.method} ${r.path}`), 'add these to test/routes/<feature>.ts').to.deep.equal([]);
  });
});
