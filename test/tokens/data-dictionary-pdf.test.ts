// The data dictionary as a PDF: a real PDF built server-side from the same export definitions as the
// CSV exports and the page (every export title and column name is in it), audited, admins only.
import { expect } from 'chai';
import zlib from 'node:zlib';
import request from 'supertest';
import { createTestApp, type Agent, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { allExports } from '../../src/data-dictionary/registry';
import { DEFINITIONS } from '../../src/data-dictionary/view-model';
import { pdfText } from '../../src/data-dictionary/pdf';
import { setUsageClock } from '../../src/reports/clock';
import { buildFixture, NOW, signIn, TODAY } from './fixture';

/** The text a PDF draws: inflates every content stream and decodes the hex strings of its TJ operators. */
function pdfTextOf(buf: Buffer): string {
  const raw = buf.toString('latin1');
  const out: string[] = [];
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    let body: Buffer = buf.subarray(start, end);
    try {
      body = zlib.inflateSync(body);
    } catch {
      // not deflated (or not content): read as is
    }
    const text = body.toString('latin1');
    for (const tj of text.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      out.push([...tj[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join(''));
    }
  }
  return out.join('\n');
}

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('Data dictionary as a PDF', () => {
  let t: TestApp;
  let admin: Agent;
  let pdf: Buffer;
  let text: string;

  before(async () => {
    setUsageClock(() => NOW);
    t = await createTestApp();
    await buildFixture(t.db);
    admin = await signIn(t.app, 'admin@alpha.test');
    const res = await admin.get('/admin/data-dictionary.pdf').buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).to.equal('application/pdf');
    expect(res.headers['content-disposition']).to.equal(`attachment; filename="alpha-data-dictionary-${TODAY}.pdf"`);
    pdf = res.body as Buffer;
    text = pdfTextOf(pdf);
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  it('is a complete PDF document with its title in the metadata', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    expect(pdf.toString('latin1').trimEnd().endsWith('%%EOF')).to.equal(true);
    expect(Number(/\/Count (\d+)/.exec(pdf.toString('latin1'))![1])).to.be.at.least(3);
    expect(text).to.contain('Usage Report Data Dictionary');
  });

  it('lists every export and every column of the export definitions, with its type', () => {
    const flat = text.replace(/\n/g, ' ');
    for (const def of allExports()) {
      expect(flat, def.id).to.contain(pdfText(def.title));
      for (const c of def.columns) expect(text, `${def.id}.${c.key}`).to.match(new RegExp(`^${c.key}$`, 'm'));
    }
    // the new per-user columns of users-with-tokens.csv follow the definitions into the PDF
    expect(text).to.match(/^total_inference_tokens$/m).and.match(/^total_embedding_tokens$/m);
    for (const d of DEFINITIONS) expect(flat, d.term).to.contain(pdfText(d.term));
  });

  it('is audited as a download and is for admins only', async () => {
    const row = await t.db('audit_log').where({ action: 'export.download', target_id: 'data-dictionary-pdf' }).first();
    expect(JSON.parse(row.after_json)).to.deep.equal({ export: 'data-dictionary-pdf', file: `alpha-data-dictionary-${TODAY}.pdf`, path: '/admin/data-dictionary.pdf' });
    const member = await signIn(t.app, 'zoe@alpha.test');
    expect((await member.get('/admin/data-dictionary.pdf')).status).to.equal(403);
    expect((await request(t.app).get('/admin/data-dictionary.pdf')).status).to.equal(303);
  });

  it('is linked from the data dictionary page, the Usage exports and the Token Statistics exports', async () => {
    for (const p of ['/admin/data-dictionary', '/admin/usage', '/admin/tokens?tab=exports']) {
      expect((await admin.get(p).expect(200)).text, p).to.contain('href="/admin/data-dictionary.pdf"');
    }
  });
});
