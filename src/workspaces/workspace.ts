// The workspace: one type for a row of the `workspaces` table, as the database returns it (MariaDB
// gives booleans as 0/1 and may give big counters as strings; SQLite gives numbers).

export interface Workspace {
  id: number;
  slug: string;
  name: string;
  /** IANA zone the reporting days are cut in (default America/Chicago) */
  time_zone: string;
  purchased_inference_tokens: number | string;
  purchased_embedding_tokens: number | string;
  /** 'seat' | 'credits' */
  billing_mode: string;
  payg_enabled: number | boolean;
  /** null = no cap */
  payg_monthly_cap: number | string | null;
  included_credits_per_period: number | string;
  grid_free_test_rows: number | string;
  auto_invite_unknown_users: number | boolean;
  /** 'YYYY-MM-DD HH:MM:SS.mmm' UTC */
  created_at: string | null;
}
