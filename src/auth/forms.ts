// The sign-in form.
import { z } from 'zod';

export const loginSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email address.').max(255).email('Enter a valid email address.'),
  password: z.string().min(1, 'Enter your password.').max(1000),
  next: z.string().max(2000).optional(),
});
