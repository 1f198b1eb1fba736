// GET /admin/tokens: every monthly figure, the 12-month chart and its table, shares, models and the
// interactive/ingestion split, checked against totals worked out from the fixture by hand.
import { expect } from 'chai';
import { createTestApp, type Agent, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { setUsageClock } from '../../src/reports/clock';
import { recordInteractions } from '../../src/ingest/write-path';
import { buildFixture, EVENTS, expectedMonth, FIRST_MONTH, monthsFrom, NOW, signIn, THIS_MONTH, tokensOf } from './fixture';

/** data-value cells of the rows of one table (by data-table), keyed by a row attribute. */
function tableRows(html: string, table: string, rowAttr: string): Map<string, Record<string, number>> {
  const m = new RegExp(`<table[^>]*data-table="${table}"[\\s\\S]*?</table>`).exec(html);
  if (!m) throw new Error(`no table ${table}`);
  const out = new Map<string, Record<string, number>>();
  const rowRe = new RegExp(`<tr[^>]*${rowAttr}="([^"]+)"[^>]*>([\\s\\S]*?)</tr>`, 'g');
  for (const r of m[0].matchAll(rowRe)) {
    const cells: Record<string, number> = {};
    for (const c of r[2].matchAll(/data-col="([a-z]+)" data-value="(-?\d*)"/g)) cells[c[1]] = c[2] === '' ? NaN : Number(c[2]);
    out.set(r[1], cells);
  }
  return out;
}

function chartConfig(html: string, id: string) {
  const m = new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(html);
  if (!m) throw new Error(`no chart ${id}`);
  return JSON.parse(m[1]);
}

describe('Token Statistics page', () => {
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

  describe('Monthly Data tab', () => {
    let html: string;
    before(async () => {
      html = (await admin.get('/admin/tokens?tab=monthly').expect(200)).text;
    });

    it('lists every month from the first with usage, newest first, with zeros for empty months (leading empty months hidden)', () => {
      const rows = tableRows(html, 'monthly-data', 'data-month');
      const all = monthsFrom(FIRST_MONTH, THIS_MONTH);
      const firstUsed = all.find((m) => expectedMonth(m).total > 0)!;
      expect(firstUsed > FIRST_MONTH, 'the fixture has empty months before its first usage').to.equal(true);
      const expectedMonths = monthsFrom(firstUsed, THIS_MONTH).reverse();
      expect([...rows.keys()]).to.deep.equal(expectedMonths);
      expect(rows.has(FIRST_MONTH)).to.equal(false);
      for (const month of expectedMonths) {
        const e = expectedMonth(month);
        const r = rows.get(month)!;
        expect({ inference: r.inference, embedding: r.embedding, total: r.total }, month).to.deep.equal(e);
      }
    });

    it('puts the interactions near local midnight at a month end in the right month', () => {
      const rows = tableRows(html, 'monthly-data', 'data-month');
      // 2026-01-31 23:30 CST (e2: 1,234) is January, 00:30 on Feb 1 (e3: 5,000 embedding) is February
      expect(rows.get('2026-01')).to.include({ inference: 1234, embedding: 0 });
      expect(rows.get('2026-02')).to.include({ inference: 0, embedding: 5000 });
      // 23:30 CDT on Mar 31 (e6: 700 embedding) is March; 00:30 CDT Apr 1 (e7: 42) is April
      expect(rows.get('2026-03')).to.include({ inference: 315, embedding: 700 });
      expect(rows.get('2026-04')).to.include({ inference: 42, embedding: 0 });
      // DST end day: Oct 31 23:30 CDT (e9) is October; both 01:30s of Nov 1 and Nov 30 23:30 CST are November
      expect(rows.get('2026-10')).to.include({ inference: 1000, embedding: 0 });
      expect(rows.get('2026-11')).to.include({ inference: 100 + 4000, embedding: 2500 });
      expect(rows.get('2026-12')).to.include({ inference: 100 + 25, embedding: 0 });
    });

    it('shows the month-over-month change of total tokens, never for the month in progress', () => {
      const rows = tableRows(html, 'monthly-data', 'data-month');
      const months = monthsFrom(FIRST_MONTH, THIS_MONTH).filter((m) => rows.has(m));
      for (let i = 0; i < months.length; i++) {
        const change = rows.get(months[i])!.change;
        if (i === 0 || months[i] === THIS_MONTH) expect(change, months[i]).to.be.NaN;
        else expect(change, months[i]).to.equal(expectedMonth(months[i]).total - expectedMonth(months[i - 1]).total);
      }
      const kind = (m: string) => new RegExp(`<tr data-month="${m}"[\\s\\S]*?data-kind="([a-z-]+)"`).exec(html)![1];
      expect(kind(THIS_MONTH)).to.equal('to-date');
      expect(html).to.match(/data-kind="to-date">\s*<span class="muted">Month to date<\/span>/);
      // each other month's wording follows the rule: after 0 "new", under a tenth of the month "no comparable data"
      for (let i = 1; i < months.length - 1; i++) {
        const cur = expectedMonth(months[i]).total;
        const prev = expectedMonth(months[i - 1]).total;
        const want = cur === prev ? 'none' : prev === 0 ? 'new' : cur > 0 && prev < cur / 10 ? 'incomparable' : 'pct';
        expect(kind(months[i]), months[i]).to.equal(want);
      }
      expect(html).to.not.match(/[0-9,]{4,}\.\d%/); // no four-digit percentages
      // Nov 2026 = 6,600 vs Oct 2026 = 1,000: +5,600 (+560.0%)
      expect(html).to.match(/\+5,600 \(\+560\.0%\)/);
    });

    it('has a totals row equal to the sum of every fixture event of the workspace', () => {
      const totals = tableRows(html, 'monthly-data', 'data-row').get('totals')!;
      const inference = EVENTS.filter((e) => e.kind === 'inference').reduce((s, e) => s + tokensOf(e), 0);
      const embedding = EVENTS.filter((e) => e.kind === 'embedding').reduce((s, e) => s + tokensOf(e), 0);
      expect(inference).to.equal(7466); // by hand: 150+1234+300+15+42+500+1000+100+4000+100+25 (no beta usage)
      expect(embedding).to.equal(8533); // 5000+700+2500+333
      expect(totals).to.deep.equal({ inference, embedding, total: inference + embedding });
    });

    it('summarises by year', () => {
      const years = tableRows(html, 'years', 'data-year');
      expect([...years.keys()]).to.deep.equal(['2026', '2025']);
      expect(years.get('2025')).to.deep.equal({ inference: 150, embedding: 0, total: 150 });
      expect(years.get('2026')).to.deep.equal({ inference: 7316, embedding: 8533, total: 15849 });
    });
  });

  describe('Token Usage tab', () => {
    it('charts the rolling 12 months (this month and the 11 before) with a matching table', async () => {
      const html = (await admin.get('/admin/tokens?tab=usage').expect(200)).text;
      const months = monthsFrom('2026-01', '2026-12');
      const cfg = chartConfig(html, 'chart-tokens-monthly');
      expect(cfg.type).to.equal('bar');
      expect(cfg.options.scales.y.stacked).to.equal(true);
      expect(cfg.data.labels).to.have.length(12);
      expect(cfg.data.labels[0]).to.equal('Jan 2026');
      expect(cfg.data.datasets[0].label).to.equal('Inference');
      expect(cfg.data.datasets[0].data).to.deep.equal(months.map((m) => expectedMonth(m).inference));
      expect(cfg.data.datasets[1].data).to.deep.equal(months.map((m) => expectedMonth(m).embedding));
      const table = tableRows(html, 'monthly', 'data-month');
      expect([...table.keys()]).to.deep.equal(months);
      for (const m of months) expect(table.get(m)).to.deep.equal(expectedMonth(m));
    });

    it('shows totals and shares over the 12 months (Dec 2025 excluded)', async () => {
      const html = (await admin.get('/admin/tokens?tab=usage&range=12m').expect(200)).text;
      // inference 7466 - 150 (Dec 2025) = 7316; embedding 8533; total 15849
      expect(html).to.contain('data-stat="total" data-value="15849"');
      expect(html).to.contain('data-stat="inference" data-value="7316"');
      expect(html).to.contain('data-stat="embedding" data-value="8533"');
      expect(html).to.match(/data-share="inference">46\.2%</); // 7316 / 15849 = 46.16%
      expect(html).to.match(/data-share="embedding">53\.8%</);
    });

    it('breaks tokens down by model and by interactive use vs document ingestion', async () => {
      const html = (await admin.get('/admin/tokens?tab=usage').expect(200)).text;
      const models = tableRows(html, 'models', 'data-model');
      // gpt-4o: 1234+42+500+1000+4000+100 = 6876; claude-x: 300+15+100+25 = 440; text-embed-3: 5000+700+2500+333 = 8533
      expect([...models.keys()]).to.deep.equal(['text-embed-3', 'gpt-4o', 'claude-x']);
      expect(models.get('gpt-4o')).to.deep.equal({ inference: 6876, embedding: 0, total: 6876 });
      expect(models.get('claude-x')).to.deep.equal({ inference: 440, embedding: 0, total: 440 });
      expect(models.get('text-embed-3')).to.deep.equal({ inference: 0, embedding: 8533, total: 8533 });
      const modelChart = chartConfig(html, 'chart-tokens-models');
      expect(modelChart.data.labels).to.deep.equal(['text-embed-3', 'gpt-4o', 'claude-x']);
      expect(modelChart.data.datasets[0].data).to.deep.equal([0, 6876, 440]);
      // training-flagged: e3 5000 + e8 500 + e11 2500 + e15 333 = 8333; interactive: 15849 - 8333 = 7516
      expect(html).to.match(/data-split="interactive"><th[^>]*>[^<]*<\/th><td class="num" data-value="7516"/);
      expect(html).to.match(/data-split="ingestion"><th[^>]*>[^<]*<\/th><td class="num" data-value="8333"/);
      expect(chartConfig(html, 'chart-tokens-split').data.datasets[0].data).to.deep.equal([7516, 8333]);
    });

    it('covers the whole account life on request', async () => {
      const html = (await admin.get('/admin/tokens?tab=usage&range=all').expect(200)).text;
      const months = monthsFrom(FIRST_MONTH, THIS_MONTH);
      const cfg = chartConfig(html, 'chart-tokens-monthly');
      expect(cfg.data.labels[0]).to.equal('Nov 2025');
      expect(cfg.data.datasets[0].data).to.deep.equal(months.map((m) => expectedMonth(m).inference));
      expect(cfg.data.datasets[1].data).to.deep.equal(months.map((m) => expectedMonth(m).embedding));
      expect(html).to.contain('data-stat="total" data-value="15999"'); // 7466 + 8533
      expect(tableRows(html, 'models', 'data-model').get('gpt-4o')).to.deep.equal({ inference: 7026, embedding: 0, total: 7026 });
    });
  });

  describe('tabs', () => {
    it('renders each tab as a full page without JavaScript, and as a fragment for htmx', async () => {
      for (const tab of ['usage', 'monthly', 'exports']) {
        const full = (await admin.get(`/admin/tokens?tab=${tab}`).expect(200)).text;
        expect(full).to.match(/^<!doctype html>/i);
        expect(full).to.match(new RegExp(`data-tab="${tab}" class="active" aria-current="page"`));
        expect(full).to.contain('/static/js/charts.js');
        const part = (await admin.get(`/admin/tokens?tab=${tab}`).set('HX-Request', 'true').expect(200)).text;
        expect(part).not.to.match(/<html/i);
        expect(part).to.contain('id="tokens-panel"');
        expect(part).to.match(new RegExp(`data-tab="${tab}" class="active"`));
        expect(part).to.contain('hx-push-url="true"');
      }
    });

    it('defaults to Token Usage', async () => {
      const html = (await admin.get('/admin/tokens').expect(200)).text;
      expect(html).to.match(/data-tab="usage" class="active"/);
    });

    it('the Exports tab offers the three downloads, each with a sentence', async () => {
      const html = (await admin.get('/admin/tokens?tab=exports').expect(200)).text;
      for (const p of ['/admin/exports/token-usage.csv', '/admin/exports/users.csv', '/admin/exports/users-with-tokens.csv']) {
        expect(html).to.contain(`href="${p}" download`);
      }
      expect(html).to.contain('The full monthly token history');
    });

    it('rejects an unknown tab or range with a clear 400', async () => {
      const r1 = await admin.get('/admin/tokens?tab=nope');
      expect(r1.status).to.equal(400);
      expect(r1.text).to.contain('tab must be one of usage, monthly or exports');
      const r2 = await admin.get('/admin/tokens?tab=usage&range=5y').set('HX-Request', 'true');
      expect(r2.status).to.equal(400);
      expect(r2.text).to.contain('range must be 12m');
    });

    it('escapes model names in the page and in the chart JSON', async () => {
      const d = await createWorkspace(t.db, { slug: 'delta', created_at: '2026-12-01 12:00:00.000' });
      await createUser(t.db, d.id, { email: 'admin@delta.test', role: 'admin' });
      const evil = '</script><img src=x onerror=alert(1)>';
      await recordInteractions(t.db, d.id, [
        { id: 'x1', user: 'admin@delta.test', occurredAt: new Date('2026-12-05T15:00:00Z'), kind: 'inference', model: evil, promptTokens: 7, completionTokens: 0 },
      ]);
      const delta = await signIn(t.app, 'admin@delta.test');
      const html = (await delta.get('/admin/tokens?tab=usage').expect(200)).text;
      expect(html).not.to.contain('<img src=x');
      expect(chartConfig(html, 'chart-tokens-models').data.labels).to.deep.equal([evil]);
    });

    it('shows an empty state, not an empty chart, for a workspace without usage', async () => {
      const beta = await signIn(t.app, 'admin@beta.test');
      // beta has usage in 2026-06 and 2026-12 only; a fresh workspace has none
      const g = await createWorkspace(t.db, { slug: 'gamma', created_at: '2026-10-05 12:00:00.000' });
      await createUser(t.db, g.id, { email: 'admin@gamma.test', role: 'admin' });
      const gamma = await signIn(t.app, 'admin@gamma.test');
      const html = (await gamma.get('/admin/tokens?tab=usage').expect(200)).text;
      expect(html).to.contain('data-testid="tokens-empty"');
      expect(html).not.to.contain('<canvas');
      const monthly = tableRows((await gamma.get('/admin/tokens?tab=monthly').expect(200)).text, 'monthly-data', 'data-month');
      expect([...monthly.keys()]).to.deep.equal(['2026-12']); // no usage yet: only the current month
      for (const r of monthly.values()) expect(r.total).to.equal(0);
      // and beta's own figures never include alpha's
      const betaMonthly = tableRows((await beta.get('/admin/tokens?tab=monthly').expect(200)).text, 'monthly-data', 'data-row').get('totals');
      expect(betaMonthly).to.deep.equal({ inference: 99999, embedding: 77777, total: 177776 });
    });

    // The tab's rollup reads are memoised per workspace data version: new usage shows at once,
    // another workspace's new usage changes nothing here.
    it('follows new usage of the workspace on the next request (memoised reads are never stale)', async () => {
      const e = await createWorkspace(t.db, { slug: 'epsilon', created_at: '2026-10-05 12:00:00.000' });
      await createUser(t.db, e.id, { email: 'admin@epsilon.test', role: 'admin' });
      const eps = await signIn(t.app, 'admin@epsilon.test');
      const stat = async () => Number(/data-stat="total" data-value="(\d+)"/.exec((await eps.get('/admin/tokens?tab=usage').expect(200)).text)?.[1] ?? 'NaN');
      await recordInteractions(t.db, e.id, [{ id: 'e1', user: 'admin@epsilon.test', occurredAt: new Date('2026-12-05T15:00:00Z'), kind: 'inference', model: 'm', promptTokens: 30, completionTokens: 12 }]);
      expect(await stat()).to.equal(42);
      // another workspace (beta) records usage: epsilon's figures do not move
      await recordInteractions(t.db, (await t.db('workspaces').where({ slug: 'beta' }).first()).id, [
        { id: 'b-late', user: 'admin@beta.test', occurredAt: new Date('2026-12-05T15:00:00Z'), kind: 'inference', model: 'm', promptTokens: 1, completionTokens: 1 },
      ]);
      expect(await stat()).to.equal(42);
      await recordInteractions(t.db, e.id, [{ id: 'e2', user: 'admin@epsilon.test', occurredAt: new Date('2026-12-06T15:00:00Z'), kind: 'embedding', model: 'emb', promptTokens: 100, completionTokens: 0 }]);
      expect(await stat()).to.equal(142);
      const monthly = tableRows((await eps.get('/admin/tokens?tab=monthly').expect(200)).text, 'monthly-data', 'data-month');
      expect(monthly.get('2026-12')).to.deep.include({ inference: 42, embedding: 100, total: 142 });
    });
  });
});
