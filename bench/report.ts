// Targets of issue 8 and the Markdown report of a run.
import type { DatasetInfo } from './dataset';
import type { IngestResult, LatencyResult } from './load';

export interface ExportRunInfo {
  url: string;
  status: number;
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSec: number;
  ttfbMs: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssGrowthMb: number;
}

export interface BenchResults {
  date: string;
  machine: string;
  database: string;
  params: { profile?: string; scale?: number; appWorkers?: number; interactions: number; users: number; months: number; quick: boolean; durationSec: number };
  /** page targets of the run's profile (absent in older results: issue 8's) */
  targets?: { p95At1: number; p95At10: number };
  dataset: DatasetInfo | null;
  coldStartMs: number | null;
  pages: LatencyResult[];
  placeholders: string[];
  deep: { firstUrl: string; deepUrl: string; page: number; wanted: number } | null;
  exports: {
    small: ExportRunInfo;
    full: ExportRunInfo;
    floor: { sql: string; rows: number; bytes: number; seconds: number; rowsPerSec: number };
    ratio: number;
    range: { from: string; to: string };
  } | null;
  ingest: IngestResult | null;
  /** enterprise profile: users-with-tokens.csv (one row per user) */
  usersExport?: ExportRunInfo | null;
  /** `--workers 1,2`: the pages at 10 clients with each WEB_CONCURRENCY (1 = the main run) */
  workerPages?: { workers: number; pages: LatencyResult[] }[] | null;
  notes: string[];
  missed: string[];
  /** whole run, seconds */
  elapsedSec: number;
  /** 1-minute load average sampled during the run (2 cores: above ~3 means other work competed) */
  loadAverage: { mean: number; max: number } | null;
}

export const TARGETS = {
  p95At1: 100,
  p95At10: 300,
  deepFactor: 2,
  exportRatio: 0.6,
  exportTtfbMs: 1000,
  exportRssGrowthMb: 150,
  /** full-range growth may exceed the ~1M-row growth by at most this much to count as flat */
  exportRssFlatToleranceMb: 40,
  ingestEventsPerSec: 15_000,
  /** POST /api/v1/authorize (issue 16) */
  authorizeP95At1: 5,
  authorizeP95At10: 20,
  quickRunSec: 180,
};

/** Every missed target, named; an empty list means the run passed. */
export function checkTargets(r: BenchResults): string[] {
  const missed: string[] = [];
  const T = { ...TARGETS, ...r.targets };
  for (const p of r.placeholders) missed.push(`not built yet (placeholder page, cannot be measured): ${p}`);
  for (const p of r.pages) {
    const authorize = p.id.startsWith('authorize');
    const limit = p.connections === 1 ? (authorize ? T.authorizeP95At1 : T.p95At1) : authorize ? T.authorizeP95At10 : T.p95At10;
    if (!(p.p95 <= limit)) missed.push(`${p.id} at ${p.connections} client(s): p95 ${p.p95} ms > ${limit} ms`);
    if (p.errors || p.non2xx) missed.push(`${p.id} at ${p.connections} client(s): ${p.errors + p.non2xx} errors (${JSON.stringify(p.statusCounts)})`);
  }
  if (r.deep) {
    // --quick data is too small to hold 1,000 pages for one user: the deepest page is measured instead
    if (r.deep.page < r.deep.wanted && !r.params.quick) missed.push(`deep Activity Logs: only ${r.deep.page} pages exist/followed (wanted ${r.deep.wanted})`);
    for (const c of [1, 10]) {
      const first = r.pages.find((p) => p.id === 'activity' && p.connections === c);
      const deep = r.pages.find((p) => p.id.startsWith('activity deep') && !p.id.endsWith('(htmx)') && p.connections === c);
      if (first && deep && deep.p95 > TARGETS.deepFactor * Math.max(first.p95, 1))
        missed.push(`deep Activity Logs at ${c} client(s): p95 ${deep.p95} ms > ${TARGETS.deepFactor}x first page (${first.p95} ms)`);
    }
  } else if (r.pages.length) missed.push('deep Activity Logs page: not measured');
  if (!r.exports) missed.push('export: generation-log.csv not measured (not available)');
  else {
    const e = r.exports;
    if (e.full.status !== 200) missed.push(`export: HTTP ${e.full.status}`);
    if (e.full.rows !== e.floor.rows) missed.push(`export: ${e.full.rows} CSV rows but the floor query returned ${e.floor.rows}`);
    if (e.ratio < TARGETS.exportRatio) missed.push(`export: ${e.full.rowsPerSec} rows/s = ${e.ratio}x the mariadb --quick floor (${e.floor.rowsPerSec} rows/s) < ${TARGETS.exportRatio}x`);
    if (e.full.ttfbMs >= TARGETS.exportTtfbMs) missed.push(`export: first byte after ${e.full.ttfbMs} ms >= ${TARGETS.exportTtfbMs} ms`);
    if (e.full.rssGrowthMb >= TARGETS.exportRssGrowthMb) missed.push(`export: app RSS grew ${e.full.rssGrowthMb} MB >= ${TARGETS.exportRssGrowthMb} MB`);
    if (e.full.rssGrowthMb > e.small.rssGrowthMb + TARGETS.exportRssFlatToleranceMb)
      missed.push(`export: RSS not flat: +${e.small.rssGrowthMb} MB at ${e.small.rows} rows vs +${e.full.rssGrowthMb} MB at ${e.full.rows} rows`);
  }
  if (r.usersExport) {
    const u = r.usersExport;
    if (u.status !== 200) missed.push(`users-with-tokens.csv: HTTP ${u.status}`);
    if (u.ttfbMs >= TARGETS.exportTtfbMs) missed.push(`users-with-tokens.csv: first byte after ${u.ttfbMs} ms >= ${TARGETS.exportTtfbMs} ms`);
    if (u.rssGrowthMb >= TARGETS.exportRssGrowthMb) missed.push(`users-with-tokens.csv: app RSS grew ${u.rssGrowthMb} MB >= ${TARGETS.exportRssGrowthMb} MB`);
  }
  if (!r.ingest) missed.push('ingestion: not measured (API not available)');
  else {
    if (r.ingest.eventsPerSec < TARGETS.ingestEventsPerSec) missed.push(`ingestion: ${r.ingest.eventsPerSec} events/s < ${TARGETS.ingestEventsPerSec}`);
    if (r.ingest.failedBatches || r.ingest.rejected) missed.push(`ingestion: ${r.ingest.failedBatches} failed batches, ${r.ingest.rejected} rejected events (${r.ingest.firstError})`);
  }
  if (r.params.quick && r.elapsedSec > TARGETS.quickRunSec) missed.push(`--quick run took ${r.elapsedSec} s > ${TARGETS.quickRunSec} s`);
  return missed;
}

