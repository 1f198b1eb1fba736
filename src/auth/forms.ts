// The sign-in form.
import { z } from 'zod';
import { hasNoControlCharacters } from '../http/identifiers';

export const loginSchema = z.object({
  // The same shape the roster accepts (internationalised addresses included), no control characters.
  email: z
    .string()
    .trim()
    .min(1, 'Enter your email address.')
    .max(255)
    .refine((s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) && hasNoControlCharacters(s), 'Enter a valid email address.'),
  password: z.string().min(1, 'Enter your password.').max(1000),
  next: z.string().max(2000).optional(),
});
