// One identity rule on both engines: e-mails are stored lowercased and compared exactly (so
// case-insensitively, and 'ümlaut@x' is not 'umlaut@x'); agent and group external ids compare
// exactly. On MariaDB the columns move to utf8mb4_bin (the unique keys follow the column); SQLite
// compares bytes already. E-mails written before this migration are lowercased first: the app has
// always lowercased them, so this only guards against rows loaded by hand.
import type { Knex } from 'knex';
import { setExactCollation } from '../src/db/collation';

export async function up(knex: Knex): Promise<void> {
  const rows: { id: number; email: string }[] = await knex('users').select('id', 'email');
  for (const r of rows) {
    const lower = r.email.trim().toLowerCase();
    if (lower !== r.email) await knex('users').where({ id: r.id }).update({ email: lower });
  }
  await setExactCollation(knex, 'users', 'email', 255);
  await setExactCollation(knex, 'groups', 'external_id', 128);
  await setExactCollation(knex, 'agents', 'external_id', 128);
}

export async function down(knex: Knex): Promise<void> {
  await setExactCollation(knex, 'users', 'email', 255, { folding: true });
  await setExactCollation(knex, 'groups', 'external_id', 128, { folding: true });
  await setExactCollation(knex, 'agents', 'external_id', 128, { folding: true });
}
