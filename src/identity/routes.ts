// Enterprise identity in the browser: single sign-on at the sign-in page, two-factor sign-in, and
// the Sign-in section of Workspace settings. (SCIM is src/scim, mounted before sessions.)
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { ssoLoginRouter } from './sso-routes';
import { enforceTwoFactorForAdmins, twoFactorRouter } from './totp-routes';
import { signInSettingsRouter } from './settings-routes';

export function identityRouters(ctx: AppContext): Router {
  const router = Router();
  router.use(ssoLoginRouter(ctx));
  router.use(twoFactorRouter(ctx));
  router.use(enforceTwoFactorForAdmins(ctx));
  router.use(signInSettingsRouter(ctx));
  return router;
}
