// npm run purge -- --workspace <slug> [--dry-run]: applies the workspace's retention policy now
// (under the same lease as the scheduled purge, so the two never run at once), or with --dry-run
// prints what would go without changing anything.
import { flags, openDb, run } from './cli';
import { findWorkspaceBySlug } from '../src/workspaces/queries';
import { runExclusive } from '../src/jobs/lease';
import { readPolicy } from '../src/retention/policy';
import { purgeWorkspace, type PurgeResult } from '../src/retention/purge';
import { RETENTION_JOB } from '../src/retention/job';

function describe(r: PurgeResult, verb: string): string {
  const c = r.cutoffs;
  const lines = [
    `Cut-offs: ${c.promptBefore ? `prompt text before ${c.promptBefore}` : 'prompt text kept forever'}; ${c.rawBefore ? `interactions and logins before ${c.rawBefore}` : 'interactions and logins kept forever'}.`,
  ];
  const n = r.dryRun ? r.pending : r.removed;
  lines.push(`${verb}: prompt text of ${n.prompts} interaction(s); ${n.interactions} interaction(s); ${n.logins} login(s).`);
  if (!r.dryRun) lines.push(`${r.batches} batch(es); ${r.done ? 'done' : 'stopped early (run again to continue)'}.`);
  return lines.join('\n');
}

run(async () => {
  const f = flags();
  const slug = f.workspace;
  if (!slug || slug === 'true') throw new Error('Usage: npm run purge -- --workspace <slug> [--dry-run]');
  const dryRun = f['dry-run'] === 'true' || f['dry-run'] === '1';
  const { db } = await openDb();
  try {
    const ws = await findWorkspaceBySlug(db, slug);
    if (!ws) throw new Error(`No workspace with slug "${slug}".`);
    const p = await readPolicy(db, ws.id);
    console.log(
      `Workspace ${ws.slug}: prompt text kept ${p.promptDays == null ? 'forever' : `${p.promptDays} day(s)`}, raw interactions and logins kept ${p.rawMonths == null ? 'forever' : `${p.rawMonths} month(s)`}.`,
    );
    if (dryRun) {
      console.log(describe(await purgeWorkspace(db, ws.id, { dryRun: true }), 'Would remove'));
      return;
    }
    const { ran, result } = await runExclusive(db, RETENTION_JOB.name, RETENTION_JOB.leaseMs, () => purgeWorkspace(db, ws.id, { budgetMs: RETENTION_JOB.leaseMs - 60_000 }));
    if (!ran) throw new Error('The scheduled purge is running in another process right now; try again in a few minutes.');
    console.log(describe(result!, 'Removed'));
  } finally {
    await db.destroy();
  }
});
