// The CSV export path made fast for the benchmark (src/csv/stream.ts + streamRows in
// src/db/dialect.ts): output must stay byte-identical, memory flat, aborted downloads clean.
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import express from 'express';
import type { Knex } from 'knex';
import { closeAll, freshDb, isMySqlRun } from '../helpers/db';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { recordInteractions } from '../../src/ingest/write-path';
import { streamRows } from '../../src/db/dialect';
import { formatCell, formatRow, headerRow, streamCsv } from '../../src/csv/stream';
import { defineExport, utcCell, type ColumnType, type ExportDefinition } from '../../src/csv/definitions';
import { databaseFormatted } from '../../src/csv/database-cells';
import { createDb } from '../../src/db/knex';

type Row = Record<string, unknown>;

const def = defineExport<Row>({
  id: 'probe',
  file: 'probe.csv',
  path: '/probe.csv',
  title: 'Probe',
  description: 'test',
  area: 'Usage',
  columns: [
    { key: 'text', type: 'string', description: '', example: '' },
    { key: 'n', type: 'integer', description: '', example: '' },
    { key: 'x', type: 'decimal', description: '', example: '' },
    { key: 'flag', type: 'boolean', description: '', example: '' },
    { key: 'day', type: 'date', description: '', example: '' },
    { key: 'at', type: 'datetime', description: '', example: '' },
    { key: 'derived', type: 'string', description: '', example: '', value: (r) => (r.text == null ? null : `<${String(r.text).length}>`) },
  ],
});

/** The foundation's per-cell path (formatCell with a type switch per cell), the reference output. */
function referenceLine(row: Row): string {
  return def.columns.map((c) => formatCell(c.value ? c.value(row) : row[c.key], c.type as ColumnType)).join(',');
}

