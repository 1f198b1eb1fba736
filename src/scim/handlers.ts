// SCIM 2.0 handlers: parse (query, body), call the users/groups modules, answer application/scim+json.
import type { Request, Response } from 'express';
import type { AppContext } from '../http/context';
import type { Actor } from '../audit/audit';
import { apiLocals } from '../api/auth';
import { ScimError } from './errors';
import { parseFilter } from './filter';
import { readPatchOps } from './patch';
import { MAX_RESULTS, listResponse, resourceTypes, schemas, serviceProviderConfig } from './discovery';
import * as users from './users';
import * as groups from './groups';

export function sendScim(res: Response, status: number, body: unknown) {
  res.status(status).type('application/scim+json').send(JSON.stringify(body));
}

/** The absolute base URL of this SCIM endpoint (resource locations). */
function baseOf(req: Request): string {
  return `${req.protocol}://${req.get('host')}/scim/v2`;
}

/** Audit actor: the API key's name (DESIGN: every SCIM change is audited under the key's name). */
function actorOf(req: Request, res: Response): Actor {
  return { userId: null, label: apiLocals(res).apiKey.name, ip: req.ip ?? null };
}

const ws = (res: Response) => apiLocals(res).workspace.id;

function paging(req: Request): { startIndex: number; count: number } {
  const q = req.query as Record<string, unknown>;
  const num = (v: unknown, name: string, dflt: number) => {
    if (v === undefined || v === '') return dflt;
    if (typeof v !== 'string' || !/^-?\d{1,9}$/.test(v)) throw new ScimError(400, `"${name}" must be a whole number.`, 'invalidValue');
    return Number(v);
  };
  // RFC 7644 3.4.2.4: startIndex below 1 is 1; a negative count is 0.
  const startIndex = Math.max(1, num(q.startIndex, 'startIndex', 1));
  const count = Math.min(MAX_RESULTS, Math.max(0, num(q.count, 'count', 100)));
  return { startIndex, count };
}

function filterOf(req: Request) {
  const f = (req.query as Record<string, unknown>).filter;
  if (f !== undefined && typeof f !== 'string') throw new ScimError(400, 'Send one "filter" parameter.', 'invalidFilter');
  return parseFilter(f);
}

/** excludedAttributes=members (Entra asks for groups without their members). */
function withMembers(req: Request): boolean {
  const ex = (req.query as Record<string, unknown>).excludedAttributes;
  return !(typeof ex === 'string' && ex.split(',').some((a) => a.trim().toLowerCase() === 'members'));
}

export function scimHandlers(ctx: AppContext) {
  const db = ctx.db;
  const docsUrl = (req: Request) => `${req.protocol}://${req.get('host')}/admin/settings/sign-in`;
  return {
    serviceProviderConfig: (req: Request, res: Response) => sendScim(res, 200, serviceProviderConfig(baseOf(req), docsUrl(req))),
    listSchemas: (req: Request, res: Response) => {
      const all = schemas(baseOf(req));
      sendScim(res, 200, listResponse(all, all.length, 1));
    },
    getSchema: (req: Request, res: Response) => {
      const s = schemas(baseOf(req)).find((x) => x.id === req.params.id);
      if (!s) throw new ScimError(404, `Schema ${req.params.id} not found.`);
      sendScim(res, 200, s);
    },
    listResourceTypes: (req: Request, res: Response) => {
      const all = resourceTypes(baseOf(req));
      sendScim(res, 200, listResponse(all, all.length, 1));
    },
    getResourceType: (req: Request, res: Response) => {
      const r = resourceTypes(baseOf(req)).find((x) => x.id === req.params.id);
      if (!r) throw new ScimError(404, `ResourceType ${req.params.id} not found.`);
      sendScim(res, 200, r);
    },

    listUsers: async (req: Request, res: Response) => {
      const { startIndex, count } = paging(req);
      const r = await users.listUsers(db, ws(res), filterOf(req), startIndex, count, baseOf(req));
      sendScim(res, 200, listResponse(r.resources, r.total, startIndex));
    },
    getUser: async (req: Request, res: Response) => sendScim(res, 200, await users.getUser(db, ws(res), String(req.params.id), baseOf(req))),
    createUser: async (req: Request, res: Response) => {
      const id = await users.createUser(db, ws(res), actorOf(req, res), users.userFromBody(req.body));
      const body = await users.getUser(db, ws(res), String(id), baseOf(req));
      res.location(String((body.meta as { location: string }).location));
      sendScim(res, 201, body);
    },
    replaceUser: async (req: Request, res: Response) => {
      const next = users.userFromBody(req.body);
      await users.updateUser(db, ws(res), actorOf(req, res), String(req.params.id), () => next);
      sendScim(res, 200, await users.getUser(db, ws(res), String(req.params.id), baseOf(req)));
    },
    patchUser: async (req: Request, res: Response) => {
      const ops = readPatchOps(req.body);
      await users.updateUser(db, ws(res), actorOf(req, res), String(req.params.id), (s) => users.applyUserPatch(s, ops));
      sendScim(res, 200, await users.getUser(db, ws(res), String(req.params.id), baseOf(req)));
    },
    deleteUser: async (req: Request, res: Response) => {
      await users.deleteUser(db, ws(res), actorOf(req, res), String(req.params.id));
      res.status(204).end();
    },

    listGroups: async (req: Request, res: Response) => {
      const { startIndex, count } = paging(req);
      const r = await groups.listGroups(db, ws(res), filterOf(req), startIndex, count, withMembers(req), baseOf(req));
      sendScim(res, 200, listResponse(r.resources, r.total, startIndex));
    },
    getGroup: async (req: Request, res: Response) => sendScim(res, 200, await groups.getGroup(db, ws(res), String(req.params.id), withMembers(req), baseOf(req))),
    createGroup: async (req: Request, res: Response) => {
      const id = await groups.createGroup(db, ws(res), actorOf(req, res), groups.groupFromBody(req.body));
      const body = await groups.getGroup(db, ws(res), String(id), true, baseOf(req));
      res.location(String((body.meta as { location: string }).location));
      sendScim(res, 201, body);
    },
    replaceGroup: async (req: Request, res: Response) => {
      const g = groups.groupFromBody(req.body);
      await groups.updateGroup(db, ws(res), actorOf(req, res), String(req.params.id), (_s, resolve) => ({ displayName: g.displayName, externalId: g.externalId, members: new Set(resolve(g.members)) }));
      sendScim(res, 200, await groups.getGroup(db, ws(res), String(req.params.id), true, baseOf(req)));
    },
    patchGroup: async (req: Request, res: Response) => {
      const ops = readPatchOps(req.body);
      await groups.updateGroup(db, ws(res), actorOf(req, res), String(req.params.id), (s, resolve) => groups.applyGroupPatch(s, ops, resolve));
      // Entra and Okta accept 204 for group PATCH; returning the group lets clients confirm the result.
      sendScim(res, 200, await groups.getGroup(db, ws(res), String(req.params.id), withMembers(req), baseOf(req)));
    },
    deleteGroup: async (req: Request, res: Response) => {
      await groups.deleteGroup(db, ws(res), actorOf(req, res), String(req.params.id));
      res.status(204).end();
    },
  };
}
