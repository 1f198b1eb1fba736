import { type RouteCase, ADMIN_PAGE } from './types';

/** Query-string validation errors on an admin page: 400 for admins, guards first for everyone else. */
const ADMIN_BAD_QUERY = { anonymous: 303, member: 403, otherAdmin: 400, admin: 400 };

export const TOKENS_ROUTES: RouteCase[] = [
  { method: 'GET', path: '/admin/tokens', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/tokens?tab=usage', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/tokens?tab=usage&range=all', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/tokens?tab=monthly', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/tokens?tab=exports', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/tokens?tab=bogus', expect: ADMIN_BAD_QUERY },
  { method: 'GET', path: '/admin/tokens?tab=usage&range=forever', expect: ADMIN_BAD_QUERY },
  { method: 'GET', path: '/admin/exports/token-usage.csv', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/exports/users.csv', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/exports/users-with-tokens.csv', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/data-dictionary.csv', expect: ADMIN_PAGE },
];
