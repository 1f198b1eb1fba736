// zod schemas of the Limits page forms (add/edit a limit, decide an increase request) and of the
// member's increase request on /me. Local wall-clock inputs are read in the workspace time zone.
import { z } from 'zod';
import { METRICS, MODES, PERIODS } from './model';
import { zoneOffsetMinutes } from '../db/time';

export const LAYERS = ['workspace', 'group_member', 'group_shared', 'user'] as const;
export type Layer = (typeof LAYERS)[number];
export const LAYER_LABELS: Record<Layer, string> = {
  workspace: 'Workspace default (each member)',
  group_member: 'Group — each member',
  group_shared: 'Group — shared budget',
  user: 'User override',
};

/** A 'YYYY-MM-DDTHH:MM' wall-clock time in `zone` -> the UTC instant (DST-aware), or null. */
export function localToUtc(value: string, zone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  if (Number.isNaN(guess) || new Date(guess).toISOString().slice(0, 16) !== value) return null;
  let t = guess - zoneOffsetMinutes(new Date(guess), zone) * 60_000;
  t = guess - zoneOffsetMinutes(new Date(t), zone) * 60_000;
  return new Date(t);
}

/** The UTC instant as a 'YYYY-MM-DDTHH:MM' wall-clock value in `zone` (for datetime-local inputs). */
export function utcToLocalInput(d: Date | null, zone: string): string {
  if (!d) return '';
  return new Date(d.getTime() + zoneOffsetMinutes(d, zone) * 60_000).toISOString().slice(0, 16);
}

const amount = z
  .string({ error: 'Enter the limit.' })
  .trim()
  .transform((s) => s.replace(/[,_\s]/g, ''))
  .pipe(z.string().regex(/^\d{1,13}$/, 'Enter a whole number from 0 to 9,999,999,999,999.'))
  .transform(Number);

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Use at most ${max} characters.`)
    .optional()
    .transform((s) => (s ? s : null));

export const policyFormSchema = z
  .object({
    layer: z.enum(LAYERS, { error: 'Choose a layer.' }),
    group_id: z.string().optional(),
    user_email: z.string().trim().toLowerCase().max(255).optional(),
    metric: z.enum(METRICS, { error: 'Choose what the limit counts.' }),
    period: z.enum(PERIODS, { error: 'Choose a period.' }),
    amount,
    mode: z.enum(MODES, { error: 'Choose soft or hard.' }),
    expires_at: z.string().trim().max(20).optional(),
    note: optionalText(300),
  })
  .superRefine((v, ctx) => {
    if ((v.layer === 'group_member' || v.layer === 'group_shared') && !/^[1-9]\d{0,9}$/.test(v.group_id ?? '')) ctx.addIssue({ code: 'custom', path: ['group_id'], message: 'Choose a group.' });
    if (v.layer === 'user' && !/^[^@\s]+@[^@\s]+$/.test(v.user_email ?? '')) ctx.addIssue({ code: 'custom', path: ['user_email'], message: "Enter the user's email." });
    if (v.expires_at && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v.expires_at)) ctx.addIssue({ code: 'custom', path: ['expires_at'], message: 'Enter a date and time, or leave it empty.' });
  });

export type PolicyForm = z.infer<typeof policyFormSchema>;

export const requestFormSchema = z.object({
  metric: z.enum(METRICS, { error: 'Choose which limit.' }),
  period: z.enum(PERIODS, { error: 'Choose which limit.' }),
  amount,
  expires_at: z.string({ error: 'Say until when you need it.' }).trim().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'Say until when you need it.'),
  note: optionalText(500),
});

export const decideRequestSchema = z.object({
  decision: z.enum(['approve', 'deny'], { error: 'Approve or deny.' }),
  amount: amount.optional(),
  expires_at: z.string().trim().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'Enter a date and time.').optional(),
});