const n = (x: number) => x.toLocaleString('en-US');
const ok = (b: boolean) => (b ? 'pass' : '**FAIL**');

export function renderMarkdown(r: BenchResults): string {
  const L: string[] = [];
  const T = { ...TARGETS, ...r.targets };
  const d = r.dataset;
  L.push(`## Benchmark results (${r.date.slice(0, 16).replace('T', ' ')} UTC${r.params.profile && r.params.profile !== 'default' ? `, profile ${r.params.profile}${r.params.scale && r.params.scale < 1 ? ` scaled x${r.params.scale}` : ''}` : ''}${r.params.quick ? ', --quick' : ''})`);
  L.push('');
  L.push(`Machine: ${r.machine}. ${r.database}.`);
  if (d) {
    L.push(
      `Dataset: ${n(d.counts.interactions)} interactions, ${n(d.counts.logins)} logins, ${n(d.counts.creditLedger)} credit ledger rows, ${n(d.counts.users)} users, ${d.counts.agents} agents, ${d.counts.groups} groups over ${d.params.months} months (${d.firstDay} .. ${d.lastDay}); ` +
        (d.reused ? `reused (built ${d.builtAt.slice(0, 16).replace('T', ' ')}; ` : '(') +
        `build ${d.timings.total} s: load ${d.timings.load_interactions_logins} s, indexes ${d.timings.add_indexes} s, **rollup rebuild ${d.timings.rebuild_rollups} s**).`,
    );
  }
  L.push(`Cold start (process start -> first 200 on /healthz): **${r.coldStartMs ?? '-'} ms**. Load: autocannon in a separate process, ${r.params.durationSec} s per URL per concurrency, loopback.`);
  L.push('');
  L.push('| Page / partial | p50 @1 | p95 @1 | req/s @1 | p50 @10 | p95 @10 | req/s @10 | errors | target |');
  L.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  const ids = [...new Set(r.pages.map((p) => p.id))];
  for (const id of ids) {
    const a = r.pages.find((p) => p.id === id && p.connections === 1);
    const b = r.pages.find((p) => p.id === id && p.connections === 10);
    const errs = (a ? a.errors + a.non2xx : 0) + (b ? b.errors + b.non2xx : 0);
    // the authorize call has its own, tighter targets (the same rule as checkTargets)
    const authorize = id.startsWith('authorize');
    const at1 = authorize ? T.authorizeP95At1 : T.p95At1;
    const at10 = authorize ? T.authorizeP95At10 : T.p95At10;
    const pass = (!a || a.p95 <= at1) && (!b || b.p95 <= at10) && errs === 0;
    L.push(
      `| \`${id.replace(/\|/g, '\\|')}\` | ${a?.p50 ?? '-'} | ${a?.p95 ?? '-'} | ${a?.rps ?? '-'} | ${b?.p50 ?? '-'} | ${b?.p95 ?? '-'} | ${b?.rps ?? '-'} | ${errs} | ${ok(pass)} |`,
    );
  }
  L.push('');
  L.push(`Latencies in ms${r.params.appWorkers && r.params.appWorkers > 1 ? ` (app with WEB_CONCURRENCY=${r.params.appWorkers})` : ''}. Targets: p95 <= ${T.p95At1} ms at 1 client, <= ${T.p95At10} ms at 10 clients, no errors.`);
  if (r.deep) L.push(`Deep Activity Logs: page ${n(r.deep.page)} of the top user (wanted ${n(r.deep.wanted)}), reached by following "Older" links; target: within ${TARGETS.deepFactor}x of the first page.`);
  if (r.placeholders.length) L.push(`Placeholder pages (not built yet when measured): ${r.placeholders.join('; ')}.`);
  L.push('');
  if (r.workerPages && r.workerPages.length > 1) {
    const runs = r.workerPages;
    L.push(`Pages at 10 clients by number of app processes (\`WEB_CONCURRENCY\`, \`--workers ${runs.map((x) => x.workers).join(',')}\`):`);
    L.push('');
    L.push(`| Page / partial | ${runs.map((x) => `p50 / p95 / req/s, ${x.workers} worker${x.workers > 1 ? 's' : ''}`).join(' | ')} |`);
    L.push(`| --- | ${runs.map(() => '---:').join(' | ')} |`);
    for (const id of [...new Set(runs[0].pages.map((p) => p.id))]) {
      const cells = runs.map((x) => {
        const p = x.pages.find((q) => q.id === id);
        return p ? `${p.p50} / ${p.p95} / ${p.rps}${p.errors + p.non2xx ? ` (${p.errors + p.non2xx} errors)` : ''}` : '-';
      });
      L.push(`| \`${id.replace(/\|/g, '\\|')}\` | ${cells.join(' | ')} |`);
    }
    L.push('');
  }
  if (r.exports) {
    const e = r.exports;
    L.push('| Export (generation-log.csv) | rows | rows/s | first byte | app RSS before -> peak (growth) |');
    L.push('| --- | ---: | ---: | ---: | --- |');
    L.push(`| through the app, ${e.small.url.includes('from=') ? 'smaller range' : 'full range'} | ${n(e.small.rows)} | ${n(e.small.rowsPerSec)} | ${e.small.ttfbMs} ms | ${e.small.rssBeforeMb} -> ${e.small.rssPeakMb} MB (+${e.small.rssGrowthMb}) |`);
    L.push(`| through the app, full 12-month window (${e.range.from} .. ${e.range.to}) | ${n(e.full.rows)} | ${n(e.full.rowsPerSec)} | ${e.full.ttfbMs} ms | ${e.full.rssBeforeMb} -> ${e.full.rssPeakMb} MB (+${e.full.rssGrowthMb}) |`);
    L.push(`| \`mariadb --quick -B -e\` same rows (raw columns), same run | ${n(e.floor.rows)} | ${n(e.floor.rowsPerSec)} | - | - |`);
    L.push('');
    L.push(
      `Export ratio **${e.ratio}x** the command-line floor (target >= ${TARGETS.exportRatio}x): ${ok(e.ratio >= TARGETS.exportRatio)}; first byte ${ok(e.full.ttfbMs < TARGETS.exportTtfbMs)}; RSS growth < ${TARGETS.exportRssGrowthMb} MB and flat: ${ok(e.full.rssGrowthMb < TARGETS.exportRssGrowthMb && e.full.rssGrowthMb <= e.small.rssGrowthMb + TARGETS.exportRssFlatToleranceMb)}.`,
    );
    L.push('');
  }
  if (r.usersExport) {
    const u = r.usersExport;
    L.push(`users-with-tokens.csv: ${n(u.rows)} rows, first byte **${u.ttfbMs} ms** (target < ${TARGETS.exportTtfbMs} ms): ${ok(u.ttfbMs < TARGETS.exportTtfbMs && u.status === 200)}; app RSS ${u.rssBeforeMb} -> ${u.rssPeakMb} MB (+${u.rssGrowthMb}).`);
    L.push('');
  }
  if (r.ingest) {
    const i = r.ingest;
    L.push(
      `Ingestion (POST /api/v1/events, batches of 1000, 4 concurrent senders, rollups and credits included): **${n(i.eventsPerSec)} events/s** (${n(i.accepted)} events in ${i.seconds} s after a warm-up of 8 batches; batch p50 ${i.batchP50} ms, p95 ${i.batchP95} ms; ${i.failedBatches} failed batches, ${i.rejected} rejected) — target >= ${n(TARGETS.ingestEventsPerSec)}: ${ok(i.eventsPerSec >= TARGETS.ingestEventsPerSec && !i.failedBatches)}.`,
    );
    L.push('');
  }
  L.push(`Whole run: ${r.elapsedSec} s.${r.loadAverage ? ` Machine load during the run (1-min load average, ${r.machine.split(' ')[0]} cores): mean ${r.loadAverage.mean}, max ${r.loadAverage.max}.` : ''}`);
  L.push('');
  for (const note of r.notes) L.push(`- Note: ${note}`);
  if (r.notes.length) L.push('');
  L.push(r.missed.length ? `**Missed targets (${r.missed.length}):**\n\n${r.missed.map((m) => `- ${m}`).join('\n')}` : '**Every target met.**');
  L.push('');
  return L.join('\n');
}

/** docs/bench.md with the results between its markers replaced by `md`; null without markers. */
export function spliceResults(doc: string, md: string): string | null {
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) return null;
  return doc.slice(0, a + start.length) + '\n' + md.replace(/^## /m, '### ').trim() + '\n' + doc.slice(b);
}
