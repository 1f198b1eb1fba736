// CSV export definitions of the Credits page (columns feed the exporter and the data dictionary).
import type { ExportDefinition } from '../csv/definitions';
import { defineExport } from '../csv/definitions';

export interface LedgerExportRow {
  id: number;
  occurred_at: string;
  day: string;
  entry_type: string;
  amount: number;
  category: string | null;
  user_id: number | null;
  source_entry_id: number | null;
  expires_at: string | null;
  price_cents: number | null;
  is_overage: number | boolean;
  note: string | null;
  interaction_client_id: string | null;
}

const iso = (v: unknown) => (v == null || v === '' ? '' : `${String(v).slice(0, 23).replace(' ', 'T')}Z`);

export function creditLedgerExport(users: Map<number, string>): ExportDefinition<LedgerExportRow> {
  return defineExport<LedgerExportRow>({
    id: 'credit-ledger',
    file: 'credit-ledger.csv',
    path: '/admin/credits/ledger.csv',
    title: 'Credit ledger',
    description: 'Every entry of the workspace credit pool in the date range (from, to): credits added, usage, pay-as-you-go, overage, expiries and adjustments. The balance is the sum of amounts.',
    area: 'Credits',
    columns: [
      { key: 'entry_id', type: 'integer', description: 'Ledger entry id (packs are referred to by this id).', example: '1042', value: (r) => r.id },
      { key: 'occurred_at', type: 'datetime', description: 'When the entry happened (UTC).', example: '2026-11-03T15:04:05.123Z', value: (r) => iso(r.occurred_at) },
      { key: 'day', type: 'date', description: 'Reporting day in the workspace time zone.', example: '2026-11-03', value: (r) => String(r.day).slice(0, 10) },
      {
        key: 'entry_type',
        type: 'string',
        description: 'included (monthly included credits), purchase, grant, consumption (usage paid from a pack), payg (usage billed as pay-as-you-go overage), overage (usage nobody could pay), expiry (unused credits of an expired pack), adjustment (credits removed by an admin).',
        example: 'consumption',
      },
      { key: 'amount', type: 'integer', description: 'Signed credits: positive adds to the pool, negative takes from it.', example: '-25' },
      { key: 'category', type: 'string', description: 'For usage: grid, api or agents.', example: 'agents' },
      { key: 'user_email', type: 'string', description: 'For usage: the user whose action it was.', example: 'ada@example.com', value: (r) => (r.user_id == null ? '' : users.get(Number(r.user_id)) ?? '') },
      { key: 'pack_entry_id', type: 'integer', description: 'For consumption, expiry and adjustment: the pack (entry_id) the credits came from.', example: '17', value: (r) => r.source_entry_id },
      { key: 'expires_at', type: 'datetime', description: 'For packs: when unused credits expire (UTC); empty = never.', example: '2027-01-01T06:00:00.000Z', value: (r) => iso(r.expires_at) },
      { key: 'price_usd', type: 'decimal', description: 'For purchases: the price recorded, in US dollars.', example: '1200.5', value: (r) => (r.price_cents == null ? null : Number(r.price_cents) / 100) },
      { key: 'is_overage', type: 'boolean', description: 'True when the usage ran beyond what was allowed (no balance and no PAYG headroom, or a user without credit permission).', example: 'false' },
      { key: 'note', type: 'string', description: 'Admin note (purchases, grants, adjustments).', example: 'Q4 pack' },
      { key: 'event_id', type: 'string', description: 'For usage: the client event id of the interaction.', example: 'evt_01HF…', value: (r) => r.interaction_client_id },
    ],
  });
}

/** For the data dictionary (the user lookup is only needed when exporting). */
export const CREDIT_EXPORTS: ExportDefinition[] = [creditLedgerExport(new Map())];
