import { type RouteCase, ADMIN_PAGE } from './types';

/** No bearer key: every API call is 401 whoever the browser session belongs to. */
const API_NO_KEY = { anonymous: 401, member: 401, otherAdmin: 401, admin: 401 };

/** Read API (src/api/) and Workspace settings → Data retention (src/retention/). */
export const READAPI_ROUTES: RouteCase[] = [
  { method: 'GET', path: '/api/v1/usage', expect: API_NO_KEY },
  { method: 'GET', path: '/api/v1/users', expect: API_NO_KEY },
  { method: 'GET', path: (w) => `/api/v1/users/${w.memberA}/interactions`, expect: API_NO_KEY },
  { method: 'GET', path: '/admin/settings/retention', expect: ADMIN_PAGE },
  // An empty form changes nothing (forever stays forever): redirect back to the page.
  { method: 'POST', path: '/admin/settings/retention', body: { prompt_days: '', raw_months: '' }, expect: { anonymous: 403, member: 403, otherAdmin: 303, admin: 303 } },
];
