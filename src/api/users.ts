// GET /api/v1/users and GET /api/v1/users/{id}/interactions (read scope): the roster and one user's
// interactions with the activity log's columns, keyset-paged, as JSON, NDJSON or CSV.
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../http/context';
import { HttpError } from '../http/errors';
import { describeErrors, fieldErrors } from '../http/validate';
import { fromDbTime, isValidDay, localDateTime } from '../db/time';
import { utcCell } from '../csv/definitions';
import { SURFACES, TOKEN_KINDS, USER_STATUSES } from '../domain/model';
import { apiLocals } from './auth';
import { chooseFormat, decodeCursor, encodeCursor, fingerprintOf, FORMATS, sendPage, type OutputColumn } from './output';
import { findApiUser, interactionsPage, usersPage } from './users-queries';

export const LIST_DEFAULT_LIMIT = 100;
export const LIST_MAX_LIMIT = 1000;

function badRequest(error: z.ZodError): HttpError {
  return new HttpError(400, describeErrors(error), 'bad_request', fieldErrors(error));
}

const usersSchema = z
  .object({
    status: z.enum(USER_STATUSES).optional(),
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(LIST_MAX_LIMIT).default(LIST_DEFAULT_LIMIT),
    format: z.enum(FORMATS).optional(),
  })
  .strict();

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use the format YYYY-MM-DD').refine(isValidDay, 'not a calendar date');
const interactionsSchema = z
  .object({
    from: day.optional(),
    to: day.optional(),
    model: z.string().max(64).optional(),
    surface: z.enum(SURFACES).optional(),
    token_kind: z.enum(TOKEN_KINDS).optional(),
    training: z.enum(['true', 'false']).optional(),
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(LIST_MAX_LIMIT).default(LIST_DEFAULT_LIMIT),
    format: z.enum(FORMATS).optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], message: 'must be on or after from' });

export const USER_COLUMNS: OutputColumn[] = [
  { key: 'id', type: 'integer', description: 'Id of the user in this console (use it in /users/{id}/interactions).' },
  { key: 'email', type: 'string', description: 'Email (unique in the workspace).' },
  { key: 'name', type: 'string', description: 'Display name.' },
  { key: 'role', type: 'string', description: 'admin or member.' },
  { key: 'department', type: 'string', description: 'Department, or null.' },
  { key: 'status', type: 'string', description: 'invited, active or revoked.' },
  { key: 'invited_at', type: 'datetime', description: 'When the user was invited (UTC, ISO 8601).' },
  { key: 'joined_at', type: 'datetime', description: 'When the user first became active (UTC).' },
  { key: 'revoked_at', type: 'datetime', description: 'When access was revoked (UTC), or null.' },
  { key: 'last_active_at', type: 'datetime', description: 'Last interaction or login (UTC), or null.' },
];

export const INTERACTION_COLUMNS: OutputColumn[] = [
  { key: 'id', type: 'integer', description: 'Id of the interaction.' },
  { key: 'occurred_at', type: 'datetime', description: 'When it happened (UTC, ISO 8601).' },
  { key: 'occurred_at_local', type: 'datetime', description: 'The same instant in the workspace time zone.' },
  { key: 'day', type: 'date', description: 'Reporting day in the workspace time zone.' },
  { key: 'surface', type: 'string', description: 'Where it happened.' },
  { key: 'token_kind', type: 'string', description: 'inference or embedding.' },
  { key: 'output', type: 'string', description: 'text or image.' },
  { key: 'model', type: 'string', description: 'Model that served it.' },
  { key: 'agent', type: 'string', description: 'Platform id of the agent, or null.' },
  { key: 'prompt', type: 'string', description: 'Stored prompt excerpt (at most 500 characters); null when none was sent or retention removed it.' },
  { key: 'prompt_removed', type: 'boolean', description: 'true when the prompt text was removed by the retention policy (the numbers stay).' },
  { key: 'prompt_tokens', type: 'integer', description: 'Prompt (input) tokens.' },
  { key: 'completion_tokens', type: 'integer', description: 'Completion (output) tokens.' },
  { key: 'total_tokens', type: 'integer', description: 'prompt_tokens + completion_tokens.' },
  { key: 'training', type: 'boolean', description: 'true for a dataset ingestion / training run.' },
  { key: 'iq_layers', type: 'string', description: 'IQ layers applied, comma-separated.' },
  { key: 'credits_charged', type: 'integer', description: 'Credits charged (0 when not billable).' },
  { key: 'ip', type: 'string', description: 'Client IP address reported by the platform.' },
];

