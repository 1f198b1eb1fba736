// The data dictionary: every column of every export is documented (page and CSV), the Token
// Statistics exports' columns match the files they produce, definitions and hours-saved table shown.
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { createTestApp, type Agent, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { allExports } from '../../src/data-dictionary/registry';
import { TOKEN_EXPORTS } from '../../src/tokens/export-defs';
import { HOURS_SAVED_MINUTES } from '../../src/usage/definitions';
import { setUsageClock } from '../../src/reports/clock';
import { buildFixture, NOW, signIn, TODAY } from './fixture';

const decode = (s: string) => s.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

describe('Data dictionary', () => {
  let t: TestApp;
  let admin: Agent;

  before(async () => {
    setUsageClock(() => NOW);
    t = await createTestApp();
    await buildFixture(t.db);
    admin = await signIn(t.app, 'admin@alpha.test');
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  it('every export column has a type, a description and an example', () => {
    const all = allExports();
    expect(all.length).to.be.at.least(3);
    const ids = new Set<string>();
    for (const def of all) {
      expect(ids.has(def.id), `duplicate export id ${def.id}`).to.equal(false);
      ids.add(def.id);
      expect(def.columns.length, def.id).to.be.greaterThan(0);
      const keys = new Set<string>();
      for (const c of def.columns) {
        expect(keys.has(c.key), `${def.id}.${c.key} twice`).to.equal(false);
        keys.add(c.key);
        expect(['string', 'integer', 'decimal', 'boolean', 'date', 'datetime']).to.include(c.type);
        expect(c.description.trim().length, `${def.id}.${c.key} description`).to.be.greaterThan(5);
        expect(typeof c.example, `${def.id}.${c.key} example`).to.equal('string');
      }
    }
    for (const def of TOKEN_EXPORTS) expect(all).to.include(def);
  });

  it('the page documents every column of every export, grouped by area', async () => {
    const html = decode((await admin.get('/admin/data-dictionary').expect(200)).text);
    for (const def of allExports()) {
      const section = new RegExp(`<article[^>]*data-export="${def.id}"[\\s\\S]*?</article>`).exec(html);
      expect(section, def.id).to.not.equal(null);
      expect(section![0]).to.contain(def.title);
      for (const c of def.columns) {
        expect(section![0], `${def.id}.${c.key}`).to.contain(`data-column="${c.key}"`);
        expect(section![0], `${def.id}.${c.key}`).to.contain(c.description);
      }
    }
    expect(html).to.contain('id="area-token-statistics"');
  });

  it("the Token Statistics exports' header rows are exactly their documented columns", async () => {
    for (const def of TOKEN_EXPORTS) {
      const res = await admin.get(def.path).buffer(true).expect(200);
      const header = parse(res.text, { to_line: 1 })[0];
      expect(header, def.id).to.deep.equal(def.columns.map((c) => c.key));
    }
  });

  it('shows the definitions and the hours-saved minutes per surface', async () => {
    const html = decode((await admin.get('/admin/data-dictionary').expect(200)).text);
    for (const term of ['Total generations', 'IQ adoption', 'Hours saved', 'Active licenses', 'Active users', 'Active user rate', 'Monthly inference tokens', 'Reporting window', 'Credit alerts']) {
      expect(html).to.contain(`<dt>${term}</dt>`);
    }
    for (const [surface, minutes] of Object.entries(HOURS_SAVED_MINUTES)) {
      expect(html).to.match(new RegExp(`<tr data-surface="${surface}">[\\s\\S]*?<td class="num">${minutes}</td></tr>`));
    }
  });

  it('downloads as a CSV with one row per column of every export, audited', async () => {
    const res = await admin.get('/admin/data-dictionary.csv').buffer(true).expect(200);
    expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).to.equal(`attachment; filename="alpha-data-dictionary-${TODAY}.csv"`); // the report clock, pinned
    const rows: string[][] = parse(res.text);
    expect(rows[0]).to.deep.equal(['area', 'export', 'file', 'column', 'type', 'description', 'example']);
    const expected = allExports().flatMap((d) => d.columns.map((c) => [d.area, d.title, d.path.replace(':id', '{id}'), c.key, c.type, c.description, /^[=+\-@\t\r]/.test(c.example) ? `'${c.example}` : c.example]));
    expect(rows.slice(1)).to.deep.equal(expected);
    expect(rows.slice(1).filter((r) => r[1] === 'Users with tokens').map((r) => r[3])).to.include('previous_month_inference_tokens');
    // a per-user export is named by its template, as on the page, never by a route pattern
    expect(rows.some((r) => r[2] === '/admin/users/{id}/logs.csv')).to.equal(true);
    expect(rows.some((r) => r[2].includes(':id'))).to.equal(false);
    const audit = await t.db('audit_log').where({ action: 'export.download', target_id: 'data-dictionary' });
    expect(audit).to.have.length(1);
  });

  it('is admin-only', async () => {
    const member = await signIn(t.app, 'zoe@alpha.test');
    expect((await member.get('/admin/data-dictionary')).status).to.equal(403);
    expect((await member.get('/admin/data-dictionary.csv')).status).to.equal(403);
    expect((await request(t.app).get('/admin/data-dictionary.csv')).status).to.equal(303);
  });
});
