import { type RouteCase } from './types';

/** No bearer key: the API is 401 whoever the browser session belongs to. */
const API_NO_KEY = { anonymous: 401, member: 401, otherAdmin: 401, admin: 401 };

/** Layered limits: the authorize call, the settings page, /me's limits. */
export const LIMITS_ROUTES: RouteCase[] = [{ method: 'POST', path: '/api/v1/authorize', expect: API_NO_KEY }];