async function serve(handler: express.RequestHandler): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.get('/x.csv', handler);
  const server: http.Server = await new Promise((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/x.csv`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('bench: CSV export path', () => {
  after(closeAll);

  describe('formatting', () => {
    it('writes hand-checked RFC 4180 cells with the formula guard', () => {
      expect(headerRow(def as ExportDefinition<unknown>)).to.equal('"text","n","x","flag","day","at","derived"');
      const row = { text: 'say "hi", then go', n: 42, x: 1.5, flag: 1, day: '2026-11-02', at: '2026-11-02 15:04:05.123' };
      expect(formatRow(def, row)).to.equal('"say ""hi"", then go",42,1.5,true,"2026-11-02","2026-11-02 15:04:05.123","<17>"');
      expect(formatRow(def, { text: '=HYPERLINK("x")', n: null, x: '', flag: 0, day: null, at: undefined })).to.equal(
        `"'=HYPERLINK(""x"")",,,false,,,"<15>"`,
      );
      for (const [text, out] of [
        ['+1', `"'+1"`],
        ['-2', `"'-2"`],
        ['@a', `"'@a"`],
        ['\tx', `"'\tx"`],
        ['\rx', `"'\rx"`],
        ['a=b', '"a=b"'],
        ['line\nbreak', '"line\nbreak"'],
      ]) {
        expect(formatRow(def, { text }).split(',')[0]).to.equal(out);
      }
      // numbers arriving as strings (DECIMAL/BIGINT) and non-numeric text in a number column
      expect(formatRow(def, { n: '12', x: 'n/a', flag: 'true' })).to.equal(`,12,"n/a",true,,,`);
      expect(formatRow(def, { n: Number.NaN, x: '-3', flag: 'no' })).to.equal(`,"NaN",-3,false,,,`);
    });

    it('gives exactly the per-cell reference output on many mixed rows', () => {
      const texts = ['plain', 'with, comma', 'with "quote"', '=1+1', '-x', '@x', '+x', '\tx', 'ünïcödé ✓', '', null, undefined, 0, 12.5];
      const nums = [0, -1, 3.25, 1e21, '7', '', null, 'abc', Number.POSITIVE_INFINITY];
      const flags = [true, false, 1, 0, '1', '0', 'true', 'false', null, ''];
      for (let i = 0; i < 2000; i++) {
        const row = {
          text: texts[i % texts.length],
          n: nums[i % nums.length],
          x: nums[(i * 7) % nums.length],
          flag: flags[i % flags.length],
          day: i % 5 ? '2026-01-0' + (1 + (i % 9)) : null,
          at: i % 3 ? `2026-01-01 00:00:0${i % 10}.000` : '',
        };
        expect(formatRow(def, row), JSON.stringify(row)).to.equal(referenceLine(row));
      }
    });

    it('a cacheBy column gives the per-cell reference output: one cell per key, looked up once', () => {
      // users looked up by id, as the generation log does (names with quotes, commas, formulas)
      const people = new Map<number, string>([
        [1, 'Ana "the" Silva'],
        [2, 'Smith, Bo'],
        [3, '=HYPERLINK("x")'],
      ]);
      let lookups = 0;
      const name = (r: Row) => {
        lookups++;
        return r.user_id == null ? '' : (people.get(r.user_id as number) ?? '');
      };
      const cols = (cached: boolean) =>
        defineExport<Row>({
          ...def,
          columns: [
            { key: 'user_name', type: 'string', description: '', example: '', value: name, ...(cached ? { cacheBy: (r: Row) => r.user_id } : {}) },
            { key: 'n', type: 'integer', description: '', example: '' },
          ],
        });
      const plain = cols(false);
      const cached = cols(true);
      const ids = [1, 2, 3, null, 4, 2, 1, 3, null, 1];
      const expected = ['"Ana ""the"" Silva"', '"Smith, Bo"', `"'=HYPERLINK(""x"")"`, '', '', '"Smith, Bo"', '"Ana ""the"" Silva"', `"'=HYPERLINK(""x"")"`, '', '"Ana ""the"" Silva"'];
      ids.forEach((id, i) => {
        const row = { user_id: id, n: i };
        expect(formatRow(plain, row)).to.equal(`${expected[i]},${i}`);
        expect(formatRow(cached, row)).to.equal(`${expected[i]},${i}`);
      });
      // the plain definition looked up every row; the cached one each distinct key once (1, 2, 3, null, 4)
      expect(lookups).to.equal(ids.length + 5);
    });
  });

  describe('streaming from the database', () => {
    let db: Knex;
    let wsId: number;
    const N = 2500;
    const expected: string[] = [];

    before(async () => {
      db = await freshDb();
      const ws = await createWorkspace(db, { slug: 'csvbench' });
      wsId = ws.id;
      await createUser(db, wsId, { email: 'ana@csv.test' });
      const base = Date.parse('2026-03-01T12:00:00Z');
      const events = Array.from({ length: N }, (_, i) => ({
        id: `e${i}`,
        user: 'ana@csv.test',
        occurredAt: new Date(base + i * 1000),
        kind: 'inference' as const,
        surface: 'chat',
        model: i % 2 ? '=cmd' : 'gpt-4o',
        promptTokens: i,
        completionTokens: 2 * i,
      }));
      for (let i = 0; i < N; i += 1000) await recordInteractions(db, wsId, events.slice(i, i + 1000));
      for (const e of events) {
        const at = new Date(e.occurredAt).toISOString().replace('T', ' ').replace('Z', '');
        const model = e.model.startsWith('=') ? `"'${e.model}"` : `"${e.model}"`;
        expected.push(`"${e.id}","${at}",${model},${e.promptTokens},${e.promptTokens + e.completionTokens}`);
      }
    });

    const logDef = defineExport<Row>({
      id: 'log',
      file: 'log.csv',
      path: '/log.csv',
      title: 'Log',
      description: 'test',
      area: 'Usage',
      columns: [
        { key: 'client_event_id', type: 'string', description: '', example: '' },
        { key: 'occurred_at', type: 'datetime', description: '', example: '' },
        { key: 'model', type: 'string', description: '', example: '' },
        { key: 'prompt_tokens', type: 'integer', description: '', example: '' },
        { key: 'total_tokens', type: 'integer', description: '', example: '' },
      ],
    });
    const query = () =>
      db('interactions').select('client_event_id', 'occurred_at', 'model', 'prompt_tokens', 'total_tokens').where('workspace_id', wsId).orderBy('occurred_at').orderBy('id');

    it('streams every row, in order, as the CSV computed from the fixture', async () => {
      const srv = await serve(async (req, res) => {
        const n = await streamCsv(req, res, logDef, 'log.csv', streamRows(db, query()));
        expect(n).to.equal(N);
      });
      try {
        const res = await fetch(srv.url);
        expect(res.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
        const lines = (await res.text()).split('\r\n');
        expect(lines[0]).to.equal('"client_event_id","occurred_at","model","prompt_tokens","total_tokens"');
        expect(lines.slice(1, -1)).to.deep.equal(expected);
        expect(lines[lines.length - 1]).to.equal('');
      } finally {
        await srv.close();
      }
    });

    it('cells formatted by the database (databaseFormatted) are the bytes the app formats', async () => {
      // dates, timestamps and integers with NULLs and edge values, in both engines' own column types
      await db.schema.dropTableIfExists('csv_cells_probe');
      await db.schema.createTable('csv_cells_probe', (t) => {
        t.increments('id');
        t.string('label', 40);
        t.datetime('at', { precision: 3 }).nullable();
        t.date('d').nullable();
        t.integer('n').nullable();
        t.integer('m').nullable();
      });
      try {
        const ats = [null, '2026-01-02 03:04:05.000', '2026-01-02 03:04:05.999', '1999-12-31 23:59:59.001', '2026-03-29 01:30:00.120'];
        const days = [null, '2026-01-02', '2000-02-29', '1970-01-01'];
        const ints = [null, 0, -5, 2147483647, 42];
        const rows = Array.from({ length: 60 }, (_, i) => ({
          label: i % 4 === 0 ? `=x"${i}` : `r${i}`,
          at: ats[i % ats.length],
          d: days[i % days.length],
          n: ints[i % ints.length],
          m: ints[(i * 3) % ints.length],
        }));
        await db('csv_cells_probe').insert(rows);
        const probe = defineExport<Row>({
          ...def,
          columns: [
            { key: 'at', type: 'datetime', stored: 'at', description: '', example: '', value: (r) => utcCell(r.at) },
            { key: 'd', type: 'date', stored: 'd', description: '', example: '', value: (r) => (r.d == null ? '' : String(r.d).slice(0, 10)) },
            { key: 'label', type: 'string', description: '', example: '' },
            { key: 'n', type: 'integer', stored: 'n', description: '', example: '' },
            { key: 'm', type: 'integer', stored: 'm', description: '', example: '' },
          ],
        });
        const fast = databaseFormatted(db, probe);
        expect(fast.select).to.have.length(2); // (at, d) and (n, m): the text column between them is the app's
        const collect = async (d: ExportDefinition<Row>, q: Knex.QueryBuilder) => {
          const out: string[] = [];
          for await (const row of streamRows(db, q)) out.push(formatRow(d, row as Row));
          return out;
        };
        const byApp = await collect(probe, db('csv_cells_probe').select('label', 'at', 'd', 'n', 'm').orderBy('id'));
        const byDb = await collect(fast.def, db('csv_cells_probe').select('label', ...fast.select).orderBy('id'));
        // the reference computed from the fixture itself, not from either path
        const cell = (v: string | number | null, quote: boolean) => (v == null ? '' : quote ? `"${v}"` : String(v));
        const expected = rows.map((r) =>
          [cell(r.at == null ? null : `${r.at.replace(' ', 'T')}Z`, true), cell(r.d, true), `"${r.label.startsWith('=') ? "'" : ''}${r.label.replace(/"/g, '""')}"`, cell(r.n, false), cell(r.m, false)].join(','),
        );
        expect(byApp).to.deep.equal(expected);
        expect(byDb).to.deep.equal(expected);
        // a text or decimal column, or a stored name that is not an identifier, is refused
        expect(() => databaseFormatted(db, { ...probe, columns: [{ key: 'label', type: 'string', stored: 'label', description: '', example: '' }] })).to.throw(/cannot be formatted by the database/);
        expect(() => databaseFormatted(db, { ...probe, columns: [{ key: 'n', type: 'integer', stored: 'n; DROP', description: '', example: '' }] })).to.throw(/not a plain identifier/);
      } finally {
        await db.schema.dropTableIfExists('csv_cells_probe');
      }
    });

    it('streamRows can be destroyed half-way and the pool keeps working', async () => {
      // The SQLite pass sets TEST_DATABASE_URL to a bare 'sqlite:' (each file gets its own copy): reuse this file's.
      const small = createDb(isMySqlRun() ? process.env.TEST_DATABASE_URL! : `sqlite:${db.client.config.connection.filename}`, { poolMax: 1 });
      try {
        for (let round = 0; round < 3; round++) {
          const rows = streamRows(small, small('interactions').select('id').where('workspace_id', wsId).orderBy('id'));
          let seen = 0;
          await new Promise<void>((resolve, reject) => {
            rows.on('data', () => {
              if (++seen === 10) rows.destroy();
            });
            rows.on('close', () => resolve());
            rows.on('error', reject);
          });
          expect(seen).to.be.at.least(10).and.below(N);
          // the only connection of the pool must be usable again (released or replaced)
          const r = await small('interactions').count({ n: '*' }).where('workspace_id', wsId).first();
          expect(Number(r!.n)).to.equal(N);
        }
      } finally {
        await small.destroy();
      }
    });

    it('stops reading and frees the source when the client closes a download', async function () {
      this.timeout(30_000);
      let destroyed = false;
      let produced = 0;
      // an endless source: only back-pressure and the abort can stop it
      const endless = new Readable({
        objectMode: true,
        highWaterMark: 100,
        read() {
          produced++;
          this.push({ text: 'x'.repeat(200), n: produced });
        },
        destroy(err, cb) {
          destroyed = true;
          cb(err);
        },
      });
      let handlerDone: Promise<unknown> = Promise.resolve();
      const srv = await serve((req, res) => {
        handlerDone = streamCsv(req, res, def, 'x.csv', endless).catch((e) => e);
      });
      try {
        const body = await new Promise<number>((resolve, reject) => {
          const req = http.get(srv.url, (res) => {
            let bytes = 0;
            res.on('data', (c: Buffer) => {
              bytes += c.length;
              if (bytes > 2_000_000) {
                req.destroy();
                resolve(bytes);
              }
            });
          });
          req.on('error', () => undefined);
          setTimeout(() => reject(new Error('no data')), 20_000);
        });
        expect(body).to.be.greaterThan(2_000_000);
        const outcome = await handlerDone;
        expect(destroyed, 'source destroyed').to.equal(true);
        expect(outcome).to.not.be.instanceOf(Error); // a client abort is not a server error
        const after = produced;
        await new Promise((r) => setTimeout(r, 200));
        expect(produced - after).to.be.below(200); // nothing keeps pulling rows
      } finally {
        await srv.close();
      }
    });

    it('holds memory flat with a slow reader (back-pressure)', async function () {
      this.timeout(30_000);
      let produced = 0;
      const total = 60_000;
      const text = 'y'.repeat(1000);
      const source = new Readable({
        objectMode: true,
        highWaterMark: 500,
        read() {
          produced++;
          this.push(produced > total ? null : { text, n: produced });
        },
      });
      let maxAhead = 0;
      const srv = await serve(async (req, res) => {
        await streamCsv(req, res, def, 'x.csv', source);
      });
      try {
        const lines = await new Promise<number>((resolve, reject) => {
          http.get(srv.url, (res) => {
            let n = 0;
            res.pause();
            const tick = setInterval(() => {
              // read ~256 KB per tick, then look how far the producer ran ahead
              let chunk: Buffer | null;
              let got = 0;
              while (got < 256 * 1024 && (chunk = res.read()) !== null) {
                got += chunk.length;
                for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
              }
              maxAhead = Math.max(maxAhead, produced - n);
            }, 2);
            res.on('end', () => {
              clearInterval(tick);
              resolve(n);
            });
            res.on('error', reject);
          });
        });
        expect(lines).to.equal(total + 1);
        // the producer is never more than socket buffers (a few MB on loopback) + one batch
        // ahead of the reader: nowhere near the whole export (60k rows of 1 KB)
        expect(maxAhead).to.be.below(15_000);
      } finally {
        await srv.close();
      }
    });
  });
});
