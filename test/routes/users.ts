import { type RouteCase, ADMIN_PAGE, ADMIN_RECORD } from './types';

// POSTs: anonymous has no session, so CSRF fails first (403); members 403; the other workspace's admin
// 404 (the id is not in their workspace); the admin is redirected back (303). Bodies are no-op-safe:
// they do not change what other matrix rows rely on (memberA stays an active member).
const ADMIN_POST_RECORD = { anonymous: 403, member: 403, otherAdmin: 404, admin: 303 };

export const USERS_ROUTES: RouteCase[] = [
  { method: 'GET', path: '/admin/users', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/users?sort=monthly&dir=desc&status=active', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/users?limit_status=over&sort=limit_use&dir=desc', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/users?limit_status=bogus', expect: { anonymous: 303, member: 403, otherAdmin: 400, admin: 400 } },
  { method: 'GET', path: '/admin/users/summary', expect: { anonymous: 303, member: 403, otherAdmin: 303, admin: 303 } },
  { method: 'GET', path: '/admin/users/new', expect: ADMIN_PAGE },
  { method: 'POST', path: '/admin/users', body: { email: 'matrix-invite@example.test', name: 'Matrix', role: 'member', max_inference_tokens: 'x', max_embedding_tokens: '0' }, expect: { anonymous: 403, member: 403, otherAdmin: 422, admin: 422 } },
  { method: 'POST', path: (w) => `/admin/users/bulk-allocation?x=${w.memberA}`, body: { max_inference_tokens: '0' }, expect: { anonymous: 403, member: 403, otherAdmin: 422, admin: 422 } },
  { method: 'GET', path: (w) => `/admin/users/${w.userA}/row`, expect: ADMIN_RECORD_REDIRECT() },
  { method: 'GET', path: (w) => `/admin/users/${w.userA}/allocation`, expect: ADMIN_RECORD },
  { method: 'POST', path: (w) => `/admin/users/${w.userA}/allocation`, body: { max_inference_tokens: '0', max_embedding_tokens: '0' }, expect: ADMIN_POST_RECORD },
  { method: 'POST', path: (w) => `/admin/users/${w.userA}/credit-access`, body: { allowed: '1' }, expect: ADMIN_POST_RECORD },
  { method: 'POST', path: (w) => `/admin/users/${w.userA}/role`, body: { role: 'member' }, expect: ADMIN_POST_RECORD },
  { method: 'POST', path: (w) => `/admin/users/${w.userA}/restore`, body: {}, expect: ADMIN_POST_RECORD },
  { method: 'POST', path: (w) => `/admin/users/${w.userB}/revoke`, body: {}, expect: { anonymous: 403, member: 403, otherAdmin: 303, admin: 404 } }, // otherAdmin is beta's last admin: refused, redirected back
  { method: 'GET', path: (w) => `/admin/users/${w.userA}/logs`, expect: ADMIN_RECORD },
  { method: 'GET', path: (w) => `/admin/users/${w.userA}/logs?model=gpt-4o&training=no&before=2026-01-01T00:00:00.000Z_5`, expect: ADMIN_RECORD },
  { method: 'GET', path: (w) => `/admin/users/${w.userA}/logs.csv`, expect: ADMIN_RECORD },
  { method: 'GET', path: (w) => `/admin/users/${w.userA}/logs/totals?model=gpt-4o`, expect: ADMIN_RECORD_REDIRECT() }, // htmx fragment; browsers go to the log with totals=1
  { method: 'GET', path: (w) => `/admin/users/${w.userA}/logs?surface=chat&totals=1`, expect: ADMIN_RECORD },
  { method: 'GET', path: (w) => `/admin/users/${w.userB}/logs`, expect: { anonymous: 303, member: 403, otherAdmin: 200, admin: 404 } },
  { method: 'GET', path: '/admin/users/999999/logs', expect: { anonymous: 303, member: 403, otherAdmin: 404, admin: 404 } },
  { method: 'GET', path: '/admin/audit-log', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/audit-log?action=user.role.update&from=2026-01-01', expect: ADMIN_PAGE },
];

/** The row partial is htmx-only: a browser (no HX-Request) is redirected back to the list. */
function ADMIN_RECORD_REDIRECT() {
  return { anonymous: 303, member: 403, otherAdmin: 404, admin: 303 };
}
