// npm run rebuild-rollups [-- --workspace <slug>] [--lanes N]: recompute every rollup from raw rows,
// including the credit tables (credits per user per day, monthly PAYG / overage / Grid rows, pack
// balance cache). --lanes N (MySQL): N connections at once, each table in a transaction of its own,
// for a repair while nothing writes to the workspace (see RebuildOptions in src/ingest/rollups.ts).
import { flags, openDb, run } from './cli';
import { rebuildRollups } from '../src/ingest/rollups';

run(async () => {
  const f = flags();
  const lanes = f.lanes === undefined ? 1 : Number(f.lanes);
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > 16) throw new Error('--lanes: a whole number from 1 to 16');
  const { db } = await openDb();
  try {
    const q = db('workspaces').select('id', 'slug');
    if (f.workspace) q.where('slug', f.workspace);
    const wss = await q;
    if (f.workspace && wss.length === 0) throw new Error(`No workspace with slug ${f.workspace}`);
    for (const w of wss) {
      const started = Date.now();
      await rebuildRollups(db, w.id, { lanes });
      console.log(`Rebuilt rollups and credit tables of ${w.slug} in ${Date.now() - started} ms`);
    }
  } finally {
    await db.destroy();
  }
});
