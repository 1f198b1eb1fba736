// Builds the Express app (no listen): middleware, sessions, auth, feature routers, errors.
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import session from 'express-session';
import { SafeSessionStore } from './http/session-store';
import type { AppContext } from './http/context';
import { securityHeaders, csrf } from './http/security';
import { viewLocals } from './http/locals';
import { errorHandler, notFoundHandler } from './http/errors';
import { configurePassport } from './auth/passport';
import { authRouter } from './auth/routes';
import { loginFormExpired, logoutWhenSignedOut, SESSION_COOKIE } from './auth/session';
import { shellRouter } from './shell/routes';
import { apiRouter } from './api/routes';
import { openApiDocument } from './api/openapi';
import { identityRouters } from './identity/routes';
import { passwordSignInGate } from './identity/login-gate';
import { scimRouter } from './scim/routes';
import { usersRouter } from './users/routes';
import { activityRouter } from './activity/routes';
import { auditLogRouter } from './audit-log/routes';
import { tokensRouter } from './tokens/routes';
import { usageRouter } from './usage/routes';
import { dataDictionaryRouter } from './data-dictionary/routes';
import { creditsRouter } from './credits/routes';
import { notificationsRouter } from './notifications/routes';
import { apiKeysRouter } from './apikeys/routes';
import { meRouter } from './me/routes';
import { settingsRouter } from './settings/routes';
import { alertsRouter } from './alerts/routes';
import { webhooksRouter } from './webhooks/routes';
import { reportsRouter } from './digests/routes';
import { retentionRouter } from './retention/routes';
import { limitsRouter } from './limits/routes';
import { meLimitsRouter } from './limits/me';
import { userTableLimits } from './limits/user-table';
import { jsonForScript } from './http/format';
import { unreadBadge } from './notifications/header-badge';
import { creditMeterBadge } from './credits/header-badge';

// The project folder: src/.. under tsx, dist/src/../.. when compiled with `npm run build`.
const ROOT = [path.resolve(__dirname, '..'), path.resolve(__dirname, '../..')].find((d) => fs.existsSync(path.join(d, 'views'))) ?? path.resolve(__dirname, '..');

function packageDir(name: string, sub = ''): string {
  return path.join(path.dirname(require.resolve(name)), sub);
}

export function createApp(ctx: AppContext) {
  const app = express();
  const production = ctx.config.NODE_ENV === 'production';
  app.set('views', path.join(ROOT, 'views'));
  app.set('view engine', 'ejs');
  app.set('x-powered-by', false);
  if (ctx.config.TRUST_PROXY) app.set('trust proxy', ctx.config.TRUST_PROXY);
  if (production) app.set('view cache', true);
  // Every template can embed chart data safely in a <script type="application/json"> block.
  app.locals.jsonForScript = jsonForScript;

  app.use(securityHeaders(production));

  // Static assets: our own, plus htmx and Chart.js straight from node_modules (no CDN).
  const staticOpts = { maxAge: production ? '7d' : 0, index: false as const };
  app.use('/static/vendor/htmx', express.static(path.join(ROOT, 'node_modules/htmx.org/dist'), staticOpts));
  app.use('/static/vendor/chart.js', express.static(packageDir('chart.js'), staticOpts));
  app.use('/static', express.static(path.join(ROOT, 'public'), staticOpts));

  // The ingestion API: bearer keys, JSON, no cookies or CSRF.
  app.use('/api/v1', apiRouter(ctx));
  // SCIM 2.0 provisioning (bearer key with the scim scope), also before sessions and CSRF.
  app.use(scimRouter(ctx));

  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 2000 }));
  app.use(
    session({
      name: SESSION_COOKIE,
      secret: ctx.config.sessionSecret,
      store: new SafeSessionStore({ knex: ctx.db, tableName: 'sessions', cleanupInterval: ctx.config.NODE_ENV === 'test' ? 0 : 15 * 60_000, logger: ctx.logger }),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure: production ? 'auto' : false, maxAge: 8 * 3600_000 },
    }),
  );
  const passport = configurePassport(ctx.db);
  app.use(passport.session());
  app.use(logoutWhenSignedOut);
  app.use(csrf.csrfSynchronisedProtection);
  app.use(loginFormExpired);
  // The admin header's badges, in the order they are read: features provide them, the shell draws them.
  app.use(viewLocals(ctx, [unreadBadge, creditMeterBadge]));

  app.use(authRouter(ctx, { signInGate: passwordSignInGate }));
  app.use(identityRouters(ctx));
  app.use(shellRouter(ctx));
  app.use(usersRouter(ctx, { limits: userTableLimits })); // each row's limit and status, the limit filter and sort (src/limits)
  app.use(activityRouter(ctx));
  app.use(auditLogRouter(ctx));
  app.use(tokensRouter(ctx));
  app.use(settingsRouter(ctx));
  app.use(alertsRouter(ctx));
  app.use(webhooksRouter(ctx));
  app.use(reportsRouter(ctx));
  app.use(retentionRouter(ctx));
  app.use(limitsRouter(ctx));
  app.use(usageRouter(ctx));
  app.use(dataDictionaryRouter(ctx));
  app.use(creditsRouter(ctx));
  app.use(notificationsRouter(ctx));
  app.use(apiKeysRouter(ctx, { apiReference: openApiDocument }));
  app.use(meRouter(ctx));
  app.use(meLimitsRouter(ctx));

  app.use(notFoundHandler);
  app.use(errorHandler(ctx));
  return app;
}
