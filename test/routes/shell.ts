import { type RouteCase, ADMIN_PAGE } from './types';

export const SHELL_ROUTES: RouteCase[] = [
  { method: 'GET', path: '/', expect: { anonymous: 303, member: 303, otherAdmin: 303, admin: 303 } },
  { method: 'GET', path: '/login', expect: { anonymous: 200, member: 303, otherAdmin: 303, admin: 303 } },
  { method: 'GET', path: '/healthz', expect: { anonymous: 200, member: 200, otherAdmin: 200, admin: 200 } },
  { method: 'GET', path: '/me', expect: { anonymous: 303, member: 200, otherAdmin: 200, admin: 200 } },
  { method: 'GET', path: '/admin/data-dictionary', expect: ADMIN_PAGE },
  { method: 'GET', path: '/admin/no-such-page', expect: { anonymous: 404, member: 404, otherAdmin: 404, admin: 404 } },
  // Without a CSRF token (anonymous) the form is refused; signed in, an empty form is a 400 re-render.
  { method: 'POST', path: '/login', body: {}, expect: { anonymous: 403, member: 400, otherAdmin: 400, admin: 400 } },
  // Signs the agent out: the matrix runs it after every other route.
  // Anonymous: nothing to sign out of, so straight to the login page (no CSRF error for an ended session).
  { method: 'POST', path: '/logout', expect: { anonymous: 303, member: 303, otherAdmin: 303, admin: 303 } },
  { method: 'GET', path: '/static/css/app.css', expect: { anonymous: 200, member: 200, otherAdmin: 200, admin: 200 } },
  { method: 'GET', path: '/static/vendor/htmx/htmx.min.js', expect: { anonymous: 200, member: 200, otherAdmin: 200, admin: 200 } },
];
