import { type RouteCase, ADMIN_PAGE } from './types';

export const USAGE_ROUTES: RouteCase[] = [{ method: 'GET', path: '/admin/usage', expect: ADMIN_PAGE }];
