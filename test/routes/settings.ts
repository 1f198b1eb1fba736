import { type RouteCase, ADMIN_PAGE } from './types';

/** Workspace settings: the home page; each section's own routes are listed with its feature. */
export const SETTINGS_ROUTES: RouteCase[] = [{ method: 'GET', path: '/admin/settings', expect: ADMIN_PAGE }];
