// Rebuilds every rollup of a workspace from its raw rows (idempotent), including the credit tables
// (src/credits/rebuild.ts). The write path keeps them up to date incrementally; this command repairs
// them and is tested to agree with that upkeep.
import type { Knex } from 'knex';
import { monthOfDaySql, upsertAdd } from '../db/dialect';
import { rebuildCreditRollupsIn } from '../credits/rebuild';
import { rawRowsFrom } from '../retention/policy';

export const ROLLUP_TABLES = [
  'rollup_daily',
  'rollup_daily_model',
  'rollup_daily_agent',
  'rollup_daily_user',
  'rollup_monthly_user',
  'rollup_monthly_user_surface',
  'rollup_monthly_user_agent',
  'rollup_daily_credits',
  'user_activity',
  'login_days',
] as const;

const IQ = "SUM(CASE WHEN iq_layers <> '' THEN 1 ELSE 0 END)";

/** Rollup tables keyed by month ('YYYY-MM') rather than day. */
const MONTHLY_TABLES = new Set<string>(['rollup_monthly_user', 'rollup_monthly_user_surface', 'rollup_monthly_user_agent']);

export async function rebuildRollups(db: Knex, workspaceId: number): Promise<void> {
  await db.transaction(async (trx) => {
    // Months whose raw rows the retention policy deleted (whole months before `from`) keep their
    // rollups: they are the only record left. Everything from `from` on is rebuilt from raw rows.
    const purgedBefore = await rawRowsFrom(trx, workspaceId);
    const from = purgedBefore ?? '1000-01-01';
    for (const t of ROLLUP_TABLES) {
      const q = trx(t).where('workspace_id', workspaceId);
      if (purgedBefore && t === 'user_activity') continue; // first activity may lie in a purged month: merged below
      if (purgedBefore) q.where(MONTHLY_TABLES.has(t) ? 'month' : 'day', '>=', MONTHLY_TABLES.has(t) ? from.slice(0, 7) : from);
      await q.delete();
    }
    const month = monthOfDaySql(trx, 'day').toQuery();
    const ws = Number(workspaceId);
    const run = (sql: string) => trx.raw(sql.replace(/WHERE workspace_id = :ws/g, 'WHERE workspace_id = :ws AND day >= :from'), { ws, from });

    await run(`INSERT INTO rollup_daily (workspace_id, day, token_kind, surface, output, interactions, iq_interactions, training_interactions, prompt_tokens, completion_tokens, total_tokens, training_tokens)
      SELECT workspace_id, day, token_kind, surface, output, COUNT(*), ${IQ}, SUM(CASE WHEN training THEN 1 ELSE 0 END),
             SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), SUM(CASE WHEN training THEN total_tokens ELSE 0 END)
      FROM interactions WHERE workspace_id = :ws GROUP BY workspace_id, day, token_kind, surface, output`);
    await run(`INSERT INTO rollup_daily_model (workspace_id, day, token_kind, model, training, interactions, total_tokens)
      SELECT workspace_id, day, token_kind, model, training, COUNT(*), SUM(total_tokens)
      FROM interactions WHERE workspace_id = :ws GROUP BY workspace_id, day, token_kind, model, training`);
    await run(`INSERT INTO rollup_daily_agent (workspace_id, day, agent_id, interactions, total_tokens)
      SELECT workspace_id, day, agent_id, COUNT(*), SUM(total_tokens)
      FROM interactions WHERE workspace_id = :ws AND agent_id IS NOT NULL GROUP BY workspace_id, day, agent_id`);
    await run(`INSERT INTO rollup_daily_user (workspace_id, day, user_id, token_kind, interactions, iq_interactions, total_tokens)
      SELECT workspace_id, day, user_id, token_kind, COUNT(*), ${IQ}, SUM(total_tokens)
      FROM interactions WHERE workspace_id = :ws GROUP BY workspace_id, day, user_id, token_kind`);
    await run(`INSERT INTO rollup_monthly_user (workspace_id, month, user_id, token_kind, interactions, iq_interactions, prompt_tokens, completion_tokens, total_tokens)
      SELECT workspace_id, ${month}, user_id, token_kind, COUNT(*), ${IQ}, SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens)
      FROM interactions WHERE workspace_id = :ws GROUP BY workspace_id, ${month}, user_id, token_kind`);
    await run(`INSERT INTO rollup_monthly_user_surface (workspace_id, month, user_id, surface, interactions)
      SELECT workspace_id, ${month}, user_id, surface, COUNT(*)
      FROM interactions WHERE workspace_id = :ws AND token_kind = 'inference' GROUP BY workspace_id, ${month}, user_id, surface`);
    await run(`INSERT INTO rollup_monthly_user_agent (workspace_id, month, user_id, agent_id, interactions)
      SELECT workspace_id, ${month}, user_id, agent_id, COUNT(*)
      FROM interactions WHERE workspace_id = :ws AND token_kind = 'inference' AND agent_id IS NOT NULL GROUP BY workspace_id, ${month}, user_id, agent_id`);
    await run(`INSERT INTO rollup_daily_credits (workspace_id, day, category, events, credits, overage_credits)
      SELECT workspace_id, day, credit_category, COUNT(*), SUM(credits_charged), SUM(CASE WHEN overage THEN credits_charged ELSE 0 END)
      FROM interactions WHERE workspace_id = :ws AND credit_category IS NOT NULL GROUP BY workspace_id, day, credit_category`);
    await run(`INSERT INTO login_days (workspace_id, day, user_id, logins, first_at, last_at)
      SELECT workspace_id, day, user_id, COUNT(*), MIN(occurred_at), MAX(occurred_at)
      FROM logins WHERE workspace_id = :ws GROUP BY workspace_id, day, user_id`);
    if (purgedBefore) {
      const rows = await trx.raw(
        `SELECT user_id, MIN(f) AS f, MAX(l) AS l FROM (
          SELECT user_id, MIN(occurred_at) AS f, MAX(occurred_at) AS l FROM interactions WHERE workspace_id = :ws GROUP BY user_id
          UNION ALL
          SELECT user_id, MIN(occurred_at) AS f, MAX(occurred_at) AS l FROM logins WHERE workspace_id = :ws GROUP BY user_id
        ) AS x GROUP BY user_id`,
        { ws },
      );
      const list = (Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : rows) as { user_id: number; f: string; l: string }[];
      await upsertAdd(trx, 'user_activity', ['workspace_id', 'user_id'], list.map((r) => ({ workspace_id: ws, user_id: Number(r.user_id), first_at: String(r.f).slice(0, 23), last_at: String(r.l).slice(0, 23) })), [], { minCols: ['first_at'], maxCols: ['last_at'] });
    } else await run(`INSERT INTO user_activity (workspace_id, user_id, first_at, last_at)
      SELECT :ws, user_id, MIN(f), MAX(l) FROM (
        SELECT user_id, MIN(occurred_at) AS f, MAX(occurred_at) AS l FROM interactions WHERE workspace_id = :ws GROUP BY user_id
        UNION ALL
        SELECT user_id, MIN(occurred_at) AS f, MAX(occurred_at) AS l FROM logins WHERE workspace_id = :ws GROUP BY user_id
      ) AS x GROUP BY user_id`);
    // The credit tables derived from these (credits per user per day, monthly PAYG / overage / Grid
    // rows, cached pack balances), in the same transaction: one command repairs everything.
    await rebuildCreditRollupsIn(trx, ws, purgedBefore);
  });
}

export async function rebuildAllRollups(db: Knex): Promise<number> {
  const wss = await db('workspaces').select('id');
  for (const w of wss) await rebuildRollups(db, w.id);
  return wss.length;
}
