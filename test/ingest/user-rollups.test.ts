// Per-user rollups applied after each batch's commit, a part of the roster at a time
// (src/rollups/deferred.ts): batches from two app processes over shared users are counted exactly
// once in every per-user table, nothing stays pending once the calls are answered, and a reader
// never keeps a figure computed while rows were pending.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../helpers/app';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { closeAll, isMySqlRun, testDatabaseUrl } from '../helpers/db';
import { createDb } from '../../src/db/knex';
import { daysAgoNoon, event, keyFor, post } from './helpers';
import { USER_PARTS, applyAllPending, partOfUser } from '../../src/rollups/deferred';
import { PER_USER_INTERACTION_ROLLUPS } from '../../src/rollups/spec';
import { rebuildRollups } from '../../src/ingest/rollups';
import { workspaceTableVersion } from '../../src/reports/memo';
import { toDbTime } from '../../src/db/time';

const USERS = 70;

async function tableRows(db: Knex, table: string, ws: number): Promise<string[]> {
  const rows = await db(table).where({ workspace_id: ws });
  return rows.map((r: Record<string, unknown>) => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k] instanceof Date ? (r[k] as Date).toISOString() : String(r[k])]))).sort();
}

describe('ingestion: per-user rollups applied by parts after the commit', () => {
  let t: TestApp;
  let other: TestApp;
  let second: Knex;
  let ws: number;
  let key: string;
  const ids: number[] = [];

  before(async function () {
    this.timeout(60_000);
    t = await createTestApp();
    ws = (await createWorkspace(t.db, { slug: 'alpha', name: 'Alpha Inc', billing_mode: 'credits' })).id;
    for (let i = 0; i < USERS; i++) ids.push(await createUser(t.db, ws, { email: `u${i}@alpha.test` }));
    key = await keyFor(t.db, ws);
    // A second app process: its own connection pool on the same database.
    const url = isMySqlRun() ? testDatabaseUrl() : `sqlite:${(t.db.client.config.connection as { filename: string }).filename}`;
    second = createDb(url, { poolMax: 4 });
    other = await createTestApp({ db: second });
  });
  after(async () => {
    await second?.destroy();
    await closeAll();
  });

  it('the fixture spreads its users over every part of the roster', () => {
    expect(new Set(ids.map(partOfUser)).size).to.equal(USER_PARTS);
  });

  it('batches from two processes over shared users are counted exactly once, and nothing stays pending', async function () {
    this.timeout(120_000);
    // 8 batches of 150 events, every user in every batch, over three days; a fifth billable.
    const expected = new Map<string, number>();
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 150 }, (_, i) => {
        const user = `u${(i * 7 + b) % USERS}@alpha.test`;
        const prompt = 10 + ((b * 150 + i) % 97);
        expected.set(user, (expected.get(user) ?? 0) + prompt + 3);
        return event(`p-${b}-${i}`, { user, prompt_tokens: prompt, completion_tokens: 3, occurred_at: daysAgoNoon(1 + (i % 3)).iso, ...(i % 5 === 0 ? { billable: { category: 'api', units: 1 } } : {}) });
      }),
    );
    const answers = await Promise.all(batches.map((events, b) => post(b % 2 ? other.app : t.app, '/events', key, { events })));
    for (const a of answers) expect(a.status, a.text).to.equal(200);
    expect(answers.reduce((n, a) => n + a.body.accepted, 0)).to.equal(1200);
    // answered means applied
    expect(Number((await t.db('rollup_pending').count({ c: '*' }).first())!.c)).to.equal(0);

    // Each user's all-time tokens, as the fixture computes them.
    const totals = await t.db('user_totals as t').join('users as u', 'u.id', 't.user_id').where('t.workspace_id', ws).select('u.email', 't.total_tokens');
    expect(new Map(totals.map((r: { email: string; total_tokens: number }) => [r.email, Number(r.total_tokens)]))).to.deep.equal(expected);

    // Every per-user table equals its rebuild from the raw rows.
    const incremental = await Promise.all(PER_USER_INTERACTION_ROLLUPS.map((s) => tableRows(t.db, s.table, ws)));
    await rebuildRollups(t.db, ws);
    const rebuilt = await Promise.all(PER_USER_INTERACTION_ROLLUPS.map((s) => tableRows(t.db, s.table, ws)));
    PER_USER_INTERACTION_ROLLUPS.forEach((s, i) => expect(incremental[i], s.table).to.deep.equal(rebuilt[i]));
  });

  it('while rows are pending the data version matches nothing; once applied it is stable and new', async () => {
    const before = await workspaceTableVersion(t.db, 'interactions', ws);
    // A stored batch whose per-user rows are still pending (its payload adds nothing here).
    await t.db('rollup_pending').insert({ workspace_id: ws, part: 0, payload: '{}', created_at: toDbTime(new Date()) });
    await post(other.app, '/events', key, { events: [event('v-1', { user: `u${USERS - 1}@alpha.test` })] });
    // the other process's answer applied its own part; part 0's row stays unless that was part 0
    await t.db('rollup_pending').insert({ workspace_id: ws, part: 0, payload: '{}', created_at: toDbTime(new Date()) });
    const during = [await workspaceTableVersion(t.db, 'interactions', ws), await workspaceTableVersion(t.db, 'interactions', ws)];
    expect(during[0]).to.not.equal(during[1]);
    expect(during).to.not.include(before);
    expect(await applyAllPending(t.db, ws)).to.be.greaterThan(0);
    const after = [await workspaceTableVersion(t.db, 'interactions', ws), await workspaceTableVersion(t.db, 'interactions', ws)];
    expect(after[0]).to.equal(after[1]);
    expect(after[0]).to.not.equal(before);
    expect(after[0]).to.be.greaterThan(0);
  });
});
