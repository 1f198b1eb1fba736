// Inputs of the API keys page: the create form and the list's query string.
import { z } from 'zod';
import { API_SCOPES, parseScopes, type ApiScope } from './keys';

export const createSchema = z.object({
  name: z
    .string({ error: 'Enter a name for the key.' })
    .trim()
    .min(1, 'Enter a name for the key.')
    .max(100, 'Use at most 100 characters.')
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'Use printable characters only.'),
  // Checkboxes: absent = the default ingest scope (the form before scopes existed sent none).
  scopes: z
    .union([z.enum(API_SCOPES), z.array(z.enum(API_SCOPES, { error: 'Choose scopes from the list.' }))], { error: 'Choose scopes from the list.' })
    .optional(),
});

export function scopesOf(v: ApiScope | ApiScope[] | undefined): ApiScope[] {
  return v === undefined ? ['ingest'] : parseScopes(([] as string[]).concat(v).join(','));
}

/** The scope checkboxes of the create form, with what each allows in an admin's words. */
export const SCOPE_CHOICES: { value: ApiScope; label: string; help: string }[] = [
  { value: 'ingest', label: 'Send usage', help: 'Record interactions and logins, keep users, agents and groups in sync, ask for quotes and authorization.' },
  { value: 'read', label: 'Read usage', help: 'Read usage totals, users and activity logs (for BI tools and finance).' },
  { value: 'scim', label: 'Provision users (SCIM)', help: 'Let your identity provider create, update and deactivate users and groups.' },
];

export const listQuery = z.object({
  before: z.string().regex(/^[1-9]\d{0,9}$/, 'before must be a key id').optional(),
  notice: z.enum(['revoked']).optional(),
});
