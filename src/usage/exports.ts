// The five Usage exports: each streams its rows (streamRows -> streamCsv) and is audited.
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import type { AppContext } from '../http/context';
import type { Workspace } from '../workspaces/workspace';
import { HttpError } from '../http/errors';
import { streamRows } from '../db/dialect';
import { dayOf } from '../db/time';
import { csvFilename } from '../csv/stream';
import { auditedCsvDownload } from '../csv/download';
import type { ExportDefinition } from '../csv/definitions';
import { usageNow } from '../reports/clock';
import { resolveRange, type UsageRange } from './range';
import { agentMap, userMap } from './queries';
import {
  agentsLogExport,
  generationLogExport,
  groupMembersLogExport,
  userActivityLogExport,
  userLogExport,
  type ActivityLookup,
  type AgentUseLookup,
  type Lookups,
} from './export-defs';

function rangeOrThrow(req: Request, ws: Workspace): UsageRange {
  const r = resolveRange(req.query, ws.time_zone, usageNow(), { defaultFull: true });
  if (!r.ok) throw new HttpError(400, r.message, 'bad_request', r.errors);
  return r.range;
}

/** The file name: workspace slug, export and the range it covers (or today for a snapshot). */
function filename(w: Workspace, def: ExportDefinition, range?: UsageRange): string {
  return csvFilename(w.slug, def.id, range ? `${range.from}_${range.to}` : today(w));
}

async function lookups(db: Knex, ws: number): Promise<Lookups> {
  const [users, agents] = await Promise.all([userMap(db, ws), agentMap(db, ws)]);
  return { users, agents };
}

export function usageExports(ctx: AppContext) {
  const db = ctx.db;
  const ws = (res: Response) => res.locals.workspace as Workspace;

  return {
    async generationLog(req: Request, res: Response) {
      const w = ws(res);
      const r = rangeOrThrow(req, w);
      const l = await lookups(db, w.id);
      // Stays on the (workspace_id, day, occurred_at, id) index, in its order: no sort, no joins.
      const qb = db('interactions')
        .select('occurred_at', 'day', 'user_id', 'output', 'surface', 'agent_id', 'iq_layers', 'model', 'prompt_tokens', 'completion_tokens', 'total_tokens')
        .where('workspace_id', w.id)
        .whereBetween('day', [r.from, r.to])
        .where('token_kind', 'inference')
        .orderBy([{ column: 'day' }, { column: 'occurred_at' }, { column: 'id' }]);
      const def = generationLogExport(l);
      await auditedCsvDownload(db, req, res, def, { workspaceId: w.id, filename: filename(w, def, r), range: r }, () => streamRows(db, qb));
    },

    async userActivityLog(req: Request, res: Response) {
      const w = ws(res);
      const r = rangeOrThrow(req, w);
      const l = await lookups(db, w.id);
      const qb = db('login_days')
        .select('day', 'user_id', 'logins', 'first_at', 'last_at')
        .where('workspace_id', w.id)
        .whereBetween('day', [r.from, r.to])
        .orderBy([{ column: 'day' }, { column: 'user_id' }]);
      const def = userActivityLogExport(l);
      await auditedCsvDownload(db, req, res, def, { workspaceId: w.id, filename: filename(w, def, r), range: r }, () => streamRows(db, qb));
    },

    async userLog(req: Request, res: Response) {
      const w = ws(res);
      const rows = await db('user_activity').select('user_id', 'first_at', 'last_at').where('workspace_id', w.id);
      const activity: ActivityLookup = new Map(rows.map((a: any) => [Number(a.user_id), { first_at: a.first_at, last_at: a.last_at }]));
      const qb = db('users')
        .select('id', 'email', 'name', 'role', 'department', 'status', 'invited_at', 'joined_at', 'revoked_at')
        .where('workspace_id', w.id)
        .orderBy([{ column: 'name' }, { column: 'id' }]);
      const def = userLogExport(activity);
      await auditedCsvDownload(db, req, res, def, { workspaceId: w.id, filename: filename(w, def) }, () => streamRows(db, qb));
    },

    async agentsLog(req: Request, res: Response) {
      const w = ws(res);
      const r = rangeOrThrow({ query: {} } as Request, w); // runs are counted over the whole window
      const l = await lookups(db, w.id);
      const useRows = await db('rollup_daily_agent')
        .select('agent_id')
        .sum({ runs: 'interactions' })
        .max({ last_day: 'day' })
        .where('workspace_id', w.id)
        .whereBetween('day', [r.from, r.to])
        .groupBy('agent_id');
      const uses: AgentUseLookup = new Map(useRows.map((u: any) => [Number(u.agent_id), { runs: Number(u.runs ?? 0), last_day: u.last_day ? String(u.last_day).slice(0, 10) : null }]));
      const qb = db('agents')
        .select('id', 'external_id', 'name', 'type', 'visibility', 'status', 'creator_user_id', 'created_at')
        .where({ workspace_id: w.id, kind: 'custom' })
        .orderBy([{ column: 'name' }, { column: 'id' }]);
      const def = agentsLogExport(l, uses);
      await auditedCsvDownload(db, req, res, def, { workspaceId: w.id, filename: filename(w, def), range: r }, () => streamRows(db, qb));
    },

    async groupMembersLog(req: Request, res: Response) {
      const w = ws(res);
      const qb = db('groups as g')
        .join('group_members as gm', 'gm.group_id', 'g.id')
        .join('users as u', 'u.id', 'gm.user_id')
        .select('g.external_id', 'g.name as group_name', 'g.knowledge_applied', 'g.brand_voice_applied', 'u.email', 'u.name', 'u.department', 'gm.added_at')
        .where('g.workspace_id', w.id)
        .where('g.status', 'active')
        .where('u.workspace_id', w.id)
        .where('u.status', 'active')
        .orderBy([{ column: 'g.name' }, { column: 'g.id' }, { column: 'u.name' }, { column: 'u.id' }]);
      const def = groupMembersLogExport();
      await auditedCsvDownload(db, req, res, def, { workspaceId: w.id, filename: filename(w, def) }, () => streamRows(db, qb));
    },
  };
}

function today(w: Workspace): string {
  return dayOf(usageNow(), w.time_zone);
}
