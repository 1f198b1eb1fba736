import { type RouteCase, ADMIN_PAGE } from './types';

/** No bearer key: every API call is 401 whoever the browser session belongs to. */
const API_NO_KEY = { anonymous: 401, member: 401, otherAdmin: 401, admin: 401 };

export const INGEST_ROUTES: RouteCase[] = [
  { method: 'GET', path: '/admin/api-keys', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/api-keys/docs', expect: ADMIN_PAGE },
  // Anonymous form posts carry no valid CSRF token (403 before any route runs).
  { method: 'POST', path: '/admin/api-keys', body: { name: 'matrix key' }, expect: { anonymous: 403, member: 403, otherAdmin: 201, admin: 201 } },
  { method: 'POST', path: '/admin/api-keys/2147480000/revoke', expect: { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 } },
  { method: 'GET', path: '/api/v1/openapi.json', expect: { anonymous: 200, member: 200, otherAdmin: 200, admin: 200 } },
  { method: 'POST', path: '/api/v1/events', expect: API_NO_KEY },
  { method: 'POST', path: '/api/v1/logins', expect: API_NO_KEY },
  { method: 'PUT', path: '/api/v1/users/member@alpha.test', expect: API_NO_KEY },
  { method: 'PUT', path: '/api/v1/agents/a1', expect: API_NO_KEY },
  { method: 'PUT', path: '/api/v1/groups/g1', expect: API_NO_KEY },
  { method: 'POST', path: '/api/v1/credits/quote', expect: API_NO_KEY },
];
