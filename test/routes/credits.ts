import { type RouteCase, ADMIN_PAGE } from './types';

// POSTs: anonymous has no session, so CSRF fails first (403); members 403. Bodies are chosen so the
// rows do not change what other matrix rows rely on: invalid bodies (422), or no-op changes (303).
const ADMIN_POST_RECORD = { anonymous: 403, member: 403, otherAdmin: 404, admin: 303 };

// Credit settings exist only for credit-billed workspaces: the other workspace's admin (beta) is
// seat-billed, so every credit page and POST is 404 for them.
const CREDIT_PAGE = { anonymous: 303, member: 403, otherAdmin: 404, admin: 200 };
const CREDIT_MOVED = { anonymous: 303, member: 403, otherAdmin: 404, admin: 301 };
const CREDIT_POST_INVALID = { anonymous: 403, member: 403, otherAdmin: 404, admin: 422 };

export const CREDITS_ROUTES: RouteCase[] = [
  { method: 'GET', path: '/admin/credits', expect: CREDIT_PAGE },
  // The single-page URLs of before redirect to the sub-page their parameters belong to.
  { method: 'GET', path: '/admin/credits?from=2026-01-01&to=2026-03-31', expect: CREDIT_MOVED },
  { method: 'GET', path: '/admin/credits?access=blocked', expect: CREDIT_MOVED },
  { method: 'GET', path: '/admin/credits?type=usage', expect: CREDIT_MOVED },
  { method: 'GET', path: '/admin/credits?saved=settings', expect: CREDIT_MOVED },
  { method: 'GET', path: '/admin/credits/usage', expect: CREDIT_PAGE },
  { method: 'GET', path: '/admin/credits/usage?from=2026-02-01&to=2026-01-01', expect: { ...CREDIT_PAGE, admin: 400 } }, // reversed range: the form with the message
  { method: 'GET', path: '/admin/credits/usage?from=8999-12-31&to=8999-12-31&upage=999', expect: CREDIT_PAGE }, // outside the window: clamped with a note
  // Not a day the console accepts (years 1000-8999): a 400 with the message, never a 500.
  { method: 'GET', path: '/admin/credits/usage?from=9999-12-31&to=9999-12-31', expect: { ...CREDIT_PAGE, admin: 400 } },
  { method: 'GET', path: '/admin/credits/packs?page=2', expect: CREDIT_PAGE },
  { method: 'GET', path: '/admin/credits/payg', expect: CREDIT_PAGE },
  { method: 'GET', path: '/admin/credits/people?access=allowed&q=a&after=bogus', expect: CREDIT_PAGE },
  { method: 'GET', path: `/admin/credits/people?q=${'x'.repeat(201)}&after=${'y'.repeat(401)}`, expect: { ...CREDIT_PAGE, admin: 400 } },
  { method: 'GET', path: '/admin/credits/ledger?type=added&before=bogus', expect: CREDIT_PAGE },
  { method: 'GET', path: `/admin/credits/ledger?before=${'z'.repeat(401)}`, expect: CREDIT_PAGE },
  { method: 'GET', path: '/admin/credits/estimate', expect: CREDIT_PAGE },
  { method: 'GET', path: '/admin/credits/estimate?action=api&quantity=3', expect: CREDIT_PAGE },
  { method: 'GET', path: '/admin/credits/estimate?action=api&quantity=lots', expect: { ...CREDIT_PAGE, admin: 400 } },
  { method: 'GET', path: '/admin/credits/ledger.csv?from=2026-01-01&to=2026-01-31', expect: CREDIT_PAGE },
  { method: 'GET', path: '/admin/credits/ledger.csv?from=2026-13-01', expect: { anonymous: 303, member: 403, otherAdmin: 404, admin: 400 } },
  { method: 'POST', path: '/admin/credits/packs', body: { kind: 'purchase', amount: 'lots' }, expect: CREDIT_POST_INVALID },
  { method: 'POST', path: '/admin/credits/adjustments', body: { amount: '0', note: '' }, expect: CREDIT_POST_INVALID },
  { method: 'POST', path: '/admin/credits/settings', body: { payg_cap: '-5', included_credits_per_period: '0' }, expect: CREDIT_POST_INVALID },
  { method: 'POST', path: '/admin/credits/prices', body: { grid_row: 'x' }, expect: CREDIT_POST_INVALID },
  { method: 'POST', path: (w) => `/admin/credits/users/${w.adminA}/access`, body: { allowed: 'true' }, expect: ADMIN_POST_RECORD },
  // beta's own user: beta is seat-billed (404); alpha's admin cannot see beta's users (404).
  { method: 'POST', path: (w) => `/admin/credits/users/${w.userB}/access`, body: { allowed: 'true' }, expect: { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 } },
  { method: 'POST', path: '/admin/credits/users/abc/access', body: { allowed: 'true' }, expect: { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 } },
  { method: 'POST', path: '/admin/credits/requests/999999/approve', body: {}, expect: { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 } },
  { method: 'POST', path: '/admin/credits/requests/999999/deny', body: {}, expect: { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 } },
  { method: 'GET', path: '/admin/notifications', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/notifications?show=unread&before=bogus', expect: ADMIN_PAGE },
  { method: 'GET', path: `/admin/notifications?before=${'b'.repeat(301)}`, expect: ADMIN_PAGE },
  { method: 'POST', path: '/admin/notifications/read-all', body: {}, expect: { anonymous: 403, member: 403, otherAdmin: 303, admin: 303 } },
  { method: 'POST', path: '/admin/notifications/999999/read', body: {}, expect: { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 } },
  // /me: every signed-in user; the member may spend credits already (409: nothing to request).
  { method: 'GET', path: '/me', expect: { anonymous: 303, member: 200, otherAdmin: 200, admin: 200 } },
  { method: 'POST', path: '/me/credit-access-request', body: { note: '' }, expect: { anonymous: 403, member: 409, otherAdmin: 409, admin: 409 } },
];