const iso = (v: unknown) => (v === null || v === undefined ? null : utcCell(v));

export function userApiHandlers(ctx: AppContext) {
  async function listUsers(req: Request, res: Response) {
    const parsed = usersSchema.safeParse(req.query);
    if (!parsed.success) throw badRequest(parsed.error);
    const p = parsed.data;
    const { workspace } = apiLocals(res);
    const format = chooseFormat(req, p.format);
    const fingerprint = fingerprintOf(['users', workspace.id, p.status ?? null]);
    const after = decodeCursor(p.cursor, fingerprint);
    const afterId = after ? Number(after[0]) : null;
    if (after && !Number.isInteger(afterId)) throw new HttpError(400, 'cursor: not a cursor returned by this API.', 'invalid_cursor');
    const page = await usersPage(ctx.db, workspace.id, { status: p.status, afterId, limit: p.limit });
    const rows = page.rows.map((u) => ({
      id: Number(u.id),
      email: u.email,
      name: u.name,
      role: u.role,
      department: u.department ?? null,
      status: u.status,
      invited_at: iso(u.invited_at),
      joined_at: iso(u.joined_at),
      revoked_at: iso(u.revoked_at),
      last_active_at: iso(u.last_active_at),
    }));
    await sendPage(req, res, format, {
      columns: USER_COLUMNS,
      rows,
      nextCursor: page.more ? encodeCursor([rows[rows.length - 1].id], fingerprint) : null,
      filename: `${workspace.slug}-users.csv`.replace(/[^A-Za-z0-9._-]/g, '_'),
    });
  }

  async function listInteractions(req: Request, res: Response) {
    const { workspace } = apiLocals(res);
    const user = await findApiUser(ctx.db, workspace.id, String(req.params.id ?? ''));
    if (!user) throw new HttpError(404, 'No user with this id (or email) in this workspace.', 'not_found');
    const parsed = interactionsSchema.safeParse(req.query);
    if (!parsed.success) throw badRequest(parsed.error);
    const p = parsed.data;
    const format = chooseFormat(req, p.format);
    const filters = { from: p.from, to: p.to, model: p.model, surface: p.surface, kind: p.token_kind, training: p.training === undefined ? undefined : p.training === 'true' ? ('yes' as const) : ('no' as const) };
    const fingerprint = fingerprintOf(['interactions', workspace.id, user.id, filters]);
    const after = decodeCursor(p.cursor, fingerprint);
    let cursor: { at: string; id: number } | null = null;
    if (after) {
      const [at, id] = after;
      if (typeof at !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/.test(at) || !Number.isInteger(id)) throw new HttpError(400, 'cursor: not a cursor returned by this API.', 'invalid_cursor');
      cursor = { at, id: Number(id) };
    }
    const page = await interactionsPage(ctx.db, workspace.id, user.id, filters, workspace.time_zone, cursor, p.limit);
    const rows = page.rows.map((r) => {
      const at = fromDbTime(r.occurred_at)!;
      return {
        id: Number(r.id),
        occurred_at: at.toISOString(),
        occurred_at_local: localDateTime(at, workspace.time_zone),
        day: String(r.day).slice(0, 10),
        surface: r.surface,
        token_kind: r.token_kind,
        output: r.output,
        model: r.model,
        agent: r.agent_external_id ?? null,
        prompt: r.prompt_excerpt ?? null,
        prompt_removed: !!Number(r.prompt_removed ?? 0),
        prompt_tokens: Number(r.prompt_tokens),
        completion_tokens: Number(r.completion_tokens),
        total_tokens: Number(r.total_tokens),
        training: !!Number(r.training),
        iq_layers: r.iq_layers ?? '',
        credits_charged: Number(r.credits_charged ?? 0),
        ip: r.ip ?? null,
      };
    });
    const last = page.rows[page.rows.length - 1];
    await sendPage(req, res, format, {
      columns: INTERACTION_COLUMNS,
      rows,
      nextCursor: page.more && last ? encodeCursor([String(last.occurred_at).slice(0, 23), Number(last.id)], fingerprint) : null,
      filename: `${workspace.slug}-interactions-${user.id}.csv`.replace(/[^A-Za-z0-9._-]/g, '_'),
    });
  }

  return { listUsers, listInteractions };
}
