// Retention: purging a month's raw rows leaves every report figure for it unchanged (Usage page and
// its charts, Token Statistics both tabs, user allocations, credits), even after a rebuild of the
// rollups; prompt text goes while the rows stay ("removed by retention policy" on the activity log,
// its CSV and the API); the purge works in bounded, resumable batches under the job lease, and
// audits each run; the credit ledger is untouched.
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey } from '../../src/apikeys/keys';
import { setUsageClock } from '../../src/reports/clock';
import { clearMemo } from '../../src/reports/memo';
import { CHART_IDS } from '../../src/usage/chart-registry';
import { recordInteractions } from '../../src/ingest/write-path';
import { rebuildRollups } from '../../src/ingest/rollups';
import { savePolicy } from '../../src/retention/policy';
import { purgeWorkspace } from '../../src/retention/purge';
import { purgeAll, RETENTION_JOB } from '../../src/retention/job';
import { runJobOnce } from '../../src/jobs/scheduler';
import { acquireLease, releaseLease } from '../../src/jobs/lease';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { closeAll } from '../helpers/db';
import { PASSWORD } from '../helpers/fixtures';
import { buildUsageWorld, EVENTS, LOGINS, NOW, type UsageWorld } from '../usage/fixture';

const WINDOW = 'from=2025-11-25&to=2026-11-24';
/** Every report page that shows figures for the fixture's months. */
const REPORT_PAGES = [
  `/admin/usage?${WINDOW}`,
  ...CHART_IDS.map((id) => `/admin/usage/charts/${id}?${WINDOW}`),
  '/admin/usage?from=2025-12-01&to=2026-01-31',
  '/admin/tokens',
  '/admin/tokens?range=all',
  '/admin/tokens?tab=monthly',
  '/admin/users',
  '/admin/credits',
];

/** A page without what changes per request (CSRF tokens, nonces). */
const normalise = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, '').replace(/content="[^"]*" name="csrf-token"|name="csrf-token" content="[^"]*"/g, '').replace(/nonce="[^"]*"/g, '').replace(/"X-CSRF-Token":\s*"[^"]*"/g, '');

async function snapshot(admin: Agent, t: TestApp): Promise<Map<string, string>> {
  clearMemo(t.db);
  const out = new Map<string, string>();
  for (const p of REPORT_PAGES) {
    const req = admin.get(p);
    if (p.includes('/charts/')) req.set('HX-Request', 'true');
    const res = await req;
    expect(res.status, p).to.equal(200);
    out.set(p, normalise(res.text));
  }
  return out;
}

const count = async (t: TestApp, table: string, where: Record<string, unknown>) => Number((await t.db(table).where(where).count({ n: '*' }).first())?.n ?? 0);

