// Ingestion API v1 (DESIGN.md section 6): bearer keys, JSON in and out, one workspace per key.
import { Router } from 'express';
import type { AppContext } from '../http/context';
import { HttpError } from '../http/errors';
import { apiErrorHandler, apiRateLimit, authenticate, jsonBody, requireJson, requireScope } from './api-auth';
import { apiHandlers } from './api-handlers';
import { openApiDocument } from './openapi';
import { authorizeHandler } from '../limits/api';

export function apiRouter(ctx: AppContext): Router {
  const router = Router();
  const h = apiHandlers(ctx);

  router.get('/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json(openApiDocument());
  });

  router.use(authenticate(ctx), apiRateLimit(ctx), requireJson, jsonBody);
  // Every route names the scope it needs: a key outside it gets 403 insufficient_scope.
  const ingest = requireScope('ingest');
  router.post('/events', ingest, h.postEvents);
  router.post('/logins', ingest, h.postLogins);
  router.put('/users/:email', ingest, h.putUser);
  router.put('/agents/:id', ingest, h.putAgent);
  router.put('/groups/:id', ingest, h.putGroup);
  router.post('/credits/quote', ingest, h.postQuote);
  router.post('/authorize', ingest, authorizeHandler(ctx));

  router.use((req, _res, next) => next(new HttpError(404, `No API endpoint ${req.method} ${req.baseUrl}${req.path}.`, 'not_found')));
  router.use(apiErrorHandler(ctx));
  return router;
}
