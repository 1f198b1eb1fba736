// The three account-metrics CSV exports: every cell parsed back with csv-parse and compared with
// values worked out from the fixture; RFC 4180 quoting, non-ASCII text, formula injection, audit.
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { createTestApp, type Agent, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { setUsageClock } from '../../src/reports/clock';
import { buildFixture, EVENTS, expectedMonth, FIRST_MONTH, LOGINS, monthsFrom, NOW, signIn, PREV_MONTH, THIS_MONTH, TODAY, tokensOf, USERS } from './fixture';

function csvOf(res: request.Response): string[][] {
  return parse(res.text, { relax_column_count: false, bom: false });
}

/** The fixture's 'YYYY-MM-DD HH:MM:SS' UTC as the export writes it (ISO 8601, milliseconds, Z). */
const iso = (s: string | null) => (s ? `${s.replace(' ', 'T')}.000Z` : '');

/** The cell a spreadsheet-safe export writes for a text value. */
const safe = (s: string | null) => (s == null ? '' : /^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

function lastActive(key: string): string {
  const times = [...EVENTS.filter((e) => e.user === key).map((e) => e.at), ...LOGINS.filter((l) => l.user === key).map((l) => l.at)].sort();
  const last = times.pop();
  return last ? last.replace('Z', '.000Z') : '';
}

async function download(agent: Agent | request.Agent, path: string) {
  return agent.get(path).buffer(true);
}

describe('Token Statistics exports', () => {
  let t: TestApp;
  let admin: Agent;
  let ids: Record<string, number>;
  let betaId: number;

  before(async () => {
    setUsageClock(() => NOW);
    t = await createTestApp();
    const f = await buildFixture(t.db);
    ids = f.ids;
    betaId = f.beta.id;
    admin = await signIn(t.app, 'admin@alpha.test');
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  describe('token-usage.csv', () => {
    let res: request.Response;
    before(async () => {
      res = await download(admin, '/admin/exports/token-usage.csv');
    });

    it('is a CSV attachment named after the workspace and the date', () => {
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).to.equal(`attachment; filename="alpha-token-usage-${TODAY}.csv"`);
    });

    it('holds the full monthly history, oldest first, zeros included, every cell as computed by hand', () => {
      const rows = csvOf(res);
      expect(rows[0]).to.deep.equal(['period', 'inference_tokens', 'embedding_tokens', 'total_tokens']);
      const months = monthsFrom(FIRST_MONTH, THIS_MONTH);
      expect(rows.slice(1).map((r) => r[0])).to.deep.equal(months);
      for (const row of rows.slice(1)) {
        const e = expectedMonth(row[0]);
        expect(row, row[0]).to.deep.equal([row[0], String(e.inference), String(e.embedding), String(e.total)]);
      }
      // spot checks at the boundaries, by hand
      const byMonth = new Map(rows.slice(1).map((r) => [r[0], r.slice(1)]));
      expect(byMonth.get('2025-11')).to.deep.equal(['0', '0', '0']);
      expect(byMonth.get('2026-01')).to.deep.equal(['1234', '0', '1234']);
      expect(byMonth.get('2026-03')).to.deep.equal(['315', '700', '1015']);
      expect(byMonth.get('2026-11')).to.deep.equal(['4100', '2500', '6600']);
      expect(byMonth.get('2026-12')).to.deep.equal(['125', '0', '125']);
      const sum = rows.slice(1).reduce((s, r) => s + Number(r[3]), 0);
      expect(sum).to.equal(EVENTS.reduce((s, e) => s + tokensOf(e), 0));
    });

    it('is written to the audit log', async () => {
      const rows = await t.db('audit_log').where({ action: 'export.download', target_id: 'token-usage' });
      expect(rows).to.have.length.at.least(1);
      expect(rows[0].actor_label).to.equal('admin@alpha.test');
      expect(rows[0].actor_user_id).to.equal(ids.admin);
      expect(JSON.parse(rows[0].after_json).file).to.equal(`alpha-token-usage-${TODAY}.csv`);
    });
  });

  describe('users.csv', () => {
    let rows: string[][];
    before(async () => {
      const res = await download(admin, '/admin/exports/users.csv');
      expect(res.status).to.equal(200);
      expect(res.headers['content-disposition']).to.equal(`attachment; filename="alpha-users-${TODAY}.csv"`);
      rows = csvOf(res);
    });

    it('lists every user of the workspace (and no one else) with every cell right', () => {
      expect(rows[0]).to.deep.equal(['id', 'name', 'email', 'role', 'department', 'status', 'invited_at', 'joined_at', 'revoked_at', 'last_active_at']);
      expect(rows).to.have.length(USERS.length + 1);
      const sorted = [...USERS].sort((a, b) => ids[a.key] - ids[b.key]);
      sorted.forEach((u, i) => {
        expect(rows[i + 1], u.key).to.deep.equal([
          String(ids[u.key]),
          safe(u.name),
          u.email,
          u.role,
          safe(u.department),
          u.status,
          iso(u.invitedAt),
          iso(u.joinedAt),
          iso(u.revokedAt),
          lastActive(u.key),
        ]);
      });
      expect(rows.flat().join(' ')).not.to.contain('beta');
    });

    it('round-trips quotes, commas, newlines and non-ASCII text', () => {
      const names = rows.slice(1).map((r) => r[1]);
      expect(names).to.include('O"Brien, Jr.\nSecond line');
      expect(names).to.include('Zoë Ünicode 山田');
      expect(rows.slice(1).map((r) => r[4])).to.include('R&D, "Labs"');
    });

    it("prefixes formula-like text with ' so spreadsheets do not run it", () => {
      const names = rows.slice(1).map((r) => r[1]);
      for (const n of ["'=SUM(A1:A2)", "'+1", "'-1", "'@x"]) expect(names).to.include(n);
      const departments = rows.slice(1).map((r) => r[4]);
      expect(departments).to.include("'@x");
      expect(departments).to.include("'-1");
      expect(departments).to.include('Tab\tInside'); // a tab inside the text is harmless
    });

    it('quotes fields per RFC 4180 in the raw bytes', async () => {
      const res = await download(admin, '/admin/exports/users.csv');
      expect(res.text).to.contain('"O""Brien, Jr.\nSecond line"');
      expect(res.text.split('\r\n')[0]).to.equal('"id","name","email","role","department","status","invited_at","joined_at","revoked_at","last_active_at"');
    });
  });

  describe('users-with-tokens.csv', () => {
    let rows: string[][];
    before(async () => {
      const res = await download(admin, '/admin/exports/users-with-tokens.csv');
      expect(res.status).to.equal(200);
      expect(res.headers['content-disposition']).to.equal(`attachment; filename="alpha-users-with-tokens-${TODAY}.csv"`);
      rows = csvOf(res);
    });

    it('adds allocations, lifetime usage (inference, embedding, both) and this/previous month inference tokens per user', () => {
      expect(rows[0].slice(10)).to.deep.equal([
        'max_inference_tokens',
        'max_embedding_tokens',
        'total_inference_tokens',
        'total_embedding_tokens',
        'total_usage_tokens',
        'monthly_inference_tokens',
        'previous_month_inference_tokens',
      ]);
      expect(rows).to.have.length(USERS.length + 1);
      const byId = new Map(rows.slice(1).map((r) => [r[0], r]));
      for (const u of USERS) {
        const mine = EVENTS.filter((e) => e.user === u.key);
        const total = mine.reduce((s, e) => s + tokensOf(e), 0);
        const inference = mine.filter((e) => e.kind === 'inference').reduce((s, e) => s + tokensOf(e), 0);
        const embedding = mine.filter((e) => e.kind === 'embedding').reduce((s, e) => s + tokensOf(e), 0);
        expect(inference + embedding, u.key).to.equal(total);
        const monthly = mine.filter((e) => e.kind === 'inference' && e.month === THIS_MONTH).reduce((s, e) => s + tokensOf(e), 0);
        const prev = mine.filter((e) => e.kind === 'inference' && e.month === PREV_MONTH).reduce((s, e) => s + tokensOf(e), 0);
        const row = byId.get(String(ids[u.key]))!;
        expect(row.slice(0, 10), u.key).to.deep.equal([String(ids[u.key]), safe(u.name), u.email, u.role, safe(u.department), u.status, iso(u.invitedAt), iso(u.joinedAt), iso(u.revokedAt), lastActive(u.key)]);
        expect(row.slice(10), u.key).to.deep.equal([String(u.maxInference), String(u.maxEmbedding), String(inference), String(embedding), String(total), String(monthly), String(prev)]);
      }
    });

    it('counts month-boundary interactions in the right month (by hand)', () => {
      const byId = new Map(rows.slice(1).map((r) => [r[0], r]));
      // formula: e12 (Nov 30 23:30 CST, 4,000) is previous month, nothing this month; lifetime 15+700+500+4000
      expect(byId.get(String(ids.formula))!.slice(14)).to.deep.equal(['5215', '0', '4000']);
      // zoe: e13 (Dec 1 00:30 CST, 100) this month; e9 (Oct 31 23:30 CDT) is October, so previous month 0
      expect(byId.get(String(ids.zoe))!.slice(14)).to.deep.equal(['2526', '100', '0']);
      // quote: Nov 1 DST 01:30 CDT inference 100 previous month; the embedding does not count as inference
      expect(byId.get(String(ids.quote))!.slice(14)).to.deep.equal(['7900', '0', '100']);
      // the split by hand: formula's 700 (e6) is embedding, the rest inference; quote's 5,000 + 2,500 are embedding
      expect(byId.get(String(ids.formula))!.slice(12, 15)).to.deep.equal(['4515', '700', '5215']);
      expect(byId.get(String(ids.quote))!.slice(12, 15)).to.deep.equal(['400', '7500', '7900']);
      // the invited user has no usage: zeros, not blanks
      expect(byId.get(String(ids.plus))!.slice(10)).to.deep.equal(['0', '0', '0', '0', '0', '0', '0']);
    });

    it('audits every download', async () => {
      const n = await t.db('audit_log').where({ action: 'export.download' }).whereIn('target_id', ['users', 'users-with-tokens']).count({ n: '*' }).first();
      expect(Number(n!.n)).to.equal(3); // users twice, users-with-tokens once
    });
  });

  describe('access', () => {
    it('is for admins only and scoped to their own workspace', async () => {
      const member = await signIn(t.app, 'zoe@alpha.test');
      for (const p of ['/admin/exports/token-usage.csv', '/admin/exports/users.csv', '/admin/exports/users-with-tokens.csv']) {
        expect((await member.get(p)).status, p).to.equal(403);
        const anon = await request(t.app).get(p);
        expect(anon.status, p).to.equal(303);
      }
      const beta = await signIn(t.app, 'admin@beta.test');
      const rows = csvOf(await download(beta, '/admin/exports/users-with-tokens.csv'));
      expect(rows.slice(1).map((r) => r[2]).sort()).to.deep.equal(['admin@beta.test', 'other@beta.test']);
      const other = rows.find((r) => r[2] === 'other@beta.test')!;
      // 99,999 inference in June + 77,777 embedding in December
      expect(other.slice(12)).to.deep.equal(['99999', '77777', '177776', '0', '0']);
      const betaUsage = csvOf(await download(beta, '/admin/exports/token-usage.csv'));
      expect(betaUsage.slice(1).reduce((s, r) => s + Number(r[3]), 0)).to.equal(177776);
      // beta's downloads are audited in beta's log
      const betaAudit = await t.db('audit_log').where({ actor_label: 'admin@beta.test', action: 'export.download' });
      expect(betaAudit.map((r: { workspace_id: number }) => r.workspace_id)).to.deep.equal([betaId, betaId]);
    });
  });
});
