// The benchmark harness's own logic: reading URLs out of the app's HTML, de-duplicating partials,
// percentiles and the target checks (a bench that cannot fail is worthless).
import { expect } from 'chai';
import { hxGets, isPlaceholder, olderLink } from '../../bench/html';
import { shapeOf, userListLastPages } from '../../bench/routes';
import { LIMIT_STATUS_FILTERS } from '../../src/users/limit-info';
import { PROFILES } from '../../bench/profiles';
import { SORT_KEYS } from '../../src/users/queries';
import { percentile } from '../../bench/load';
import { checkTargets, spliceResults, type BenchResults } from '../../bench/report';
import type { LatencyResult } from '../../bench/load';

function page(id: string, connections: number, p95: number, extra: Partial<LatencyResult> = {}): LatencyResult {
  return { id, url: '/x', connections, requests: 100, rps: 10, p50: p95 / 2, p95, p99: p95, max: p95, errors: 0, non2xx: 0, statusCounts: { 200: 100 }, bytesPerReq: 1000, ...extra };
}

function results(over: Partial<BenchResults> = {}): BenchResults {
  const exp = { url: '/e', status: 200, rows: 1000, bytes: 1, seconds: 1, rowsPerSec: 300_000, ttfbMs: 50, rssBeforeMb: 100, rssPeakMb: 120, rssGrowthMb: 20 };
  return {
    date: '2026-11-25T00:00:00Z',
    machine: 'm',
    database: 'd',
    params: { interactions: 5_000_000, users: 2000, months: 13, quick: false, durationSec: 5 },
    dataset: null,
    coldStartMs: 500,
    pages: [page('activity', 1, 20), page('activity', 10, 80), page('activity deep (page 1000)', 1, 30), page('activity deep (page 1000)', 10, 100)],
    placeholders: [],
    deep: { firstUrl: '/a', deepUrl: '/b', page: 1000, wanted: 1000 },
    exports: { small: { ...exp, rssGrowthMb: 15 }, full: { ...exp, rows: 5000 }, floor: { sql: 's', rows: 5000, bytes: 1, seconds: 1, rowsPerSec: 400_000 }, ratio: 0.75, range: { from: 'a', to: 'b' } },
    ingest: { batches: 160, events: 160_000, accepted: 160_000, duplicates: 0, rejected: 0, failedBatches: 0, seconds: 8, eventsPerSec: 20_000, batchP50: 100, batchP95: 200, firstError: null },
    notes: [],
    missed: [],
    elapsedSec: 100,
    loadAverage: null,
    ...over,
  };
}

