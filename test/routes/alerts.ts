import { type RouteCase, ADMIN_PAGE } from './types';

// Workspace settings → Alerts: rules, webhook endpoints, scheduled reports. Records of workspace A
// versus another workspace's admin (404) are covered in test/alerts/pages.test.ts with real ids;
// here unknown ids are 404 for everyone and invalid bodies 422.
const POST_INVALID = { anonymous: 403, member: 403, otherAdmin: 422, admin: 422 };
const POST_MISSING = { anonymous: 403, member: 403, otherAdmin: 404, admin: 404 };
const GET_MISSING = { anonymous: 303, member: 403, otherAdmin: 404, admin: 404 };

export const ALERTS_ROUTES: RouteCase[] = [
  { method: 'GET', path: '/admin/settings/alerts', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/settings/alerts?notice=bogus', expect: { anonymous: 303, member: 403, otherAdmin: 400, admin: 400 } },
  { method: 'POST', path: '/admin/settings/alerts', body: { name: '', condition: 'pool_below', threshold: '-1' }, expect: POST_INVALID },
  { method: 'POST', path: '/admin/settings/alerts/999999', body: { name: 'x', threshold: '5' }, expect: POST_MISSING },
  { method: 'POST', path: '/admin/settings/alerts/abc', body: { name: 'x' }, expect: POST_MISSING },
  { method: 'POST', path: '/admin/settings/alerts/999999/delete', body: {}, expect: POST_MISSING },
  { method: 'POST', path: '/admin/settings/alerts/restore-defaults', body: {}, expect: { anonymous: 403, member: 403, otherAdmin: 303, admin: 303 } },
  { method: 'POST', path: '/admin/settings/alerts/999999/test', body: { channel: 'inapp' }, expect: POST_MISSING },
  { method: 'GET', path: '/admin/settings/webhooks', expect: ADMIN_PAGE },
  { method: 'POST', path: '/admin/settings/webhooks', body: { kind: 'webhook', url: 'ftp://example.com', event_types: 'alert.fired' }, expect: POST_INVALID },
  { method: 'GET', path: '/admin/settings/webhooks?endpoint=999999', expect: GET_MISSING },
  { method: 'GET', path: '/admin/settings/webhooks?endpoint=abc', expect: GET_MISSING },
  { method: 'GET', path: '/admin/settings/webhooks?endpoint=1&before=x', expect: { anonymous: 303, member: 403, otherAdmin: 400, admin: 400 } },
  { method: 'POST', path: '/admin/settings/webhooks/999999', body: { url: 'https://example.com/h', event_types: 'alert.fired' }, expect: POST_MISSING },
  { method: 'POST', path: '/admin/settings/webhooks/999999/delete', body: {}, expect: POST_MISSING },
  { method: 'POST', path: '/admin/settings/webhooks/999999/test', body: {}, expect: POST_MISSING },
  { method: 'POST', path: '/admin/settings/webhooks/999999/rotate', body: {}, expect: POST_MISSING },
  { method: 'POST', path: '/admin/settings/webhooks/deliveries/999999/resend', body: {}, expect: POST_MISSING },
  { method: 'GET', path: '/admin/settings/reports', expect: ADMIN_PAGE },
  { method: 'POST', path: '/admin/settings/reports', body: { period: 'daily' }, expect: POST_INVALID },
  { method: 'POST', path: '/admin/settings/reports/999999/delete', body: {}, expect: POST_MISSING },
  { method: 'POST', path: '/admin/settings/reports/999999/send', body: {}, expect: POST_MISSING },
];
