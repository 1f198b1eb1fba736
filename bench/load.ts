// The load generator, run as a SEPARATE process by bench/run.ts so the client's CPU is not the
// app's: `tsx bench/load.ts <job.json> <result.json>`.
// - mode "pages": autocannon against each target URL, at each concurrency, for a bounded time;
//   every response time is recorded so p50/p95 are exact (autocannon's summary has no p95).
// - mode "ingest": N concurrent senders POST pre-built batches to /api/v1/events.
import fs from 'node:fs';
import autocannon from 'autocannon';

export interface PageTarget {
  id: string;
  url: string; // absolute, loopback
  headers: Record<string, string>;
  /** POST targets (the authorize call) carry a method and a body; pages are GETs */
  method?: 'GET' | 'POST';
  body?: string;
}

export interface PagesJob {
  mode: 'pages';
  targets: PageTarget[];
  connections: number[];
  durationSec: number;
  warmupRequests: number;
}

export interface IngestJob {
  mode: 'ingest';
  url: string;
  apiKey: string;
  senders: number;
  /** batches sent (by the same senders) before the clock starts: sustained rate, not first-touch */
  warmupBatches: number;
  /** file holding one JSON body per line */
  bodiesFile: string;
  maxSeconds: number;
}

export interface LatencyResult {
  id: string;
  url: string;
  connections: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number; // socket errors + timeouts
  non2xx: number;
  statusCounts: Record<string, number>;
  bytesPerReq: number;
}

export interface IngestResult {
  batches: number;
  events: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  failedBatches: number;
  seconds: number;
  eventsPerSec: number;
  batchP50: number;
  batchP95: number;
  firstError: string | null;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function warm(t: PageTarget, n: number) {
  for (let i = 0; i < n; i++) {
    const r = await fetch(t.url, { method: t.method ?? 'GET', headers: t.headers, body: t.body, redirect: 'manual' });
    await r.arrayBuffer();
  }
}

function runOne(t: PageTarget, connections: number, durationSec: number): Promise<LatencyResult> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const statusCounts: Record<string, number> = {};
    const inst = autocannon(
      { url: t.url, method: t.method ?? 'GET', body: t.body, headers: t.headers, connections, duration: durationSec, pipelining: 1, timeout: 30, renderProgressBar: false } as autocannon.Options,
      (err, res) => {
        if (err) return reject(err);
        times.sort((a, b) => a - b);
        const non2xx = Object.entries(statusCounts)
          .filter(([s]) => !s.startsWith('2'))
          .reduce((a, [, n]) => a + n, 0);
        resolve({
          id: t.id,
          url: t.url,
          connections,
          requests: times.length,
          rps: round(times.length / durationSec),
          p50: round(percentile(times, 50)),
          p95: round(percentile(times, 95)),
          p99: round(percentile(times, 99)),
          max: round(times[times.length - 1] ?? NaN),
          errors: res.errors + res.timeouts,
          non2xx,
          statusCounts,
          bytesPerReq: times.length ? Math.round(res.throughput.total / times.length) : 0,
        });
      },
    );
    inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      times.push(ms);
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    });
  });
}

async function runPages(job: PagesJob): Promise<LatencyResult[]> {
  const out: LatencyResult[] = [];
  for (const t of job.targets) {
    await warm(t, job.warmupRequests);
    for (const c of job.connections) {
      const r = await runOne(t, c, job.durationSec);
      process.stderr.write(`    ${t.id.padEnd(42)} c=${String(c).padStart(2)}  p50 ${String(r.p50).padStart(6)} ms  p95 ${String(r.p95).padStart(6)} ms  ${String(r.rps).padStart(6)} req/s${r.non2xx + r.errors ? `  ERRORS ${r.non2xx + r.errors}` : ''}\n`);
      out.push(r);
    }
  }
  return out;
}

async function runIngest(job: IngestJob): Promise<IngestResult> {
  const bodies = fs.readFileSync(job.bodiesFile, 'utf8').split('\n').filter(Boolean);
  let next = 0;
  const res: IngestResult = {
    batches: 0,
    events: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    failedBatches: 0,
    seconds: 0,
    eventsPerSec: 0,
    batchP50: 0,
    batchP95: 0,
    firstError: null,
  };
  const times: number[] = [];
  const post = (body: string) =>
    fetch(job.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${job.apiKey}` }, body });
  const warm = bodies.slice(0, job.warmupBatches);
  next = warm.length;
  await Promise.all(
    Array.from({ length: job.senders }, async (_, i) => {
      for (let k = i; k < warm.length; k += job.senders) await (await post(warm[k])).arrayBuffer();
    }),
  );
  const started = performance.now();
  const deadline = started + job.maxSeconds * 1000;
  const sender = async () => {
    while (next < bodies.length && performance.now() < deadline) {
      const body = bodies[next++];
      const t = performance.now();
      const r = await post(body);
      const text = await r.text();
      times.push(performance.now() - t);
      res.batches++;
      if (r.status >= 200 && r.status < 300) {
        try {
          const j = JSON.parse(text) as { accepted: number; duplicates: number; rejected: unknown[] };
          res.accepted += j.accepted;
          res.duplicates += j.duplicates;
          res.rejected += j.rejected?.length ?? 0;
          if (j.rejected?.length && !res.firstError) res.firstError = JSON.stringify(j.rejected[0]).slice(0, 300);
        } catch {
          res.failedBatches++;
        }
      } else {
        res.failedBatches++;
        if (!res.firstError) res.firstError = `HTTP ${r.status}: ${text.slice(0, 300)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: job.senders }, sender));
  res.seconds = round((performance.now() - started) / 1000, 2);
  res.events = res.accepted + res.duplicates + res.rejected;
  res.eventsPerSec = Math.round(res.accepted / res.seconds);
  times.sort((a, b) => a - b);
  res.batchP50 = round(percentile(times, 50));
  res.batchP95 = round(percentile(times, 95));
  return res;
}

async function main() {
  const [jobFile, outFile] = process.argv.slice(2);
  const job = JSON.parse(fs.readFileSync(jobFile, 'utf8')) as PagesJob | IngestJob;
  const result = job.mode === 'pages' ? await runPages(job) : await runIngest(job);
  fs.writeFileSync(outFile, JSON.stringify(result));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
