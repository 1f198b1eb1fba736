import { type RouteCase, ADMIN_PAGE } from './types';

// POSTs: anonymous has no session, so CSRF fails first (403); members 403. Bodies are chosen so the
// rows do not change what other matrix rows rely on: invalid bodies (422), or no-op changes (303).
const ADMIN_POST_RECORD = { anonymous: 403, member: 403, otherAdmin: 404, admin: 303 };
const ADMIN_POST_INVALID = { anonymous: 403, member: 403, otherAdmin: 422, admin: 422 };

export const CREDITS_ROUTES: RouteCase[] = [
  { method: 'GET', path: '/admin/credits', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/credits?from=2026-01-01&to=2026-03-31&access=blocked&type=usage', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/credits/usage?from=2026-02-01&to=2026-01-01', expect: ADMIN_PAGE }, // reversed range: message, not an error page
  { method: 'GET', path: '/admin/credits/people?access=allowed&q=a&after=bogus', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/credits/ledger?type=added&before=bogus', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/credits/ledger.csv?from=2026-01-01&to=2026-01-31', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/credits/ledger.csv?from=2026-13-01', expect: { anonymous: 303, member: 403, otherAdmin: 400, admin: 400 } },
  { method: 'POST', path: '/admin/credits/packs', body: { kind: 'purchase', amount: 'lots' }, expect: ADMIN_POST_INVALID },
  { method: 'POST', path: '/admin/credits/adjustments', body: { amount: '0', note: '' }, expect: ADMIN_POST_INVALID },
  { method: 'POST', path: '/admin/credits/settings', body: { payg_cap: '-5', included_credits_per_period: '0' }, expect: ADMIN_POST_INVALID },
  { method: 'POST', path: '/admin/credits/prices', body: { grid_row: 'x' }, expect: ADMIN_POST_INVALID },
  { method: 'POST', path: (w) => `/admin/credits/users/${w.adminA}/access`, body: { allowed: 'true' }, expect: ADMIN_POST_RECORD },
  { method: 'POST', path: (w) => `/admin/credits/users/${w.userB}/access`, body: { allowed: 'true' }, expect: { anonymous: 403, member: 403, otherAdmin: 303, admin: 404 } },
  { method: 'POST', path: '/admin/credits/users/abc/access', body: { allowed: 'true' }, expect: { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 } },
  { method: 'POST', path: '/admin/credits/requests/999999/approve', body: {}, expect: { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 } },
  { method: 'POST', path: '/admin/credits/requests/999999/deny', body: {}, expect: { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 } },
  { method: 'GET', path: '/admin/notifications', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/notifications?show=unread&before=bogus', expect: ADMIN_PAGE },
  { method: 'POST', path: '/admin/notifications/read-all', body: {}, expect: { anonymous: 403, member: 403, otherAdmin: 303, admin: 303 } },
  { method: 'POST', path: '/admin/notifications/999999/read', body: {}, expect: { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 } },
  // /me: every signed-in user; the member may spend credits already (409: nothing to request).
  { method: 'GET', path: '/me', expect: { anonymous: 303, member: 200, otherAdmin: 200, admin: 200 } },
  { method: 'POST', path: '/me/credit-access-request', body: { note: '' }, expect: { anonymous: 403, member: 409, otherAdmin: 409, admin: 409 } },
];
