// Profiles the CSV export path in isolation: streamRows (src/db/dialect.ts) -> streamCsv
// (src/exports/csv.ts) with the real generation-log definition, into a file, on the bench database.
// Prints rows/s, peak RSS and a SHA-256 of the output (must not change when optimising).
//   tsx bench/csv-profile.ts [--database usage_console_bench] [--rows 1000000] [--out /tmp/x.csv] [--no-cache | --js]
import fs from 'node:fs';
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import type { Request, Response } from 'express';
import { createDb } from '../src/db/knex';
import { benchDbUrl } from './dataset';
import { streamRows } from '../src/db/dialect';
import { streamCsv } from '../src/csv/stream';
import { generationLogExport } from '../src/usage/export-defs';
import { agentMap, generationLogQuery, userMap } from '../src/usage/queries';
import { databaseFormatted } from '../src/csv/database-cells';

/** The bits of an Express response streamCsv uses, writing to a hash and optionally a file. */
class SinkResponse extends Writable {
  headersSent = false;
  readonly hash = crypto.createHash('sha256');
  bytes = 0;
  private file: number | null;
  constructor(out: string | null) {
    super({ highWaterMark: 64 * 1024, decodeStrings: true });
    this.file = out ? fs.openSync(out, 'w') : null;
  }
  status() {
    return this;
  }
  setHeader() {
    return this;
  }
  _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void) {
    this.headersSent = true;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.file !== null) fs.writeSync(this.file, chunk);
    // a socket drains asynchronously: do the same so back-pressure paths are exercised
    setImmediate(cb);
  }
  _final(cb: () => void) {
    if (this.file !== null) fs.closeSync(this.file);
    cb();
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const arg = (f: string, d: string) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : d);
  const database = arg('--database', 'usage_console_bench');
  const limit = Number(arg('--rows', '1000000'));
  const out = argv.includes('--out') ? arg('--out', '') : null;
  const db = createDb(benchDbUrl(process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306', database), { poolMax: 2 });
  try {
    const ws = (await db('workspaces').where({ slug: 'bench' }).first()).id as number;
    const full = generationLogExport({ users: await userMap(db, ws), agents: await agentMap(db, ws) });
    // --no-cache: the columns without their per-key cell cache (an A/B of that optimisation; same bytes)
    const js = argv.includes('--no-cache') ? { ...full, columns: full.columns.map(({ cacheBy: _drop, ...c }) => c) } : full;
    // --js: every cell formatted by the app (the export before the database formatted its stored columns)
    const { def, select } = argv.includes('--js') || argv.includes('--no-cache') ? { def: js, select: undefined } : databaseFormatted(db, full);
    const qb = generationLogQuery(db, ws, '1970-01-01', '9999-12-31', select)
      .limit(limit);
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    const rss0 = process.memoryUsage.rss();
    const res = new SinkResponse(out);
    const req = new Writable() as unknown as Request;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const rows = await streamCsv(req, res as unknown as Response, def, 'x.csv', streamRows(db, qb));
    await new Promise((r) => res.once('finish', r));
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSec = (cpu.user + cpu.system) / 1e6;
    clearInterval(poll);
    console.log(
      JSON.stringify({ rows, seconds: Math.round(s * 100) / 100, rowsPerSec: Math.round(rows / s), cpuSec: Math.round(cpuSec * 100) / 100, rowsPerCpuSec: Math.round(rows / cpuSec), bytes: res.bytes, rssGrowthMb: Math.round((peak - rss0) / 2 ** 20), sha256: res.hash.digest('hex') }),
    );
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
