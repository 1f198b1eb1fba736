import { type RouteCase, ADMIN_PAGE } from './types';

export const TOKENS_ROUTES: RouteCase[] = [{ method: 'GET', path: '/admin/tokens', expect: ADMIN_PAGE }];
