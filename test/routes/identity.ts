import type { RouteCase } from './types';

/** SCIM needs a bearer key with the scim scope: a browser session alone is 401 for everyone. */
const SCIM_NO_KEY = { anonymous: 401, member: 401, otherAdmin: 401, admin: 401 };

export const IDENTITY_ROUTES: RouteCase[] = [
  ...['/ServiceProviderConfig', '/Schemas', '/Schemas/x', '/ResourceTypes', '/ResourceTypes/User', '/Users', '/Users/1', '/Groups', '/Groups/1'].map(
    (p): RouteCase => ({ method: 'GET', path: `/scim/v2${p}`, expect: SCIM_NO_KEY }),
  ),
  { method: 'POST', path: '/scim/v2/Users', expect: SCIM_NO_KEY },
  { method: 'PUT', path: '/scim/v2/Users/1', expect: SCIM_NO_KEY },
  { method: 'PATCH', path: '/scim/v2/Users/1', expect: SCIM_NO_KEY },
  { method: 'DELETE', path: '/scim/v2/Users/1', expect: SCIM_NO_KEY },
  { method: 'POST', path: '/scim/v2/Groups', expect: SCIM_NO_KEY },
  { method: 'PUT', path: '/scim/v2/Groups/1', expect: SCIM_NO_KEY },
  { method: 'PATCH', path: '/scim/v2/Groups/1', expect: SCIM_NO_KEY },
  { method: 'DELETE', path: '/scim/v2/Groups/1', expect: SCIM_NO_KEY },
];
