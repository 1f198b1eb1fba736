// Route x role: every route, every role -> the expected status.
import { expect } from 'chai';
import request from 'supertest';
import { createTestApp, loginAs, type Agent, type TestApp } from './helpers/app';
import { twoWorkspaces, PASSWORD } from './helpers/fixtures';
import { closeAll } from './helpers/db';
import { ALL_ROUTES } from './routes';
import type { Who, World } from './routes/types';

describe('route x role matrix', () => {
  let t: TestApp;
  let world: World;
  const agents: Partial<Record<Who, Agent>> = {};

  before(async () => {
    t = await createTestApp();
    const w = await twoWorkspaces(t.db);
    world = { userA: w.memberA, memberA: w.memberA, userB: w.adminB, adminA: w.adminA };
    agents.admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
    agents.member = await loginAs(t.app, 'member@alpha.test', PASSWORD);
    agents.otherAdmin = await loginAs(t.app, 'admin@beta.test', PASSWORD);
  });
  after(closeAll);

  // POST /logout ends the agents' sessions, so it goes last.
  const ordered = [...ALL_ROUTES.filter((r) => r.path !== '/logout'), ...ALL_ROUTES.filter((r) => r.path === '/logout')];
  for (const route of ordered) {
    for (const who of ['anonymous', 'member', 'otherAdmin', 'admin'] as Who[]) {
      const label = typeof route.path === 'string' ? route.path : route.path.toString().replace(/^.*=>\s*/, '');
      it(`${route.method} ${label} as ${who} -> ${route.expect[who]}`, async () => {
        const path = typeof route.path === 'string' ? route.path : route.path(world);
        const agent = who === 'anonymous' ? request.agent(t.app) : agents[who]!;
        const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
        let req = agent[method](path);
        if (route.method !== 'GET') {
          req = req.type('form').send({ ...(route.body ?? {}), _csrf: who === 'anonymous' ? '' : (agent as Agent).csrf });
        }
        const res = await req;
        expect(res.status, `${route.method} ${path} as ${who}`).to.equal(route.expect[who]);
        if (res.status === 303 && who === 'anonymous' && path.startsWith('/admin')) {
          expect(res.headers.location).to.match(/^\/login\?next=/);
        }
      });
    }
  }

  it('anonymous htmx requests to admin pages get 401, not a redirect', async () => {
    const res = await request(t.app).get('/admin/users').set('HX-Request', 'true');
    expect(res.status).to.equal(401);
  });
});
