// Workspace settings: the header's workspace name opens a menu to it; the page lists the sections
// that apply to the workspace (no credits for a seat-billed one); members are refused.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { closeAll, freshDb } from '../helpers/db';
import { createTestApp, loginAs, type TestApp } from '../helpers/app';
import { createUser, createWorkspace, twoWorkspaces, PASSWORD } from '../helpers/fixtures';

describe('Workspace settings', function () {
  let db: Knex;
  let t: TestApp;

  before(async () => {
    db = await freshDb();
    await twoWorkspaces(db);
    const seat = await createWorkspace(db, { slug: 'seaty', name: 'Seat Co', billing_mode: 'seat' });
    await createUser(db, seat.id, { email: 'admin@seat.test', name: 'Sam Seat', role: 'admin' });
    t = await createTestApp({ db });
  });
  after(closeAll);

  it('the workspace name in an admin header opens a menu with Workspace settings and Usage', async () => {
    const agent = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
    const res = await agent.get('/admin/users');
    expect(res.status).to.equal(200);
    const menu = /<details class="workspace-menu">([\s\S]*?)<\/details>/.exec(res.text)?.[1] ?? '';
    expect(menu).to.contain('href="/admin/settings"');
    expect(menu).to.contain('Workspace settings');
    expect(menu).to.contain('href="/admin/usage"');
  });

  it('lists the sections, with Credits only for a credit-billed workspace', async () => {
    const credits = await (await loginAs(t.app, 'admin@alpha.test', PASSWORD)).get('/admin/settings');
    expect(credits.status).to.equal(200);
    expect(credits.text).to.contain('<h1>Workspace settings</h1>');
    expect(credits.text).to.contain('href="/admin/api-keys"');
    const billing = (await db('workspaces').where({ slug: 'alpha' }).first()).billing_mode;
    expect(credits.text.includes('href="/admin/credits">Credits</a></h2>')).to.equal(billing === 'credits');

    const seat = await (await loginAs(t.app, 'admin@seat.test', PASSWORD)).get('/admin/settings');
    expect(seat.status).to.equal(200);
    expect(seat.text).not.to.contain('href="/admin/credits">Credits</a></h2>');
    expect(seat.text).to.contain('href="/admin/api-keys"');
  });

  it('members get 403 and see no settings menu', async () => {
    const member = await loginAs(t.app, 'member@alpha.test', PASSWORD);
    expect((await member.get('/admin/settings')).status).to.equal(403);
    const me = await member.get('/me');
    expect(me.text).not.to.contain('class="workspace-menu"');
  });
});
