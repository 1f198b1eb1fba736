import { type RouteCase, ADMIN_PAGE } from './types';

/** No bearer key: the API is 401 whoever the browser session belongs to. */
const API_NO_KEY = { anonymous: 401, member: 401, otherAdmin: 401, admin: 401 };
/** A record that exists in no workspace: admins get 404, the rest never reach the handler. */
const MISSING_POST = { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 };

/** Layered limits: the authorize call, the settings page, /me's limits. */
export const LIMITS_ROUTES: RouteCase[] = [
  { method: 'POST', path: '/api/v1/authorize', expect: API_NO_KEY },
  { method: 'GET', path: '/admin/settings/limits', expect: ADMIN_PAGE },
  {
    method: 'POST',
    path: '/admin/settings/limits',
    body: { layer: 'workspace', metric: 'inference', period: 'month', amount: '1000', mode: 'soft' },
    expect: { anonymous: 403, member: 403, otherAdmin: 303, admin: 303 },
  },
  { method: 'GET', path: '/admin/settings/limits?edit=2147480000', expect: { anonymous: 303, member: 403, otherAdmin: 404, admin: 404 } },
  { method: 'POST', path: '/admin/settings/limits/2147480000', body: { layer: 'workspace', metric: 'inference', period: 'month', amount: '1', mode: 'soft' }, expect: MISSING_POST },
  { method: 'POST', path: '/admin/settings/limits/2147480000/delete', expect: MISSING_POST },
  { method: 'POST', path: '/admin/settings/limits/requests/2147480000', body: { decision: 'deny' }, expect: MISSING_POST },
];

LIMITS_ROUTES.push({
  method: 'POST',
  path: '/me/limits/requests',
  body: { limit: 'inference:month', amount: '1000', expires_at: '2099-01-01T00:00' },
  // members and admins alike may ask; the redirect goes back to /me
  expect: { anonymous: 403, member: 303, otherAdmin: 303, admin: 303 },
});

LIMITS_ROUTES.push(
  { method: 'GET', path: '/admin/settings/limits/status', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/settings/limits/showback', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/settings/limits/showback.csv', expect: ADMIN_PAGE },
);
