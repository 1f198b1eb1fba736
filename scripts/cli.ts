// Shared bits of the operator scripts: parse --flags, open the configured database.
import { loadConfig } from '../src/config';
import { createDb, ensureDatabase } from '../src/db/knex';
import { migrateLatest } from '../src/db/migrate';

export function flags(argv = process.argv.slice(2)): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const [k, v] = a.slice(2).split('=', 2);
    if (v !== undefined) out[k] = v;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) out[k] = argv[++i];
    else out[k] = 'true';
  }
  return out;
}

export async function openDb(opts: { migrate?: boolean } = { migrate: true }) {
  const config = loadConfig();
  await ensureDatabase(config.DATABASE_URL);
  const db = createDb(config.DATABASE_URL);
  if (opts.migrate !== false) await migrateLatest(db);
  return { db, config };
}

export function run(main: () => Promise<void>) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err?.message ?? err);
      process.exit(1);
    },
  );
}
