// SCIM 2.0 provisioning at /scim/v2 (RFC 7643/7644) for identity providers (Okta, Microsoft Entra):
// a workspace API key with the "scim" scope, JSON in and out, errors in the SCIM shape. Mounted
// before sessions and CSRF (bearer keys, no cookies). Hand-written rather than scimmy-routers:
// see docs/identity.md, "Why not scimmy".
import express, { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { sharedRateLimitStore } from '../http/rate-limit-store';
import type { AppContext } from '../http/context';
import { apiLocals, authenticate, requireScope } from '../api/auth';
import { ScimError, scimErrorHandler, sendScimError } from './errors';
import { scimHandlers } from './handlers';

export const SCIM_BASE = '/scim/v2';

export function scimRouter(ctx: AppContext): Router {
  const router = Router();
  const h = scimHandlers(ctx);
  const b = SCIM_BASE;
  router.use(
    b,
    express.json({ type: ['application/scim+json', 'application/json'], limit: '1mb', strict: true }),
    authenticate(ctx),
    requireScope('scim'),
    rateLimit({
      windowMs: 60_000,
      limit: ctx.config.API_RATE_LIMIT_PER_MINUTE,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (_req, res) => `scim:${apiLocals(res).apiKey.prefix}`,
      store: sharedRateLimitStore(ctx, 'scim:'),
      passOnStoreError: true,
      handler: (_req, res) => sendScimError(res, 429, `Too many requests for this API key: the limit is ${ctx.config.API_RATE_LIMIT_PER_MINUTE} per minute.`),
    }),
  );

  router.get(`${b}/ServiceProviderConfig`, h.serviceProviderConfig);
  router.get(`${b}/Schemas`, h.listSchemas);
  router.get(`${b}/Schemas/:id`, h.getSchema);
  router.get(`${b}/ResourceTypes`, h.listResourceTypes);
  router.get(`${b}/ResourceTypes/:id`, h.getResourceType);

  router.get(`${b}/Users`, h.listUsers);
  router.post(`${b}/Users`, h.createUser);
  router.get(`${b}/Users/:id`, h.getUser);
  router.put(`${b}/Users/:id`, h.replaceUser);
  router.patch(`${b}/Users/:id`, h.patchUser);
  router.delete(`${b}/Users/:id`, h.deleteUser);

  router.get(`${b}/Groups`, h.listGroups);
  router.post(`${b}/Groups`, h.createGroup);
  router.get(`${b}/Groups/:id`, h.getGroup);
  router.put(`${b}/Groups/:id`, h.replaceGroup);
  router.patch(`${b}/Groups/:id`, h.patchGroup);
  router.delete(`${b}/Groups/:id`, h.deleteGroup);

  router.use(b, (req, _res, next) => next(new ScimError(404, `No SCIM endpoint ${req.method} ${req.originalUrl.split('?')[0]}.`)));
  router.use(b, scimErrorHandler(ctx));
  return router;
}
