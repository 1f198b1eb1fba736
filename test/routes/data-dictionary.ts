import { type RouteCase, ADMIN_PAGE } from './types';

/** The data dictionary as a PDF (the page and the CSV are in shell.ts and tokens.ts). */
export const DATA_DICTIONARY_ROUTES: RouteCase[] = [{ method: 'GET', path: '/admin/data-dictionary.pdf', expect: ADMIN_PAGE }];
