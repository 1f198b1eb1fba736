// Benchmark profiles: the dataset's size, the database it lives in, how many app processes serve
// it and the targets it is held to. `npm run bench -- --profile enterprise` picks one; explicit
// flags (--interactions, --users, --database, --workers) still override a profile's values.

export interface ProfileTargets {
  p95At1: number;
  p95At10: number;
  /** POST /api/v1/authorize at 10 clients, when the profile's issue sets its own (default 20 ms) */
  authorizeP95At10?: number;
}

export interface BenchProfile {
  name: 'default' | 'enterprise';
  /** the issue the targets come from */
  issue: number;
  interactions: number;
  users: number;
  /** fixed roster sizes; undefined = derived from the user count (the default dataset's rule) */
  agents?: number;
  groups?: number;
  database: string;
  /** WEB_CONCURRENCY of the main run */
  appWorkers: number;
  /** worker counts measured side by side at 10 clients (the main run's count included) */
  workers: number[];
  targets: ProfileTargets;
  /** also measure every User Management sort (ascending) and filter on its last page */
  userListLastPages: boolean;
}

export const PROFILES: Record<'default' | 'enterprise', BenchProfile> = {
  default: {
    name: 'default',
    issue: 8,
    interactions: 5_000_000,
    users: 2000,
    database: 'usage_console_bench',
    appWorkers: 1,
    workers: [1],
    targets: { p95At1: 100, p95At10: 300 },
    userListLastPages: false,
  },
  enterprise: {
    name: 'enterprise',
    issue: 19,
    interactions: 20_000_000,
    users: 20_000,
    agents: 500,
    groups: 300,
    database: 'usage_console_bench_enterprise',
    appWorkers: 2,
    workers: [2, 1],
    targets: { p95At1: 150, p95At10: 400, authorizeP95At10: 10 },
    userListLastPages: true,
  },
};
