// Text columns that compare exactly (byte for byte) on both engines. SQLite's default collation is
// BINARY already; MySQL/MariaDB columns inherit the database's accent- and case-folding collation
// (utf8mb4_unicode_ci / utf8mb4_general_ci: 'ü' = 'u', 'A' = 'a'), so they are switched to utf8mb4_bin.
import type { Knex } from 'knex';
import { isSQLite } from './dialect';

/** Makes `table.column` (VARCHAR(length)) compare exactly; `folding` restores the folding collation. */
export async function setExactCollation(knex: Knex, table: string, column: string, length: number, opts: { nullable?: boolean; folding?: boolean } = {}): Promise<void> {
  if (isSQLite(knex)) return;
  const collation = opts.folding ? 'utf8mb4_unicode_ci' : 'utf8mb4_bin';
  await knex.raw(`ALTER TABLE ?? MODIFY ?? VARCHAR(${Number(length)}) CHARACTER SET utf8mb4 COLLATE ${collation} ${opts.nullable ? 'NULL' : 'NOT NULL'}`, [table, column]);
}
