import { type RouteCase, ADMIN_PAGE, ADMIN_RECORD } from './types';

export const USERS_ROUTES: RouteCase[] = [
  { method: 'GET', path: '/admin/users', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/audit-log', expect: ADMIN_PAGE },
  { method: 'GET', path: (w) => `/admin/users/${w.userA}/logs`, expect: ADMIN_RECORD },
];
