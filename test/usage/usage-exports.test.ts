// Usage exports: each parsed back with csv-parse and checked against the fixture; all audited.
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { PASSWORD } from '../helpers/fixtures';
import { closeAll } from '../helpers/db';
import { setUsageClock } from '../../src/reports/clock';
import { USAGE_EXPORTS } from '../../src/usage/export-defs';
import { buildUsageWorld, NOW, FILLERS, type UsageWorld } from './fixture';

function binaryParser(res: any, cb: (err: Error | null, body: string) => void) {
  let data = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (data += c));
  res.on('end', () => cb(null, data));
}

describe('usage exports', () => {
  let t: TestApp;
  let w: UsageWorld;
  let admin: Agent;

  before(async () => {
    t = await createTestApp();
    w = await buildUsageWorld(t.db);
    setUsageClock(() => NOW);
    admin = await loginAs(t.app, 'admin@acme.test', PASSWORD);
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  async function download(path: string): Promise<{ rows: Record<string, string>[]; header: string[]; res: any }> {
    const res = await admin.get(path).buffer(true).parse(binaryParser).expect(200);
    expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).to.match(/^attachment; filename="acme-[a-z0-9-]+-[0-9_-]+\.csv"$/);
    const body = res.body as string;
    const header = parse(body, { to: 1 })[0] as string[];
    const rows = parse(body, { columns: true }) as Record<string, string>[];
    return { rows, header, res };
  }

  it('every export has a definition with typed, described, exemplified columns', () => {
    expect(USAGE_EXPORTS.map((e) => e.file)).to.deep.equal(['generation-log.csv', 'user-activity-log.csv', 'user-log.csv', 'agents-log.csv', 'group-members-log.csv']);
    for (const e of USAGE_EXPORTS) for (const c of e.columns) expect(c.description.length, `${e.id}.${c.key}`).to.be.greaterThan(5);
  });

  it('generation-log: generations of the range, in time order, with user, agent and IQ details', async () => {
    const { rows, header } = await download('/admin/exports/generation-log.csv?from=2026-10-26&to=2026-11-24');
    expect(header).to.deep.equal(USAGE_EXPORTS[0].columns.map((c) => c.key));
    // e1, e2, e3 (all local 10-31/11-01), e4 (11-02), e9 (11-24). e8 is today; e11 is an embedding.
    expect(rows.map((r) => r.occurred_at_utc)).to.deep.equal([
      '2026-11-01T04:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
      '2026-11-25T05:30:00.000Z',
    ]);
    expect(rows.map((r) => r.local_date)).to.deep.equal(['2026-10-31', '2026-11-01', '2026-11-01', '2026-11-02', '2026-11-24']);
    expect(rows[1]).to.include({ user_email: 'ann@acme.test', user_name: 'Ann Able', surface: 'agent', agent_id: 'cus1', agent_name: 'Custom SEO', agent_kind: 'custom', agent_type: 'seo', prompt_tokens: '20', completion_tokens: '7', total_tokens: '27' });
    expect(rows[2]).to.include({ user_email: 'bob@acme.test', surface: 'other', iq_layers: 'knowledge', agent_id: '', agent_kind: '' });
    expect(rows[3]).to.include({ output_type: 'image', surface: 'other' });
    expect(rows[4]).to.include({ agent_kind: 'public', iq_layers: 'brand_voice,knowledge', model: 'gpt-test', total_tokens: '150' });
  });

  it('generation-log without a range covers the rolling 12 months through yesterday, and its file name says so', async () => {
    const { rows, res } = await download('/admin/exports/generation-log.csv');
    // NOW is 2026-11-25 (Chicago): yesterday is 2026-11-24, the window's first day 12 months before
    expect(res.headers['content-disposition']).to.match(/filename="acme-generation-log-12-months-2025-11-2[56]_2026-11-24\.csv"$/);
    // every inference event but e8 (today): e5, e6, e7, e12, e10, e1, e2, e3, e4, e9
    expect(rows.map((r) => r.occurred_at_utc.slice(0, 10))).to.deep.equal([
      '2026-01-01', '2026-01-04', '2026-01-05', '2026-10-20', '2026-10-25', '2026-11-01', '2026-11-01', '2026-11-02', '2026-11-02', '2026-11-25',
    ]);
  });

  it('user-activity-log: one row per user per login day, through yesterday; only the selected range on request', async () => {
    const { rows, res } = await download('/admin/exports/user-activity-log.csv');
    expect(res.headers['content-disposition']).to.match(/filename="acme-user-activity-log-12-months-2025-11-2[56]_2026-11-24\.csv"$/);
    const ranged = await download('/admin/exports/user-activity-log.csv?from=2026-11-04&to=2026-11-24');
    expect(ranged.res.headers['content-disposition']).to.equal('attachment; filename="acme-user-activity-log-selected-range-2026-11-04_2026-11-24.csv"');
    expect(ranged.rows.map((r) => `${r.date} ${r.user_email}`)).to.deep.equal(['2026-11-04 bob@acme.test', '2026-11-05 ann@acme.test']);
    const ann = rows.find((r) => r.user_email === 'ann@acme.test' && r.date === '2026-11-03')!;
    expect(ann).to.include({ logins: '2', first_login_utc: '2026-11-03T15:00:00.000Z', last_login_utc: '2026-11-03T20:00:00.000Z' });
    expect(rows.map((r) => `${r.date} ${r.user_email}`)).to.deep.equal([
      '2026-11-01 bob@acme.test', // 05:30Z on 11-02 is Sunday evening in Chicago
      '2026-11-03 ann@acme.test',
      '2026-11-04 bob@acme.test',
      '2026-11-05 ann@acme.test',
    ]);
  });

  it('user-log: the whole roster with status dates and first/last activity; formula-safe names', async () => {
    const { rows } = await download('/admin/exports/user-log.csv');
    expect(rows).to.have.length(6 + FILLERS);
    const ann = rows.find((r) => r.user_email === 'ann@acme.test')!;
    // first: e5 2026-01-01T03:00Z; last: the 11-10 embedding (e11) is later than any login or generation of ann
    expect(ann).to.include({ status: 'active', role: 'member', department: 'Marketing', first_activity_utc: '2026-01-01T03:00:00.000Z', last_activity_utc: '2026-11-10T15:00:00.000Z' });
    expect(rows.find((r) => r.user_email === 'dan@acme.test')).to.include({ status: 'revoked', revoked_at_utc: '2026-10-01T12:00:00.000Z' });
    const eve = rows.find((r) => r.user_email === 'eve@acme.test')!;
    expect(eve).to.include({ status: 'invited', joined_at_utc: '', invited_at_utc: '2026-11-20T12:00:00.000Z', first_activity_utc: '' });
    expect(eve.user_name).to.equal(`'=HYPERLINK("x")`);
  });

  it('agents-log: every custom agent, used or not; no public agents', async () => {
    const { rows } = await download('/admin/exports/agents-log.csv');
    expect(rows.map((r) => r.agent_id)).to.deep.equal(['cus3', 'cus1', 'cus2']); // by name: Archived, Custom, Unused
    expect(rows.find((r) => r.agent_id === 'cus1')).to.include({ visibility: 'shared', creator_email: 'ann@acme.test', runs_12_months: '1', last_used_date: '2026-11-01' });
    expect(rows.find((r) => r.agent_id === 'cus2')).to.include({ creator_email: 'bob@acme.test', runs_12_months: '0', last_used_date: '', visibility: 'private' });
    expect(rows.find((r) => r.agent_id === 'cus3')).to.include({ status: 'archived', creator_email: '' });
  });

  it('group-members-log: active groups and active members only, with IQ resources', async () => {
    const { rows } = await download('/admin/exports/group-members-log.csv');
    expect(rows.map((r) => `${r.group_id} ${r.user_email}`)).to.deep.equal(['g1 ann@acme.test', 'g1 bob@acme.test', 'g2 cat@acme.test']);
    expect(rows[0]).to.include({ knowledge_applied: 'true', brand_voice_applied: 'true', iq_resources: 'Knowledge; Brand Voice' });
    expect(rows[2]).to.include({ knowledge_applied: 'false', iq_resources: '' });
  });

  it('the Usage page links the five exports (the two logs: 12 months first, the selected range second) and the data dictionary as a page, a PDF and a file', async () => {
    const html = (await admin.get('/admin/usage?from=2026-10-26&to=2026-11-24').expect(200)).text;
    for (const id of ['generation-log', 'user-activity-log']) {
      const whole = html.indexOf(`href="/admin/exports/${id}.csv" download data-export="${id}"`);
      const only = html.indexOf(`href="/admin/exports/${id}.csv?from=2026-10-26&amp;to=2026-11-24" download data-export="${id}-range"`);
      expect(whole, id).to.be.greaterThan(0);
      expect(only, id).to.be.greaterThan(whole);
    }
    expect(html).to.include('Only the selected range');
    expect(html).to.include('href="/admin/data-dictionary.pdf"');
    for (const id of ['user-log', 'agents-log', 'group-members-log']) expect(html).to.include(`href="/admin/exports/${id}.csv" download data-export="${id}"`);
    expect(html).to.include('href="/admin/data-dictionary"');
    expect(html).to.include('href="/admin/data-dictionary.csv" class="btn btn-small" download');
  });

  it('audits every download with the export and its range', async () => {
    const audits = await t.db('audit_log').where({ workspace_id: w.ws, action: 'export.download' }).orderBy('id');
    expect(audits.map((a: any) => a.target_id)).to.deep.equal(['generation-log', 'generation-log', 'user-activity-log', 'user-activity-log', 'user-log', 'agents-log', 'group-members-log']);
    expect(JSON.parse(audits[0].after_json)).to.deep.equal({
      export: 'generation-log',
      file: 'acme-generation-log-selected-range-2026-10-26_2026-11-24.csv',
      path: '/admin/exports/generation-log.csv',
      from: '2026-10-26',
      to: '2026-11-24',
    });
    // snapshot exports are named with today's date (Chicago) and carry no range
    expect(JSON.parse(audits[4].after_json)).to.deep.equal({ export: 'user-log', file: 'acme-user-log-2026-11-25.csv', path: '/admin/exports/user-log.csv' });
    expect(audits[0].actor_label).to.equal('admin@acme.test');
  });
});