describe('retention purge', () => {
  let t: TestApp;
  let w: UsageWorld;
  let admin: Agent;

  before(async () => {
    t = await createTestApp();
    w = await buildUsageWorld(t.db);
    setUsageClock(() => NOW);
    admin = await loginAs(t.app, 'admin@acme.test', PASSWORD, { csrf: false });
  });
  after(async () => {
    setUsageClock();
    await closeAll();
  });

  it('prompt text older than N days goes, the rows and numbers stay; the activity log, its CSV and the API say so', async () => {
    // Chicago days: p-old 2026-11-10 (before the cut-off 2026-11-15 = NOW's day - 10), p-new 2026-11-20, p-none has no prompt.
    const base = { user: 'ann@acme.test', kind: 'inference' as const, surface: 'chat', model: 'gpt-test', promptTokens: 40, completionTokens: 2 };
    await recordInteractions(t.db, w.ws, [
      { ...base, id: 'p-old', occurredAt: new Date('2026-11-10T18:00:00Z'), prompt: 'Old secret plan' },
      { ...base, id: 'p-new', occurredAt: new Date('2026-11-20T18:00:00Z'), prompt: 'New idea' },
      { ...base, id: 'p-none', occurredAt: new Date('2026-11-09T18:00:00Z') },
    ]);
    await savePolicy(t.db, w.ws, { promptDays: 10, rawMonths: null });
    const dry = await purgeWorkspace(t.db, w.ws, { now: NOW, dryRun: true });
    expect(dry.cutoffs).to.deep.equal({ promptBefore: '2026-11-15', rawBefore: null });
    expect(dry.pending).to.deep.equal({ prompts: 1, interactions: 0, logins: 0 });
    expect(await count(t, 'interactions', { workspace_id: w.ws, prompt_removed: true })).to.equal(0); // a dry run changes nothing

    const res = await purgeWorkspace(t.db, w.ws, { now: NOW });
    expect(res.removed).to.deep.equal({ prompts: 1, interactions: 0, logins: 0 });
    const old = await t.db('interactions').where({ workspace_id: w.ws, client_event_id: 'p-old' }).first();
    expect(old.prompt_excerpt).to.equal(null);
    expect(!!Number(old.prompt_removed)).to.equal(true);
    expect(Number(old.total_tokens)).to.equal(42);
    expect((await t.db('interactions').where({ workspace_id: w.ws, client_event_id: 'p-new' }).first()).prompt_excerpt).to.equal('New idea');

    const page = (await admin.get(`/admin/users/${w.ids.ann}/logs?from=2026-11-09&to=2026-11-20`).expect(200)).text;
    expect((page.match(/data-testid="prompt-removed"/g) ?? []).length).to.equal(1);
    expect(page).to.contain('Removed by retention policy');
    expect(page).to.contain('New idea');
    expect(page).not.to.contain('Old secret plan');
    const csv = (await admin.get(`/admin/users/${w.ids.ann}/logs.csv?from=2026-11-10&to=2026-11-10`).expect(200)).text;
    expect(csv).to.contain('"removed by retention policy"');
    const key = (await createApiKey(t.db, w.ws, 'bi', null, ['read'])).key;
    const api = await request(t.app).get('/api/v1/users/ann@acme.test/interactions?from=2026-11-10&to=2026-11-10&token_kind=inference').set('Authorization', `Bearer ${key}`).expect(200);
    expect(api.body.data).to.have.length(1);
    expect(api.body.data[0]).to.include({ prompt: null, prompt_removed: true, total_tokens: 42 });
    // the next run starts at the watermark and finds nothing more
    expect((await purgeWorkspace(t.db, w.ws, { now: NOW })).pending.prompts).to.equal(0);
    // a late event (stored now, dated before the watermark) is still found: by primary-key range over new ids
    await recordInteractions(t.db, w.ws, [{ ...base, id: 'p-late', occurredAt: new Date('2026-11-05T18:00:00Z'), prompt: 'Late arrival' }]);
    const late = await purgeWorkspace(t.db, w.ws, { now: NOW });
    expect(late.pending.prompts).to.equal(1);
    expect(late.removed.prompts).to.equal(1);
    expect((await t.db('interactions').where({ workspace_id: w.ws, client_event_id: 'p-late' }).first()).prompt_excerpt).to.equal(null);
    const audit = await t.db('audit_log').where({ workspace_id: w.ws, action: 'retention.purge' }).orderBy('id');
    expect(audit).to.have.length(2);
    expect(JSON.parse(audit[0].after_json)).to.include({ prompts_removed: 1, interactions_deleted: 0, logins_deleted: 0, done: true });
    await savePolicy(t.db, w.ws, { promptDays: null, rawMonths: null });
    await t.db('interactions').where({ workspace_id: w.ws }).whereIn('client_event_id', ['p-old', 'p-new', 'p-none', 'p-late']).delete();
    await rebuildRollups(t.db, w.ws);
  });

  it('every report figure is identical before and after a month\'s raw rows are purged, and after a rollup rebuild', async () => {
    const before = await snapshot(admin, t);
    const ledgerBefore = await t.db('credit_ledger').where({ workspace_id: w.ws }).orderBy('id');
    expect(await count(t, 'interactions', { workspace_id: w.ws })).to.equal(EVENTS.length);
    expect(await count(t, 'logins', { workspace_id: w.ws })).to.equal(LOGINS.length);

    // 13 months kept as of 2027-12-15: everything before 2026-12-01 goes, i.e. every fixture row.
    await savePolicy(t.db, w.ws, { promptDays: null, rawMonths: 13 });
    const now = new Date('2027-12-15T18:00:00Z');
    const first = await purgeWorkspace(t.db, w.ws, { now, batchSize: 2, maxBatches: 3 });
    expect(first.cutoffs.rawBefore).to.equal('2026-12-01');
    expect(first.pending).to.deep.equal({ prompts: 0, interactions: EVENTS.length, logins: LOGINS.length });
    expect(first.done).to.equal(false);
    expect(first.removed.interactions).to.equal(6); // 3 batches of 2
    const rest = await purgeWorkspace(t.db, w.ws, { now, batchSize: 2 });
    expect(rest.done).to.equal(true);
    expect(rest.removed).to.deep.equal({ prompts: 0, interactions: EVENTS.length - 6, logins: LOGINS.length });
    expect(await count(t, 'interactions', { workspace_id: w.ws })).to.equal(0);
    expect(await count(t, 'logins', { workspace_id: w.ws })).to.equal(0);
    expect(await count(t, 'interactions', { workspace_id: w.seatWs })).to.equal(1); // another workspace: no policy, untouched
    const runs = (await t.db('audit_log').where({ workspace_id: w.ws, action: 'retention.purge' }).orderBy('id')).map((r: any) => JSON.parse(r.after_json));
    expect(runs.slice(-2).map((r) => [r.interactions_deleted, r.logins_deleted, r.done])).to.deep.equal([
      [6, 0, false],
      [EVENTS.length - 6, LOGINS.length, true],
    ]);

    const after = await snapshot(admin, t);
    for (const p of REPORT_PAGES) expect(after.get(p), p).to.equal(before.get(p));
    expect(await t.db('credit_ledger').where({ workspace_id: w.ws }).orderBy('id')).to.deep.equal(ledgerBefore);

    // A rebuild keeps the purged months' rollups (the only record left) and still agrees.
    await rebuildRollups(t.db, w.ws);
    const rebuilt = await snapshot(admin, t);
    for (const p of REPORT_PAGES) expect(rebuilt.get(p), p).to.equal(before.get(p));
  });

  it('runs as the registered job under its lease: one runner at a time', async () => {
    await recordInteractions(t.db, w.ws, [{ id: 'old-1', user: 'bob@acme.test', occurredAt: new Date('2024-05-01T18:00:00Z'), kind: 'inference', surface: 'chat', model: 'm', promptTokens: 1, completionTokens: 1 }]);
    // another process holds the lease: this one does not run
    expect(await acquireLease(t.db, RETENTION_JOB.name, 60_000, 'other-host:1:x')).to.equal(true);
    expect(await runJobOnce(t.ctx, RETENTION_JOB)).to.equal(false);
    expect(await count(t, 'interactions', { workspace_id: w.ws, client_event_id: 'old-1' })).to.equal(1);
    await releaseLease(t.db, RETENTION_JOB.name, 'other-host:1:x');
    expect(await runJobOnce(t.ctx, RETENTION_JOB)).to.equal(true);
    expect(await count(t, 'interactions', { workspace_id: w.ws, client_event_id: 'old-1' })).to.equal(0);
    expect(await purgeAll(t.ctx)).to.have.length(1); // only workspaces with a policy
  });
});
