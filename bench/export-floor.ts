// The command-line floor for the generation-log export: a SELECT of the same rows the app streams
// (generationLogQuery in src/usage/queries.ts: same filter and order, on the same index) with the
// raw columns, run by `mariadb --quick -B -e` into a file. The app's query has the database format
// some of those columns as CSV text (src/csv/database-cells.ts), a little more work for the server
// than this one. Keep the two in step when the export's rows change.
export const GENERATION_LOG_PATH = '/admin/exports/generation-log.csv';

export function generationLogFloorSql(workspaceId: number, from: string, to: string): string {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(from) || !day.test(to)) throw new Error(`bad range ${from}..${to}`);
  return (
    'SELECT occurred_at, day, user_id, output, surface, agent_id, iq_layers, model, prompt_tokens, completion_tokens, total_tokens ' +
    `FROM interactions WHERE workspace_id = ${Number(workspaceId)} AND day BETWEEN '${from}' AND '${to}' AND token_kind = 'inference' ` +
    'ORDER BY day, occurred_at, id'
  );
}
