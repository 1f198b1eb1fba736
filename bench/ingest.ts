// Ingestion set-up for the benchmark: a second workspace ("bench-ingest") in the same large
// database, holding the same roster, receives the events, so the measured pages of the main
// workspace never change between runs; its rows are deleted before and after each run. The API
// key is created with the product's own key code (src/apikeys/keys.ts) when it exists.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createDb } from '../src/db/knex';
import { toDbTime } from '../src/db/time';
import { upsertAgent } from '../src/ingest/roster';
import type { DatasetInfo } from './dataset';
import { createApiKey } from '../src/apikeys/keys';

export const INGEST_WS_SLUG = 'bench-ingest';

export interface IngestSetup {
  apiKey: string;
  bodiesFile: string;
  batches: number;
  cleanup(): Promise<void>;
}

const SURFACES = ['chat', 'chat', 'chat', 'agent', 'ask', 'command', 'extension', 'api', 'toolbar', 'grid', 'other'];
const MODELS = ['palmyra-x-004', 'gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet'];
const PROMPT = 'Write a short product update for the customer newsletter, friendly tone, three paragraphs, mention the new dashboard and the export improvements. ';

/** Every table with a workspace_id column except the roster/config ones: the ingested data. */
async function dataTables(db: Knex): Promise<string[]> {
  const rows = await db('information_schema.columns')
    .select({ t: 'TABLE_NAME' })
    .where({ TABLE_SCHEMA: db.client.config.connection.database, COLUMN_NAME: 'workspace_id' });
  const keep = new Set(['workspaces', 'users', 'agents', 'groups', 'group_members', 'api_keys']);
  return rows.map((r: { t: string }) => r.t).filter((t: string) => !keep.has(t));
}

async function wipe(db: Knex, wsId: number) {
  for (const t of await dataTables(db)) await db(t).where('workspace_id', wsId).delete();
}

export async function prepareIngest(
  url: string,
  base: string,
  dataset: DatasetInfo,
  opts: { batches: number; log: (m: string) => void },
): Promise<IngestSetup | { unavailable: string }> {
  const probe = await fetch(`${base}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"events":[]}' }).catch(() => null);
  if (!probe) return { unavailable: 'the app did not answer' };
  await probe.arrayBuffer();
  if (probe.status === 404) return { unavailable: 'POST /api/v1/events answers 404 (the API has not landed)' };
  const db = createDb(url, { poolMax: 2 });
  try {
    const now = toDbTime(new Date());
    let ws = await db('workspaces').where({ slug: INGEST_WS_SLUG }).first();
    if (!ws) {
      const main = await db('workspaces').where({ id: dataset.workspaceId }).first();
      const { id: _id, slug: _s, name: _n, created_at: _c, ...settings } = main;
      const [id] = await db('workspaces').insert({ ...settings, slug: INGEST_WS_SLUG, name: 'Bench ingestion', created_at: now });
      await db.raw(
        `INSERT INTO users (workspace_id, email, name, role, department, status, invited_at, joined_at, revoked_at, max_inference_tokens, max_embedding_tokens, may_spend_credits, created_at, updated_at)
         SELECT ?, email, name, role, department, 'active', invited_at, joined_at, NULL, max_inference_tokens, max_embedding_tokens, may_spend_credits, created_at, updated_at
         FROM users WHERE workspace_id = ?`,
        [Number(id), dataset.workspaceId],
      );
      for (let i = 0; i < 12; i++) await upsertAgent(db, Number(id), { externalId: `agent-${i}`, name: `Agent ${i}`, kind: i < 6 ? 'public' : 'custom', type: 'content' });
      ws = await db('workspaces').where({ id: Number(id) }).first();
    }
    const wsId = Number(ws.id);
    await wipe(db, wsId);
    // A credit balance to draw on, as a paying workspace would have.
    await db('credit_ledger').insert({ workspace_id: wsId, occurred_at: now, day: now.slice(0, 10), entry_type: 'purchase', amount: 50_000_000, price_cents: 0, note: 'bench' });
    await db('api_keys').where({ workspace_id: wsId }).delete();
    const { key } = await createApiKey(db, wsId, 'bench', null);

    const emails: string[] = (await db('users').select('email').where({ workspace_id: wsId, status: 'active' }).orderBy('id')).map((u: { email: string }) => u.email);
    const file = path.join(os.tmpdir(), `uc-bench-ingest-${process.pid}.jsonl`);
    const out = fs.createWriteStream(file);
    const tag = Date.now().toString(36);
    const nowMs = Date.now() - 3_600_000;
    let n = 0;
    for (let b = 0; b < opts.batches; b++) {
      const events = [];
      for (let i = 0; i < 1000; i++, n++) {
        const surface = SURFACES[n % SURFACES.length];
        const embedding = n % 23 === 0;
        const prompt = 50 + ((n * 7919) % 1500);
        const completion = embedding ? 0 : 20 + ((n * 104729) % 900);
        const billable = surface === 'grid' ? { category: 'grid', units: 1 + (n % 7) } : surface === 'api' ? { category: 'api', units: 1 } : surface === 'agent' ? { category: 'agents', units: 1 } : null;
        events.push({
          id: `bench-${tag}-${n}`,
          user: emails[(n * 31) % Math.min(emails.length, 400 + (n % emails.length))],
          occurred_at: new Date(nowMs - ((n * 613) % (20 * 86_400_000))).toISOString(),
          kind: embedding ? 'embedding' : 'inference',
          surface,
          output: n % 17 === 0 ? 'image' : 'text',
          agent: surface === 'agent' ? `agent-${n % 12}` : null,
          iq_layers: n % 3 === 0 ? ['brand_voice', 'knowledge'] : [],
          model: embedding ? 'palmyra-embed' : MODELS[n % MODELS.length],
          prompt_tokens: prompt,
          completion_tokens: completion,
          training: embedding && n % 2 === 0,
          ip: `10.1.${(n >> 8) & 255}.${n & 255}`,
          prompt: PROMPT,
          billable,
        });
      }
      if (!out.write(JSON.stringify({ events }) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    opts.log(`ingestion: workspace ${INGEST_WS_SLUG} (#${wsId}) ready, ${n.toLocaleString('en-US')} events prepared`);
    return {
      apiKey: key,
      bodiesFile: file,
      batches: opts.batches,
      async cleanup() {
        const c = createDb(url, { poolMax: 1 });
        try {
          await wipe(c, wsId);
          await c('api_keys').where({ workspace_id: wsId }).delete();
        } finally {
          await c.destroy();
        }
      },
    };
  } finally {
    await db.destroy();
  }
}
