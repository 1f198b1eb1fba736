// Incremental rollup upkeep: adds what each stored event contributes (per the specification in
// spec.ts) into in-memory rows, then writes each table with one multi-row upsert per batch.
import type { Knex } from 'knex';
import { upsertAddQueries } from '../db/dialect';
import type { ChargeFacts, InteractionFacts, LoginFacts, RollupSpec, Row } from './spec';

/** The rows of one rollup table a batch adds to, merged by key. */
class Accumulator {
  private rows = new Map<string, Row>();
  constructor(readonly spec: RollupSpec) {}

  add(row: Row) {
    const s = this.spec;
    let k = '';
    for (const c of s.keys) k += `${row[c]}\u0001`;
    const old = this.rows.get(k);
    if (!old) {
      this.rows.set(k, { ...row });
      return;
    }
    for (const c of s.counters) old[c] = (old[c] as number) + ((row[c] as number) ?? 0);
    for (const c of s.minCols ?? []) if ((row[c] as string) < (old[c] as string)) old[c] = row[c];
    for (const c of s.maxCols ?? []) if ((row[c] as string) > (old[c] as string)) old[c] = row[c];
  }

  /** The merged rows as arrays in `columns` order (a staged payload: src/rollups/deferred.ts). */
  columns(): string[] {
    const s = this.spec;
    return [...s.keys, ...s.counters, ...(s.minCols ?? []), ...(s.maxCols ?? [])];
  }

  packed(): { columns: string[]; rows: unknown[][] } | null {
    if (this.rows.size === 0) return null;
    const columns = this.columns();
    return { columns, rows: [...this.rows.values()].map((r) => columns.map((c) => r[c])) };
  }

  queries(db: Knex): Knex.QueryBuilder[] {
    // Key order, so concurrent batches lock shared rollup rows in the same order (no deadlocks).
    const keys = [...this.rows.keys()].sort();
    const s = this.spec;
    return upsertAddQueries(db, s.table, [...s.keys], keys.map((k) => this.rows.get(k)!), [...s.counters], { minCols: [...(s.minCols ?? [])], maxCols: [...(s.maxCols ?? [])] });
  }
}

/** What a batch adds to a set of rollup tables; `flush` writes them in the order of the set. */
export class RollupBatch {
  private accs: Accumulator[];
  constructor(specs: readonly RollupSpec[]) {
    this.accs = specs.map((s) => new Accumulator(s));
  }

  private each<F>(pick: (s: RollupSpec) => ((f: F) => Row | null) | undefined, f: F) {
    for (const a of this.accs) {
      const row = pick(a.spec)?.(f);
      if (row) a.add(row);
    }
  }

  addInteraction(f: InteractionFacts) {
    this.each((s) => s.interaction, f);
  }

  addLogin(f: LoginFacts) {
    this.each((s) => s.login, f);
  }

  addCharge(f: ChargeFacts) {
    this.each((s) => s.charge, f);
  }

  /** The merged rows per table, as plain data (JSON): what `absorb` adds back. */
  packed(): PackedRollups {
    const out: PackedRollups = {};
    for (const a of this.accs) {
      const p = a.packed();
      if (p) out[a.spec.table] = p;
    }
    return out;
  }

  /** Adds packed rows (of tables in this batch's set) as if their events had been added here. */
  absorb(packed: PackedRollups) {
    for (const a of this.accs) {
      const p = packed[a.spec.table];
      if (!p) continue;
      for (const values of p.rows) {
        const row: Row = {};
        p.columns.forEach((c, i) => (row[c] = values[i]));
        a.add(row);
      }
    }
  }

  async flush(db: Knex) {
    for (const a of this.accs) for (const q of a.queries(db)) await q;
  }

  /**
   * The upserts compiled to SQL now, to run later with `runCompiled`: the write path compiles before
   * it takes the workspace's credit lock, so the time spent building SQL for a thousand rows is not
   * spent holding the lock. Rows added after compiling are not in it.
   */
  compile(db: Knex): CompiledStatement[] {
    return this.accs.flatMap((a) => a.queries(db).map((q) => q.toSQL().toNative()));
  }
}

/** Rollup rows as plain data: per table, its column names and one array of values per row. */
export type PackedRollups = Record<string, { columns: string[]; rows: unknown[][] }>;

export interface CompiledStatement {
  sql: string;
  bindings: readonly unknown[];
}

/** Runs compiled statements in order (in the caller's transaction). */
export async function runCompiled(db: Knex, statements: CompiledStatement[]): Promise<void> {
  for (const st of statements) await db.raw(st.sql, st.bindings as Knex.RawBinding[]);
}
