// A row of the route x role matrix.
export interface World {
  /** ids in workspace A (the admin's own) */
  userA: number;
  memberA: number;
  /** a user id in workspace B (invisible to A's admin) */
  userB: number;
  [k: string]: number;
}

export type Who = 'anonymous' | 'member' | 'otherAdmin' | 'admin';

export interface RouteCase {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** a path, or a function of the world's ids */
  path: string | ((w: World) => string);
  /** the expected status per role; anonymous browsers on admin pages are redirected (303). */
  expect: Record<Who, number>;
  /** form body for POSTs (the CSRF token is added by the test) */
  body?: Record<string, string>;
}

/** The usual expectation for an admin page of the signed-in admin's own workspace. */
export const ADMIN_PAGE: Record<Who, number> = { anonymous: 303, member: 403, otherAdmin: 200, admin: 200 };
/** An admin page about one record of workspace A: the other workspace's admin gets 404. */
export const ADMIN_RECORD: Record<Who, number> = { anonymous: 303, member: 403, otherAdmin: 404, admin: 200 };
