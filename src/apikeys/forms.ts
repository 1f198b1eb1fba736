// Inputs of the API keys page: the create form and the list's query string.
import { z } from 'zod';

export const createSchema = z.object({
  name: z
    .string({ error: 'Enter a name for the key.' })
    .trim()
    .min(1, 'Enter a name for the key.')
    .max(100, 'Use at most 100 characters.')
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'Use printable characters only.'),
});

export const listQuery = z.object({
  before: z.string().regex(/^[1-9]\d{0,9}$/, 'before must be a key id').optional(),
  notice: z.enum(['revoked']).optional(),
});
