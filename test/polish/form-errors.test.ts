// A page re-rendered with a form error keeps the header's credit meter and bell (they used to vanish
// on anything but a GET), and marks the first invalid field for focus.
import { expect } from 'chai';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { usersWorld } from '../users/fixture';

describe('form errors keep the header', () => {
  let t: TestApp;
  let admin: Agent;
  before(async () => {
    t = await createTestApp();
    await usersWorld(t.db);
    admin = await loginAs(t.app, 'admin@alpha.test', PASSWORD);
  });
  after(() => closeAll());

  it('the invite page shown again with an error has the meter, the bell, and the invalid field marked first', async () => {
    const ok = (await admin.get('/admin/users/new').expect(200)).text;
    expect(ok).to.match(/class="credit-meter credit-level-/).and.contain('class="bell"');
    const res = await admin.post('/admin/users').type('form').send({ _csrf: admin.csrf, email: 'not-an-email', name: 'X', role: 'member' }).expect(422);
    expect(res.text).to.match(/class="credit-meter credit-level-/).and.contain('class="bell"');
    // public/js/app.js focuses the first aria-invalid field of the page on load
    expect(res.text).to.match(/<input id="inv-email"[^>]*aria-invalid="true"/);
    expect(res.text.indexOf('aria-invalid="true"')).to.equal(res.text.indexOf('<input id="inv-email"') + res.text.slice(res.text.indexOf('<input id="inv-email"')).indexOf('aria-invalid="true"'));
  });

  it('an htmx fragment still skips the header queries', async () => {
    const res = await admin.post('/admin/users').type('form').set('HX-Request', 'true').send({ _csrf: admin.csrf, email: 'bad', name: 'X', role: 'member' }).expect(422);
    expect(res.text).to.not.contain('class="bell"');
  });
});
