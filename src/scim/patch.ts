// SCIM PatchOp (RFC 7644 section 3.5.2) as identity providers send it: op names in any case
// (Entra: "Replace", "Add"), booleans as strings (Entra: "False"), attribute paths with or without
// the schema URN, value paths like emails[type eq "work"].value, and path-less ops whose value is an
// object of attributes (Okta: {"op": "replace", "value": {"active": false}}).
import { ScimError } from './errors';

export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export type OpName = 'add' | 'remove' | 'replace';

export interface PatchOperation {
  op: OpName;
  /** lowercased, without the core schema URN; the enterprise URN is kept as a prefix 'enterprise:' */
  path: string | null;
  value: unknown;
}

/** Validates the PatchOp envelope and normalises each operation. */
export function readPatchOps(body: unknown): PatchOperation[] {
  const b = body as { schemas?: unknown; Operations?: unknown } | null;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw new ScimError(400, 'The body must be a PatchOp object.', 'invalidSyntax');
  if (!Array.isArray(b.schemas) || !b.schemas.includes(PATCH_SCHEMA)) throw new ScimError(400, `The body's "schemas" must include "${PATCH_SCHEMA}".`, 'invalidSyntax');
  if (!Array.isArray(b.Operations) || b.Operations.length === 0) throw new ScimError(400, 'The body must carry a non-empty "Operations" array.', 'invalidSyntax');
  if (b.Operations.length > 1000) throw new ScimError(400, 'At most 1000 operations per request.', 'tooMany');
  return b.Operations.map((raw, n) => {
    const o = raw as { op?: unknown; path?: unknown; value?: unknown } | null;
    const op = typeof o?.op === 'string' ? o.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'remove' && op !== 'replace') throw new ScimError(400, `Operation ${n + 1}: "op" must be add, remove or replace.`, 'invalidSyntax');
    if (o!.path !== undefined && typeof o!.path !== 'string') throw new ScimError(400, `Operation ${n + 1}: "path" must be a string.`, 'invalidPath');
    const path = typeof o!.path === 'string' && o!.path.trim() ? normalisePath(o!.path.trim()) : null;
    if (op !== 'remove' && o!.value === undefined) throw new ScimError(400, `Operation ${n + 1}: "${op}" needs a "value".`, 'invalidValue');
    if (op === 'remove' && path === null) throw new ScimError(400, `Operation ${n + 1}: "remove" needs a "path".`, 'noTarget');
    return { op, path, value: o!.value };
  });
}

/** 'urn:...:core:2.0:User:name.givenName' -> 'name.givenname'; enterprise attributes -> 'enterprise:department'. */
export function normalisePath(path: string): string {
  const low = path.toLowerCase();
  for (const core of [USER_SCHEMA, GROUP_SCHEMA]) {
    if (low.startsWith(core.toLowerCase() + ':')) return low.slice(core.length + 1);
  }
  const ent = ENTERPRISE_SCHEMA.toLowerCase();
  if (low === ent) return 'enterprise:';
  if (low.startsWith(ent + ':')) return 'enterprise:' + low.slice(ent.length + 1);
  return low;
}

/** SCIM booleans as IdPs send them: true/false, or the strings "True"/"False" (Entra). */
export function toBool(v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  throw new ScimError(400, `"${what}" must be a boolean.`, 'invalidValue');
}

export function toStr(v: unknown, what: string, max = 255): string | null {
  if (v === null) return null;
  if (typeof v === 'number') v = String(v);
  if (typeof v !== 'string') throw new ScimError(400, `"${what}" must be a string.`, 'invalidValue');
  const s = v.trim();
  if (s.length > max) throw new ScimError(400, `"${what}" is longer than ${max} characters.`, 'invalidValue');
  return s === '' ? null : s;
}
