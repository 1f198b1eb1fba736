import { type RouteCase, ADMIN_PAGE } from './types';

export const INGEST_ROUTES: RouteCase[] = [{ method: 'GET', path: '/admin/api-keys', expect: ADMIN_PAGE }];
