import { type RouteCase, ADMIN_PAGE } from './types';

/** SCIM needs a bearer key with the scim scope: a browser session alone is 401 for everyone. */
const SCIM_NO_KEY = { anonymous: 401, member: 401, otherAdmin: 401, admin: 401 };
/** Admin form posts: anonymous has no CSRF token (403), members are refused (403). */
const ADMIN_POST = (admin: number, otherAdmin = admin) => ({ anonymous: 403, member: 403, otherAdmin, admin });

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

  // Sign-in: single sign-on and the second step are public pages (no session needed).
  { method: 'GET', path: '/login/sso', expect: { anonymous: 200, member: 303, otherAdmin: 303, admin: 303 } },
  // An unknown domain: the form answers 404 with the message (anonymous has no CSRF token: 403).
  { method: 'POST', path: '/login/sso', body: { email: 'someone@unknown.test' }, expect: { anonymous: 403, member: 404, otherAdmin: 404, admin: 404 } },
  // Without an attempt in progress: the e-mail form again / "start again" (signed in: home).
  { method: 'GET', path: '/login/sso/start', expect: { anonymous: 200, member: 303, otherAdmin: 303, admin: 303 } },
  { method: 'GET', path: '/login/sso/callback', expect: { anonymous: 400, member: 303, otherAdmin: 303, admin: 303 } },
  { method: 'GET', path: '/login/two-factor', expect: { anonymous: 303, member: 303, otherAdmin: 303, admin: 303 } },
  { method: 'POST', path: '/login/two-factor', body: { code: '123456' }, expect: { anonymous: 403, member: 303, otherAdmin: 303, admin: 303 } },

  // Everyone's own two-factor page.
  { method: 'GET', path: '/account/two-factor', expect: { anonymous: 303, member: 200, otherAdmin: 200, admin: 200 } },
  { method: 'POST', path: '/account/two-factor/setup', expect: { anonymous: 403, member: 303, otherAdmin: 303, admin: 303 } },
  { method: 'POST', path: '/account/two-factor/confirm', body: { code: '000000' }, expect: { anonymous: 403, member: 401, otherAdmin: 401, admin: 401 } },
  { method: 'POST', path: '/account/two-factor/recovery-codes', body: { code: '000000' }, expect: { anonymous: 403, member: 401, otherAdmin: 401, admin: 401 } },
  { method: 'POST', path: '/account/two-factor/disable', body: { code: '000000' }, expect: { anonymous: 403, member: 401, otherAdmin: 401, admin: 401 } },

  // Workspace settings -> Sign-in.
  { method: 'GET', path: '/admin/settings/sign-in', expect: ADMIN_PAGE },
  { method: 'POST', path: '/admin/settings/sign-in', body: { issuer: 'not a url', client_id: '' }, expect: ADMIN_POST(422) },
  { method: 'POST', path: '/admin/settings/sign-in/test', body: { issuer: '' }, expect: ADMIN_POST(422) },
  { method: 'POST', path: '/admin/settings/sign-in/group-roles', body: { group_name: 'Matrix Admins', role: 'admin' }, expect: ADMIN_POST(303) },
  { method: 'POST', path: '/admin/settings/sign-in/group-roles/2147480000/delete', expect: ADMIN_POST(404) },
  { method: 'POST', path: '/admin/settings/sign-in/policy', body: { require_totp_admins: '' }, expect: ADMIN_POST(303) },
  { method: 'POST', path: (w) => `/admin/settings/sign-in/two-factor/${w.userA}/reset`, expect: ADMIN_POST(303, 404) },
];
