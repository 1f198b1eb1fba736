// Every route joins the route x role matrix (test/route-matrix.test.ts). Each feature keeps its list.
import type { RouteCase } from './types';
import { SHELL_ROUTES } from './shell';
import { USERS_ROUTES } from './users';
import { TOKENS_ROUTES } from './tokens';
import { USAGE_ROUTES } from './usage';
import { CREDITS_ROUTES } from './credits';
import { INGEST_ROUTES } from './ingest';
import { SETTINGS_ROUTES } from './settings';
import { IDENTITY_ROUTES } from './identity';
import { ALERTS_ROUTES } from './alerts';
import { READAPI_ROUTES } from './readapi';
import { LIMITS_ROUTES } from './limits';
import { DATA_DICTIONARY_ROUTES } from './data-dictionary';

export const ALL_ROUTES: RouteCase[] = [...SHELL_ROUTES, ...USERS_ROUTES, ...TOKENS_ROUTES, ...USAGE_ROUTES, ...CREDITS_ROUTES, ...INGEST_ROUTES, ...SETTINGS_ROUTES, ...IDENTITY_ROUTES, ...ALERTS_ROUTES, ...READAPI_ROUTES, ...LIMITS_ROUTES, ...DATA_DICTIONARY_ROUTES];
