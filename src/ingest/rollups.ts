// Rebuilds every rollup of a workspace from its raw rows (idempotent), including the credit tables
// (src/credits/rebuild.ts). The write path keeps them up to date incrementally; this command repairs
// them and is tested to agree with that upkeep.
import type { Knex } from 'knex';
import { monthOfDaySql } from '../db/dialect';
import { rebuildCreditRollupsIn } from '../credits/rebuild';
import { workspaceIds } from '../workspaces/queries';

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

export async function rebuildRollups(db: Knex, workspaceId: number): Promise<void> {
  await db.transaction(async (trx) => {
    for (const t of ROLLUP_TABLES) await trx(t).where('workspace_id', workspaceId).delete();
    const month = monthOfDaySql(trx, 'day').toQuery();
    const ws = Number(workspaceId);
    const run = (sql: string) => trx.raw(sql, { ws });

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
    await run(`INSERT INTO user_activity (workspace_id, user_id, first_at, last_at)
      SELECT :ws, user_id, MIN(f), MAX(l) FROM (
        SELECT user_id, MIN(occurred_at) AS f, MAX(occurred_at) AS l FROM interactions WHERE workspace_id = :ws GROUP BY user_id
        UNION ALL
        SELECT user_id, MIN(occurred_at) AS f, MAX(occurred_at) AS l FROM logins WHERE workspace_id = :ws GROUP BY user_id
      ) AS x GROUP BY user_id`);
    // The credit tables derived from these (credits per user per day, monthly PAYG / overage / Grid
    // rows, cached pack balances), in the same transaction: one command repairs everything.
    await rebuildCreditRollupsIn(trx, ws);
  });
}

export async function rebuildAllRollups(db: Knex): Promise<number> {
  const ids = await workspaceIds(db);
  for (const id of ids) await rebuildRollups(db, id);
  return ids.length;
}
