import { type RouteCase, ADMIN_PAGE } from './types';
import { CHARTS as CHART_REGISTRY } from '../../src/usage/chart-registry';

/** Every chart of the registry that every workspace sees (credits has its own rows below). */
const CHARTS = CHART_REGISTRY.filter((c) => !('onlyFor' in c)).map((c) => c.id);
const EXPORTS = ['generation-log', 'user-activity-log', 'user-log', 'agents-log', 'group-members-log'];

export const USAGE_ROUTES: RouteCase[] = [
  { method: 'GET', path: '/admin/usage', expect: ADMIN_PAGE },
  // the heatmap's state in the page URL renders it in place
  { method: 'GET', path: '/admin/usage?sort=name&dir=asc&q=a', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/usage?from=2026-02-30', expect: { anonymous: 303, member: 403, otherAdmin: 400, admin: 400 } },
  ...CHARTS.map((c): RouteCase => ({ method: 'GET', path: `/admin/usage/charts/${c}`, expect: ADMIN_PAGE })),
  // credit consumption exists only for credit-billed workspaces (alpha is; beta is on seats)
  { method: 'GET', path: '/admin/usage/charts/credits', expect: { anonymous: 303, member: 403, otherAdmin: 404, admin: 200 } },
  { method: 'GET', path: '/admin/usage/charts/unknown', expect: { anonymous: 303, member: 403, otherAdmin: 404, admin: 404 } },
  ...EXPORTS.map((e): RouteCase => ({ method: 'GET', path: `/admin/exports/${e}.csv`, expect: ADMIN_PAGE })),
  // include today, a reversed range on a chart partial and a malformed export range
  { method: 'GET', path: '/admin/usage?today=1', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/usage/charts/features?from=2026-11-10&to=2026-11-01', expect: { anonymous: 303, member: 403, otherAdmin: 400, admin: 400 } },
  { method: 'GET', path: '/admin/exports/generation-log.csv?from=nope', expect: { anonymous: 303, member: 403, otherAdmin: 400, admin: 400 } },
  { method: 'GET', path: '/admin/exports/user-activity-log.csv?from=2026-01-01&to=2026-01-31', expect: ADMIN_PAGE },
];
