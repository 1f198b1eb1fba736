// npm run rebuild-rollups [-- --workspace <slug>]: recompute every rollup from raw rows, including the
// credit tables (credits per user per day, monthly PAYG / overage / Grid rows, pack balance cache).
import { flags, openDb, run } from './cli';
import { rebuildRollups } from '../src/ingest/rollups';

run(async () => {
  const f = flags();
  const { db } = await openDb();
  try {
    const q = db('workspaces').select('id', 'slug');
    if (f.workspace) q.where('slug', f.workspace);
    const wss = await q;
    if (f.workspace && wss.length === 0) throw new Error(`No workspace with slug ${f.workspace}`);
    for (const w of wss) {
      const started = Date.now();
      await rebuildRollups(db, w.id);
      console.log(`Rebuilt rollups and credit tables of ${w.slug} in ${Date.now() - started} ms`);
    }
  } finally {
    await db.destroy();
  }
});
