import { type RouteCase, ADMIN_PAGE } from './types';

export const CREDITS_ROUTES: RouteCase[] = [
  { method: 'GET', path: '/admin/credits', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/notifications', expect: ADMIN_PAGE },
];
