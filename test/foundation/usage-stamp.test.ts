// The usage stamp (src/reports/memo.ts usageStamp) that answers kept per process are keyed by: it
// moves with every committed usage write (interaction batches, logins, a rollup rebuild) and with
// the roster, and is null while per-user rollups of a committed batch are still to be applied.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { closeAll, freshDb } from '../helpers/db';
import { createUser, createWorkspace } from '../helpers/fixtures';
import { recordInteractions, recordLogins } from '../../src/ingest/write-path';
import { rebuildRollups } from '../../src/ingest/rollups';
import { upsertUser } from '../../src/ingest/roster';
import { usageStamp } from '../../src/reports/memo';
import { toDbTime } from '../../src/db/time';

describe('foundation: the usage stamp follows committed usage writes', () => {
  let db: Knex;
  let ws: number;
  let other: number;
  const at = new Date(Date.now() - 3 * 86_400_000);
  const event = (id: string, user = 'ana@stamp.test') => ({ id, user, occurredAt: at, kind: 'inference' as const, surface: 'chat', model: 'gpt-4o', promptTokens: 3, completionTokens: 4 });

  before(async () => {
    db = await freshDb();
    ws = (await createWorkspace(db, { slug: 'stampa' })).id;
    other = (await createWorkspace(db, { slug: 'stampb' })).id;
    await createUser(db, ws, { email: 'ana@stamp.test' });
    await createUser(db, other, { email: 'bo@stamp.test' });
  });
  after(closeAll);

  it('moves with each write of the workspace, not with another workspace\'s', async () => {
    const seen = new Set<string>();
    const look = async () => {
      const s = await usageStamp(db, ws);
      expect(s).to.be.a('string');
      return s!;
    };
    const first = await look();
    seen.add(first);
    await recordInteractions(db, ws, [event('s1')]);
    const afterBatch = await look();
    expect(seen.has(afterBatch), 'a batch moves it').to.equal(false);
    seen.add(afterBatch);
    expect(await look(), 'stable without writes').to.equal(afterBatch);
    await recordInteractions(db, other, [event('o1', 'bo@stamp.test')]);
    expect(await look(), "another workspace's batch leaves it").to.equal(afterBatch);
    await recordInteractions(db, ws, [event('s1')]);
    expect(await look(), 'a repeated batch (nothing new stored) leaves it').to.equal(afterBatch);
    const beforeLogins = await look();
    await recordLogins(db, ws, [{ user: 'ana@stamp.test', occurredAt: at }]);
    const afterLogins = await look();
    expect(afterLogins, 'logins move it').to.not.equal(beforeLogins);
    await rebuildRollups(db, ws);
    const afterRebuild = await look();
    expect(afterRebuild, 'a rebuild moves it').to.not.equal(afterLogins);
    await upsertUser(db, ws, { email: 'ana@stamp.test', name: 'Ana Renamed' });
    expect(await look(), 'a roster write moves it').to.not.equal(afterRebuild);
  });

  it('is null while per-user rollup rows of the workspace wait to be applied', async () => {
    const [id] = await db('rollup_pending').insert({ workspace_id: ws, part: 0, payload: '{}', created_at: toDbTime(new Date()) });
    try {
      expect(await usageStamp(db, ws)).to.equal(null);
      expect(await usageStamp(db, other)).to.be.a('string');
    } finally {
      await db('rollup_pending').where({ id }).delete();
    }
    expect(await usageStamp(db, ws)).to.be.a('string');
  });
});
