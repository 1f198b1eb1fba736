// Every CSV download the app serves (read from its router), over a workspace whose names, prompts,
// models, agents, groups and departments start with spreadsheet formula characters: each file is
// text/csv UTF-8 as an attachment, parses as RFC 4180, has a header row, carries the hostile values
// (apostrophe-prefixed, never bare), and is audited as export.download.
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { createUser, createWorkspace, PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { appRoutes } from './app-routes';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import { upsertAgent, upsertGroup } from '../../src/ingest/roster';
import { addCredits } from '../../src/credits/admin';
import { SYSTEM_ACTOR } from '../../src/audit/audit';

const DAY = 86_400_000;
const HOSTILE = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', '\rCR'];
const FORMULA_START = /^[=+\-@\t\r]/;

/** A streamed download, collected as text. */
async function download(agent: Agent, path: string) {
  return agent
    .get(path)
    .buffer(true)
    .parse((res, cb) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => cb(null, text));
    });
}

describe('foundation: every CSV export is formula-safe, RFC 4180 and audited', function () {
  this.timeout(60_000);
  let t: TestApp;
  let admin: Agent;
  let wsId: number;
  let userId: number;
  const from = new Date(Date.now() - 60 * DAY).toISOString().slice(0, 10);

  before(async () => {
    t = await createTestApp();
    const ws = await createWorkspace(t.db, { slug: 'csvsafe', name: 'CSV Safe', billing_mode: 'credits' });
    wsId = ws.id;
    await createUser(t.db, ws.id, { email: 'admin@csvsafe.test', name: 'Ada Admin', role: 'admin' });
    userId = await createUser(t.db, ws.id, { email: 'evil@csvsafe.test', name: HOSTILE[0], department: HOSTILE[1], role: 'member' });
    await createUser(t.db, ws.id, { email: 'tab@csvsafe.test', name: HOSTILE[4], department: HOSTILE[3], role: 'member' });
    await upsertAgent(t.db, ws.id, { externalId: 'ag1', name: HOSTILE[2], kind: 'custom', type: 'research', creatorEmail: 'evil@csvsafe.test' });
    await upsertAgent(t.db, ws.id, { externalId: 'ag2', name: HOSTILE[5], kind: 'custom', type: 'research' }); // never used
    await upsertGroup(t.db, ws.id, { externalId: 'g1', name: HOSTILE[3], knowledgeApplied: true, members: ['evil@csvsafe.test', 'tab@csvsafe.test'] });
    await addCredits(t.db, SYSTEM_ACTOR, ws.id, { kind: 'purchase', amount: 10_000, expiresAt: null, note: HOSTILE[0], priceCents: null });
    const now = Date.now();
    const r = await recordInteractions(
      t.db,
      ws.id,
      [1, 3, 5, 9].map((d, i) => ({
        id: `csv-${d}`,
        user: i % 2 ? 'tab@csvsafe.test' : 'evil@csvsafe.test',
        occurredAt: new Date(now - d * DAY),
        kind: 'inference' as const,
        surface: 'agent',
        agent: 'ag1',
        model: HOSTILE[1],
        promptTokens: 10,
        completionTokens: 5,
        prompt: `${HOSTILE[i]}, "quoted", and a\nnewline`,
        ip: '10.0.0.1',
        billable: { category: 'agents' as const, units: 1 },
      })),
    );
    expect(r.rejected, JSON.stringify(r.rejected)).to.deep.equal([]);
    await recordLogins(t.db, ws.id, [{ user: 'evil@csvsafe.test', occurredAt: new Date(now - 2 * DAY), ip: '10.0.0.1' }]);
    admin = await loginAs(t.app, 'admin@csvsafe.test', PASSWORD);
  });
  after(closeAll);

  it('serves each CSV route as a formula-safe attachment with a header row, and audits it', async () => {
    const csvRoutes = appRoutes(t.app).filter((r) => r.method === 'GET' && r.path.endsWith('.csv'));
    expect(csvRoutes.length).to.be.greaterThan(8);
    let hostileCells = 0;
    for (const r of csvRoutes) {
      const path = `${r.path.replace(':id', String(userId))}?from=${from}`;
      const before = Number((await t.db('audit_log').where({ workspace_id: wsId, action: 'export.download' }).count({ n: '*' }).first())!.n);
      const res = await download(admin, path);
      expect(res.status, path).to.equal(200);
      expect(res.headers['content-type'], path).to.match(/^text\/csv; charset=utf-8/i);
      expect(res.headers['content-disposition'], path).to.match(/^attachment; filename="?[^"/\\]+\.csv"?/);
      const text = res.body as unknown as string;
      const rows: string[][] = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: false });
      expect(rows.length, `${path} header row`).to.be.greaterThan(0);
      expect(rows[0].every((h) => /^[a-z0-9_]+$/.test(h)), `${path} header: ${rows[0].join(',')}`).to.equal(true);
      for (const row of rows.slice(1)) {
        for (const cell of row) {
          if (/^-?\d+(\.\d+)?$/.test(cell)) continue; // a number column may be negative
          expect(FORMULA_START.test(cell), `${path}: bare formula cell ${JSON.stringify(cell)}`).to.equal(false);
          if (HOSTILE.some((h) => cell.startsWith(`'${h}`))) hostileCells++;
        }
      }
      const after = Number((await t.db('audit_log').where({ workspace_id: wsId, action: 'export.download' }).count({ n: '*' }).first())!.n);
      expect(after, `${path} audited`).to.equal(before + 1);
    }
    // the hostile values really were exported (prefixed), so the absence of bare ones means something
    expect(hostileCells).to.be.greaterThan(10);
  });
});
