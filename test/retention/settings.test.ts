// Workspace settings → Data retention: the form validates (minimum 13 months), asks for confirmation
// naming how many rows the next run removes (counted by hand from the fixture, relative to today),
// audits the change, and the purge script's dry run prints the same counts without changing anything.
import path from 'node:path';
import { execFile } from 'node:child_process';
import { expect } from 'chai';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import { readPolicy } from '../../src/retention/policy';
import { createTestApp, loginAs, type Agent, type TestApp } from '../helpers/app';
import { closeAll, isMySqlRun, testDatabaseUrl } from '../helpers/db';
import { createUser, createWorkspace } from '../helpers/fixtures';

const ROOT = path.resolve(__dirname, '../..');
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);

function runPurge(args: string[], url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/purge.ts', ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' }, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('retention settings page and purge script', function () {
  this.timeout(120_000);
  let t: TestApp;
  let admin: Agent;
  let ws: number;

  before(async () => {
    t = await createTestApp();
    ws = (await createWorkspace(t.db, { slug: 'keep', name: 'Keep Co', time_zone: 'America/Chicago' })).id;
    await createUser(t.db, ws, { email: 'admin@keep.test', role: 'admin' });
    await createUser(t.db, ws, { email: 'm@keep.test' });
    const ev = (id: string, at: Date, prompt?: string) => ({ id, user: 'm@keep.test', occurredAt: at, kind: 'inference' as const, surface: 'chat', model: 'm', promptTokens: 3, completionTokens: 1, prompt });
    // 600 days old: deleted by a 13-month policy (one with a prompt: not counted twice);
    // 40 and 35 days old with prompts: lose their text under 30 days; 2 days old: kept; 38 days, no prompt: nothing to remove.
    await recordInteractions(t.db, ws, [ev('a', daysAgo(600), 'very old'), ev('b', daysAgo(601)), ev('c', daysAgo(40), 'forty'), ev('d', daysAgo(35), 'thirty-five'), ev('e', daysAgo(2), 'recent'), ev('f', daysAgo(38))]);
    await recordLogins(t.db, ws, [{ user: 'm@keep.test', occurredAt: daysAgo(600) }, { user: 'm@keep.test', occurredAt: daysAgo(3) }]);
    admin = await loginAs(t.app, 'admin@keep.test', 'correct-horse-battery');
  });
  after(closeAll);

  it('shows the policy (forever by default) in Workspace settings', async () => {
    const home = (await admin.get('/admin/settings').expect(200)).text;
    expect(home).to.contain('href="/admin/settings/retention"');
    const page = (await admin.get('/admin/settings/retention').expect(200)).text;
    expect(page).to.contain('aria-current="page">Data retention');
    expect(page).to.match(/data-testid="prompt-policy">Kept forever/);
    expect(page).to.match(/data-testid="raw-policy">Kept forever/);
  });

  it('refuses fewer than 13 months and non-numbers, keeping the form', async () => {
    const res = await admin.post('/admin/settings/retention').type('form').send({ _csrf: admin.csrf, prompt_days: 'soon', raw_months: '12' });
    expect(res.status).to.equal(422);
    expect(res.text).to.contain('Raw interactions and logins: between 13 and 1200, or empty to keep forever.');
    expect(res.text).to.contain('Prompt text: enter a whole number, or leave it empty to keep forever.');
    expect(res.text).to.match(/name="raw_months"[^>]*value="12"/);
    expect((await readPolicy(t.db, ws)).rawMonths).to.equal(null);
  });

  it('asks for confirmation naming what the next run removes, then saves and audits', async () => {
    const review = await admin.post('/admin/settings/retention').type('form').send({ _csrf: admin.csrf, prompt_days: '30', raw_months: '13' });
    expect(review.status).to.equal(200);
    expect(review.text).to.contain('data-testid="retention-confirm"');
    expect(review.text).to.match(/data-count="prompts">2</);
    expect(review.text).to.match(/data-count="interactions">2</);
    expect(review.text).to.match(/data-count="logins">1</);
    expect((await readPolicy(t.db, ws)).promptDays).to.equal(null); // not saved yet

    const dry = await runPurge(['--workspace', 'keep', '--dry-run'], dbUrl());
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.contain('kept forever');

    const ok = await admin.post('/admin/settings/retention').type('form').send({ _csrf: admin.csrf, prompt_days: '30', raw_months: '13', confirm: 'yes' });
    expect(ok.status).to.equal(303);
    expect(ok.headers.location).to.equal('/admin/settings/retention?saved=1');
    expect(await readPolicy(t.db, ws)).to.include({ promptDays: 30, rawMonths: 13 });
    const audit = await t.db('audit_log').where({ workspace_id: ws, action: 'retention.update' }).first();
    expect(JSON.parse(audit.before_json)).to.deep.equal({ prompt_days: null, raw_months: null });
    expect(JSON.parse(audit.after_json)).to.deep.equal({ prompt_days: 30, raw_months: 13, next_run_removes: { prompts: 2, interactions: 2, logins: 1 } });
    const page = (await admin.get('/admin/settings/retention?saved=1').expect(200)).text;
    expect(page).to.contain('data-testid="retention-saved"');
    expect(page).to.match(/data-testid="pending">2 prompt texts, 2 interactions, 1 logins/);
  });

  it('npm run purge: --dry-run prints what would go and changes nothing; without it, applies the policy', async () => {
    const dry = await runPurge(['--workspace', 'keep', '--dry-run'], dbUrl());
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.contain('Would remove: prompt text of 2 interaction(s); 2 interaction(s); 1 login(s).');
    expect(Number((await t.db('interactions').where({ workspace_id: ws }).count({ n: '*' }).first())?.n)).to.equal(6);
    const applied = await runPurge(['--workspace', 'keep'], dbUrl());
    expect(applied.code, applied.stderr).to.equal(0);
    expect(applied.stdout).to.contain('Removed: prompt text of 2 interaction(s); 2 interaction(s); 1 login(s).');
    const left = await t.db('interactions').select('client_event_id', 'prompt_excerpt').where({ workspace_id: ws }).orderBy('client_event_id');
    expect(left.map((r: any) => [r.client_event_id, r.prompt_excerpt])).to.deep.equal([
      ['c', null],
      ['d', null],
      ['e', 'recent'],
      ['f', null],
    ]);
    const bad = await runPurge(['--workspace', 'nope'], dbUrl());
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain('No workspace with slug "nope"');
  });

  /** The database file (SQLite) or URL (MariaDB) the test app uses, for the script's DATABASE_URL. */
  function dbUrl(): string {
    if (isMySqlRun()) return testDatabaseUrl();
    return `sqlite:${(t.db.client.config.connection as { filename: string }).filename}`;
  }
});
