// API v1 routes: bearer keys, JSON in and out, one workspace per key. Errors (including a database
// that went away: 503 with Retry-After) are answered by the app's one error handler (src/http/errors.ts).
import { Router, type RequestHandler } from 'express';
import type { AppContext } from '../http/context';
import { HttpError } from '../http/errors';
import { apiLocals, apiRateLimit, authenticate, confirmKeyBeforeError, jsonBody, requireJson, requireScope } from './auth';
import { apiHandlers } from './handlers';
import { openApiDocument } from './openapi';
import { usageHandlers } from './usage';
import { userApiHandlers } from './users';
import { authorizeHandler } from './authorize';
import { registerJob } from '../jobs/scheduler';
import { USER_ROLLUPS_JOB } from '../rollups/deferred';

export function apiRouter(ctx: AppContext): Router {
  const router = Router();
  const h = apiHandlers(ctx);
  // per-user rollups of batches whose process stopped before applying them (src/rollups/deferred.ts)
  registerJob(USER_ROLLUPS_JOB);

  router.get('/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json(openApiDocument());
  });

  const limit = apiRateLimit(ctx);
  // Every route names the scope it needs: a key outside it gets 403 insufficient_scope.
  const ingest = requireScope('ingest');
  // The authorize call confirms a key this process verified before in its one statement (see
  // authenticate's confirmLater): one round trip fewer on the API's most frequent call.
  // It has a rate limit of its own (apiRateLimit's `authorize`) for keys that may call it; a key
  // without the ingest scope counts against the general limit on its way to the 403.
  const authorizeLimit = apiRateLimit(ctx, { authorize: true });
  const limitByScope: RequestHandler = (req, res, next) => (apiLocals(res).apiKey.scopes.includes('ingest') ? authorizeLimit : limit)(req, res, next);
  router.post('/authorize', authenticate(ctx, { confirmLater: true }), limitByScope, requireJson, jsonBody, ingest, authorizeHandler(ctx), confirmKeyBeforeError(ctx));
  router.use(authenticate(ctx), limit, requireJson, jsonBody);
  router.post('/events', ingest, h.postEvents);
  router.post('/logins', ingest, h.postLogins);
  router.put('/users/:email', ingest, h.putUser);
  router.put('/agents/:id', ingest, h.putAgent);
  router.put('/groups/:id', ingest, h.putGroup);
  router.post('/credits/quote', ingest, h.postQuote);
  // Read API (src/api/): usage from the rollups, the roster, one user's interactions.
  const read = requireScope('read');
  const usage = usageHandlers(ctx);
  const users = userApiHandlers(ctx);
  router.get('/usage', read, usage.getUsage);
  router.get('/users', read, users.listUsers);
  router.get('/users/:id/interactions', read, users.listInteractions);

  router.use((req, _res, next) => next(new HttpError(404, `No API endpoint ${req.method} ${req.baseUrl}${req.path}.`, 'not_found')));
  return router;
}
