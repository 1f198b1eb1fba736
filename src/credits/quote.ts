// The cost of an action before it runs, and whether it may run (POST /api/v1/credits/quote).
// Stub created by the ingestion API so the route can be wired; the credits feature replaces the body.
import type { Knex } from 'knex';
import type { CreditCategory } from '../ingest/model';

export interface QuoteRequest {
  /** the user's email */
  user: string;
  billable: { category: CreditCategory; units: number };
}

export interface Quote {
  credits: number;
  allowed: boolean;
  reason: string | null;
}

export async function quoteCredits(_db: Knex, _workspaceId: number, _req: QuoteRequest): Promise<Quote> {
  return { credits: 0, allowed: true, reason: null };
}