describe('bench: harness', () => {
  it('reads hx-get URLs (entities decoded) and the "Older" link of the real Activity Logs markup', () => {
    const html = `<div hx-get="/admin/usage/charts/heatmap?from=2025-11-25&amp;to=2026-11-24" hx-trigger="load"></div>
      <th><a href="/admin/users?sort=email" hx-get:inherited="/admin/users?sort=email&amp;dir=desc">Email</a></th>
      <nav><a class="btn btn-small" rel="prev" href="/admin/users/7/logs?after=x" hx-get="/admin/users/7/logs?after=x">← Newer</a>
      <a class="btn btn-small" rel="next" href="/admin/users/7/logs?before=2026-11-25T19%3A13%3A04.054Z_5&amp;kind=all" hx-get="/admin/users/7/logs?before=z" data-testid="logs-older">Older →</a></nav>`;
    expect(hxGets(html)).to.deep.equal([
      '/admin/usage/charts/heatmap?from=2025-11-25&to=2026-11-24',
      '/admin/users?sort=email&dir=desc',
      '/admin/users/7/logs?after=x',
      '/admin/users/7/logs?before=z',
    ]);
    expect(olderLink(html)).to.equal('/admin/users/7/logs?before=2026-11-25T19%3A13%3A04.054Z_5&kind=all');
    expect(olderLink('<a rel="prev" href="/p">← Newer</a>')).to.equal(null);
  });

  it('tells a placeholder page from a built one', () => {
    expect(isPlaceholder('<div class="empty-state">\n  <h2>Coming soon</h2>')).to.equal(true);
    expect(isPlaceholder('<h2>Users</h2><p>Coming soon: bulk edit</p>')).to.equal(false);
  });

  it('counts a row menu once whatever the row, but keeps different sorts apart', () => {
    expect(shapeOf('/admin/users/12/allocation?return=%2Fadmin%2Fusers')).to.equal(shapeOf('/admin/users/13/allocation?return=%2Fadmin%2Fusers'));
    expect(shapeOf('/admin/users?sort=email')).to.not.equal(shapeOf('/admin/users?sort=monthly'));
    expect(shapeOf('/admin/users?page=2')).to.equal(shapeOf('/admin/users?page=3'));
  });

  it('computes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(xs, 50)).to.equal(50);
    expect(percentile(xs, 95)).to.equal(95);
    expect(percentile([7], 95)).to.equal(7);
    expect(Number.isNaN(percentile([], 50))).to.equal(true);
  });

  it('passes a run that meets every target', () => {
    expect(checkTargets(results())).to.deep.equal([]);
  });

  it('holds a run to its profile: the enterprise page targets are 150 ms at 1 client and 400 ms at 10', () => {
    const pages = [...results().pages, page('users', 1, 120), page('users', 10, 350)];
    expect(checkTargets(results({ pages }))).to.deep.equal(['users at 1 client(s): p95 120 ms > 100 ms', 'users at 10 client(s): p95 350 ms > 300 ms']);
    expect(checkTargets(results({ pages, targets: PROFILES.enterprise.targets }))).to.deep.equal([]);
    const slow = [...results().pages, page('users', 1, 151), page('users', 10, 401)];
    expect(checkTargets(results({ pages: slow, targets: PROFILES.enterprise.targets }))).to.deep.equal(['users at 1 client(s): p95 151 ms > 150 ms', 'users at 10 client(s): p95 401 ms > 400 ms']);
  });

  it("checks the enterprise profile's users-with-tokens.csv first byte", () => {
    const exp = { url: '/u', status: 200, rows: 20_000, bytes: 1, seconds: 1, rowsPerSec: 20_000, ttfbMs: 300, rssBeforeMb: 100, rssPeakMb: 110, rssGrowthMb: 10 };
    expect(checkTargets(results({ usersExport: exp }))).to.deep.equal([]);
    expect(checkTargets(results({ usersExport: { ...exp, ttfbMs: 1000 } }))).to.deep.equal(['users-with-tokens.csv: first byte after 1000 ms >= 1000 ms']);
  });

  it('enterprise profile: 20M interactions, 20,000 users, 500 agents, 300 groups, its own database, 2 workers beside 1', () => {
    const e = PROFILES.enterprise;
    expect([e.interactions, e.users, e.agents, e.groups, e.appWorkers]).to.deep.equal([20_000_000, 20_000, 500, 300, 2]);
    expect(e.workers).to.include(1);
    expect(e.database).to.not.equal(PROFILES.default.database);
  });

  it('measures every User Management sort and filter on its last page', () => {
    const specs = userListLastPages('Sales');
    const ctx = { from: 'a', to: 'b', topUserId: 1, search: 's' };
    const urls = specs.map((s) => new URL(s.path(ctx), 'http://x'));
    for (const k of SORT_KEYS) expect(urls.some((u) => u.searchParams.get('sort') === k && !u.searchParams.get('dir')), k).to.equal(true);
    for (const f of ['status', 'role', 'credit', 'allocation', 'department', 'q']) expect(urls.some((u) => u.searchParams.has(f)), f).to.equal(true);
    // every limit status, and the limit use sort both ways
    for (const v of LIMIT_STATUS_FILTERS) expect(urls.some((u) => u.searchParams.get('limit_status') === v), v).to.equal(true);
    expect(urls.some((u) => u.searchParams.get('sort') === 'limit_use' && u.searchParams.get('dir') === 'desc')).to.equal(true);
    // page=100000 is beyond any roster: the list clamps it to the last page
    for (const u of urls) expect(u.searchParams.get('page')).to.equal('100000');
    expect(new Set(specs.map((s) => s.id)).size).to.equal(specs.length);
  });

  it('misses the deep page when the data holds fewer than 1,000 pages (full runs)', () => {
    expect(checkTargets(results({ deep: { firstUrl: '/a', deepUrl: '/b', page: 151, wanted: 1000 } }))).to.deep.equal(['deep Activity Logs: only 151 pages exist/followed (wanted 1000)']);
  });

  it('names every missed target', () => {
    const missed = checkTargets(
      results({
        placeholders: ['Usage: /admin/usage'],
        pages: [
          page('activity', 1, 20),
          page('activity', 10, 80),
          page('activity deep (page 1000)', 1, 41), // > 2x 20
          page('activity deep (page 1000)', 10, 100),
          page('users', 1, 101),
          page('users', 10, 301, { non2xx: 3, statusCounts: { 200: 97, 500: 3 } }),
        ],
        exports: {
          small: { url: '/e', status: 200, rows: 1_000_000, bytes: 1, seconds: 1, rowsPerSec: 1, ttfbMs: 1, rssBeforeMb: 1, rssPeakMb: 1, rssGrowthMb: 10 },
          full: { url: '/e', status: 200, rows: 4_000_000, bytes: 1, seconds: 1, rowsPerSec: 200_000, ttfbMs: 1500, rssBeforeMb: 100, rssPeakMb: 260, rssGrowthMb: 160 },
          floor: { sql: 's', rows: 4_000_001, bytes: 1, seconds: 1, rowsPerSec: 400_000 },
          ratio: 0.5,
          range: { from: 'a', to: 'b' },
        },
        ingest: { batches: 10, events: 10_000, accepted: 10_000, duplicates: 0, rejected: 0, failedBatches: 1, seconds: 1, eventsPerSec: 9000, batchP50: 1, batchP95: 1, firstError: 'HTTP 503' },
      }),
    );
    const text = missed.join('\n');
    expect(text).to.include('placeholder page');
    expect(text).to.include('users at 1 client(s): p95 101 ms > 100 ms');
    expect(text).to.include('users at 10 client(s): p95 301 ms > 300 ms');
    expect(text).to.include('users at 10 client(s): 3 errors');
    expect(text).to.include('deep Activity Logs at 1 client(s): p95 41 ms > 2x first page (20 ms)');
    expect(text).to.include('0.5x the mariadb --quick floor');
    expect(text).to.include('first byte after 1500 ms');
    expect(text).to.include('RSS grew 160 MB');
    expect(text).to.include('RSS not flat');
    expect(text).to.include('4000000 CSV rows but the floor query returned 4000001');
    expect(text).to.include('ingestion: 9000 events/s < 15000');
    expect(text).to.include('1 failed batches');
    expect(missed).to.have.length(12);
  });

  it('fails a --quick run over 3 minutes and a missing export or ingestion', () => {
    const missed = checkTargets(
      results({ params: { interactions: 200_000, users: 2000, months: 13, quick: true, durationSec: 1 }, elapsedSec: 181, exports: null, ingest: null, deep: { firstUrl: '/a', deepUrl: '/b', page: 151, wanted: 1000 } }),
    );
    expect(missed).to.deep.equal(['export: generation-log.csv not measured (not available)', 'ingestion: not measured (API not available)', '--quick run took 181 s > 180 s']);
  });

  it('replaces only the results section of docs/bench.md', () => {
    const doc = '# Bench\n\n## Results\n\n<!-- bench:results:start -->\nold table\n<!-- bench:results:end -->\n\n## After\nkept\n';
    const out = spliceResults(doc, '## Benchmark results (x)\n\n| a |\n');
    expect(out).to.equal('# Bench\n\n## Results\n\n<!-- bench:results:start -->\n### Benchmark results (x)\n\n| a |\n<!-- bench:results:end -->\n\n## After\nkept\n');
    expect(spliceResults(out!, '## Again\n')).to.include('<!-- bench:results:start -->\n### Again\n<!-- bench:results:end -->');
    expect(spliceResults('no markers', '## x')).to.equal(null);
  });
});
