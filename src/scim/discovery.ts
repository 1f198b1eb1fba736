// SCIM discovery (RFC 7643 sections 5-7): what this service provider supports, its resource types,
// and the schema of every attribute it keeps. Written once here; the handlers only add locations.
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './patch';

export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const MAX_RESULTS = 200;

export function serviceProviderConfig(base: string, docsUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: docsUrl,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A workspace API key with the "scim" scope, sent as "Authorization: Bearer <key>".',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        documentationUri: docsUrl,
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

type Attr = Record<string, unknown>;
const attr = (name: string, type: string, extra: Attr = {}): Attr => ({
  name,
  type,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

const SCHEMAS = [
  {
    id: USER_SCHEMA,
    name: 'User',
    description: 'A person of the workspace. The primary e-mail is the console identity.',
    attributes: [
      attr('userName', 'string', { required: true, uniqueness: 'server', description: 'Unique within the workspace; compared case-insensitively.' }),
      attr('name', 'complex', {
        subAttributes: [attr('formatted', 'string'), attr('givenName', 'string'), attr('familyName', 'string')],
      }),
      attr('displayName', 'string'),
      attr('active', 'boolean', { description: 'false revokes the user and ends their sessions; true restores them.' }),
      attr('emails', 'complex', {
        multiValued: true,
        description: 'The primary (else work, else first) value becomes the console e-mail.',
        subAttributes: [attr('value', 'string'), attr('type', 'string'), attr('primary', 'boolean')],
      }),
      attr('groups', 'complex', { multiValued: true, mutability: 'readOnly', subAttributes: [attr('value', 'string'), attr('display', 'string'), attr('$ref', 'reference')] }),
      attr('externalId', 'string', { caseExact: true }),
    ],
  },
  {
    id: ENTERPRISE_SCHEMA,
    name: 'EnterpriseUser',
    description: 'Enterprise User extension: the console keeps the department.',
    attributes: [attr('department', 'string')],
  },
  {
    id: GROUP_SCHEMA,
    name: 'Group',
    description: "A group of the workspace (the Usage page's group charts).",
    attributes: [
      attr('displayName', 'string', { required: true, uniqueness: 'server' }),
      attr('members', 'complex', { multiValued: true, subAttributes: [attr('value', 'string', { mutability: 'immutable' }), attr('display', 'string', { mutability: 'readOnly' }), attr('$ref', 'reference', { mutability: 'immutable' })] }),
      attr('externalId', 'string', { caseExact: true }),
    ],
  },
];

export function schemas(base: string) {
  return SCHEMAS.map((s) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'], ...s, meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id}` } }));
}

export function resourceTypes(base: string) {
  return [
    { id: 'User', name: 'User', endpoint: '/Users', description: 'Workspace users', schema: USER_SCHEMA, schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }] },
    { id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Workspace groups', schema: GROUP_SCHEMA, schemaExtensions: [] },
  ].map((r) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], ...r, meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${r.id}` } }));
}

export function listResponse(resources: unknown[], total: number, startIndex: number) {
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}
