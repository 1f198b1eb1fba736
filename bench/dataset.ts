// Builds (or reuses) the benchmark dataset in its own MariaDB database: roster through the real
// upsert functions, then interactions, logins and credit history bulk-loaded with
// LOAD DATA LOCAL INFILE from generated TSV streams (secondary indexes dropped during the load and
// re-added afterwards), then the real rollup rebuild. Deterministic for a given set of parameters.
import { Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import type { Knex } from 'knex';
import { createDb, ensureDatabase } from '../src/db/knex';
import { migrateLatest } from '../src/db/migrate';
import { upsertAgent, upsertGroup, upsertUser } from '../src/ingest/roster';
import { rebuildRollups } from '../src/ingest/rollups';
import { ROLLUP_TABLES } from '../src/rollups/spec';
import { hashPassword } from '../src/auth/password';
import { dayOf, toDbTime, zoneOffsetMinutes } from '../src/db/time';
import { DEPARTMENTS, IQ_LAYERS } from '../src/domain/model';
import { mulberry32 } from '../seeds/demo';

export interface DatasetParams {
  interactions: number;
  users: number;
  months: number;
  seed: number;
  version: number;
  /** agents and groups of the roster; absent = derived from the user count (the default profile) */
  agents?: number;
  groups?: number;
}

/** Bump when the generator changes so an old dataset is rebuilt rather than reused. */
export const GENERATOR_VERSION = 2;

export const BENCH_WS_SLUG = 'bench';
export const BENCH_ADMIN = { email: 'admin@bench.test', password: 'bench-admin-password-1' };
export const TIME_ZONE = 'America/Chicago';

export interface DatasetInfo {
  workspaceId: number;
  reused: boolean;
  params: DatasetParams;
  builtAt: string;
  /** first and last reporting day holding interactions */
  firstDay: string;
  lastDay: string;
  counts: { interactions: number; logins: number; creditLedger: number; users: number; agents: number; groups: number };
  timings: Record<string, number>; // seconds
  /** user with the most interactions (deep Activity Logs page) */
  topUserId: number;
  topUserInteractions: number;
}

type Log = (msg: string) => void;

// ---------------------------------------------------------------- deterministic random numbers

/** Picks an index from cumulative weights (binary search). */
function picker(weights: number[], rnd: () => number): () => number {
  const cum = new Float64Array(weights.length);
  let s = 0;
  weights.forEach((w, i) => (cum[i] = s += w));
  return () => {
    const x = rnd() * s;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

// ---------------------------------------------------------------- vocabulary of the generated usage
const SURFACE_W: [string, number][] = [
  ['chat', 40],
  ['agent', 12],
  ['ask', 10],
  ['command', 8],
  ['extension', 8],
  ['api', 7],
  ['toolbar', 5],
  ['grid', 6],
  ['other', 4],
];
const TEXT_MODELS = ['palmyra-x-004', 'palmyra-x-003', 'gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', 'llama-3.1-70b'];
const TEXT_MODEL_W = [35, 10, 20, 15, 12, 8];
const IMAGE_MODELS = ['palmyra-vision', 'sdxl'];
const EMBED_MODELS = ['palmyra-embed', 'text-embedding-3-large'];
const PROMPTS = [
  'Draft a launch email for the spring campaign',
  'Summarise the attached meeting notes in five bullets',
  'Rewrite this paragraph in our brand voice',
  'Write three LinkedIn posts about "customer stories", tone: upbeat',
  '=SUM(A1:A9) explain this formula',
  '-- translate the FAQ into German',
  '+1 idea for the webinar title, please',
  '@team weekly status summary',
  'Create a product description for SKU 4471, max 80 words',
  'Generate a hero image of a mountain lake at dawn',
  'Classify these support tickets by urgency',
  'Outline a blog post on AI governance, with sources',
  'Proofread: "Their going to the conference, aren\'t they?"',
  'Extract the invoice totals, one per line',
  'Turn these notes into a press release; keep it under 300 words',
  'Answer the customer, politely, and cite the policy',
];
const DEPTS = DEPARTMENTS as readonly string[];
const AGENT_TYPES = ['research', 'optimization', 'content', 'seo', 'analysis', 'general'];
const PRICES: Record<string, number> = { grid: 1, api: 2, agents: 25 };

// ---------------------------------------------------------------- TSV helpers
const esc = (s: string) => (/[\t\n\\]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : s);

function pad2(n: number) {
  return n < 10 ? '0' + n : String(n);
}
function pad3(n: number) {
  return n < 10 ? '00' + n : n < 100 ? '0' + n : String(n);
}

/** Streams TSV produced by `gen` (which pushes lines into an array and returns false when done). */
function tsvStream(gen: (out: string[]) => boolean): Readable {
  let done = false;
  return new Readable({
    highWaterMark: 1 << 20,
    read() {
      if (done) return;
      const out: string[] = [];
      let more = true;
      while (more && out.length < 4000) more = gen(out);
      if (out.length) this.push(out.join(''));
      if (!more) {
        done = true;
        this.push(null);
      }
    },
  });
}

// ---------------------------------------------------------------- helpers on the database
async function secondaryIndexes(conn: mysql.Connection, table: string): Promise<{ name: string; unique: boolean; cols: string[] }[]> {
  const [rows] = await conn.query(`SHOW INDEX FROM \`${table}\``);
  const byName = new Map<string, { name: string; unique: boolean; cols: string[] }>();
  for (const r of rows as { Key_name: string; Non_unique: number; Seq_in_index: number; Column_name: string }[]) {
    if (r.Key_name === 'PRIMARY') continue;
    let ix = byName.get(r.Key_name);
    if (!ix) byName.set(r.Key_name, (ix = { name: r.Key_name, unique: Number(r.Non_unique) === 0, cols: [] }));
    ix.cols[r.Seq_in_index - 1] = r.Column_name;
  }
  return [...byName.values()];
}

async function loadTsv(conn: mysql.Connection, table: string, columns: string[], stream: Readable): Promise<void> {
  await conn.query({
    sql: `LOAD DATA LOCAL INFILE 'bench.tsv' INTO TABLE \`${table}\` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columns.map((c) => `\`${c}\``).join(',')})`,
    infileStreamFactory: () => stream,
  } as mysql.QueryOptions);
}

export function benchDbUrl(base: string, name: string): string {
  const u = new URL(base.replace(/^mariadb:/, 'mysql:'));
  u.pathname = '/' + name;
  return u.toString();
}

function mysqlOpts(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password || ''),
    database: decodeURIComponent(u.pathname.slice(1)),
    flags: ['+LOCAL_FILES'],
    dateStrings: true,
    timezone: 'Z',
    charset: 'utf8mb4',
  } as mysql.ConnectionOptions;
}

async function readMeta(db: Knex): Promise<DatasetInfo | null> {
  const has = await db.schema.hasTable('bench_meta');
  if (!has) return null;
  const row = await db('bench_meta').where({ k: 'dataset' }).first();
  return row ? (JSON.parse(row.v) as DatasetInfo) : null;
}

const sameParams = (a: DatasetParams, b: DatasetParams) =>
  a.interactions === b.interactions && a.users === b.users && a.months === b.months && a.seed === b.seed && a.version === b.version &&
  (a.agents ?? null) === (b.agents ?? null) && (a.groups ?? null) === (b.groups ?? null);

/** Reuses the dataset when its parameters match (and it is intact), otherwise rebuilds it. */
export async function ensureDataset(url: string, params: DatasetParams, opts: { rebuild: boolean; reuse?: boolean; log: Log }): Promise<DatasetInfo> {
  await ensureDatabase(url);
  const db = createDb(url, { poolMax: 4 });
  try {
    await migrateLatest(db);
    if (!opts.rebuild) {
      const meta = await readMeta(db);
      if (opts.reuse && !meta) throw new Error('--reuse: no benchmark dataset in this database yet (run without --reuse)');
      if (meta && (opts.reuse || sameParams(meta.params, params))) {
        const n = await db('interactions').where('workspace_id', meta.workspaceId).count({ n: '*' }).first();
        if (Number(n?.n) === meta.counts.interactions) {
          opts.log(`reusing dataset built ${meta.builtAt} (${meta.counts.interactions.toLocaleString('en-US')} interactions)`);
          // A migration may have added a rollup since the build: rebuild when one is empty.
          for (const t of ROLLUP_TABLES) {
            if (!(await db(t).where('workspace_id', meta.workspaceId).first())) {
              opts.log(`rollup table ${t} is empty (new migration?): rebuilding rollups`);
              const t0 = Date.now();
              await rebuildRollups(db, meta.workspaceId);
              meta.timings.rebuild_rollups = Math.round((Date.now() - t0) / 100) / 10;
              await db('bench_meta').where({ k: 'dataset' }).update({ v: JSON.stringify(meta) });
              break;
            }
          }
          return { ...meta, reused: true };
        }
        opts.log('dataset marker found but row counts differ: rebuilding');
      } else if (meta) opts.log('dataset parameters differ: rebuilding');
    }
  } finally {
    await db.destroy();
  }
  return buildDataset(url, params, opts.log);
}

async function dropAllTables(url: string) {
  const conn = await mysql.createConnection(mysqlOpts(url));
  try {
    const [rows] = await conn.query('SHOW TABLES');
    await conn.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const r of rows as Record<string, string>[]) await conn.query(`DROP TABLE IF EXISTS \`${Object.values(r)[0]}\``);
    await conn.query('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    await conn.end();
  }
}

interface GenUser {
  id: number;
  email: string;
  status: string;
  joinedMs: number;
  revokedMs: number; // Infinity when not revoked
  maySpend: boolean;
  ip: string;
  loginP: number; // chance of a weekday login
}

export async function buildDataset(url: string, params: DatasetParams, log: Log): Promise<DatasetInfo> {
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const lap = (name: string, since: number) => {
    timings[name] = Math.round((Date.now() - since) / 100) / 10;
    log(`  ${name}: ${timings[name]} s`);
  };
  log(`building dataset: ${params.interactions.toLocaleString('en-US')} interactions, ${params.users} users, ${params.months} months`);
  await dropAllTables(url);
  const db = createDb(url, { poolMax: 4 });
  const rnd = mulberry32(params.seed);
  let tStep = Date.now();
  try {
    await migrateLatest(db);
    await db.schema.createTable('bench_meta', (t) => {
      t.string('k', 64).primary();
      t.text('v', 'longtext');
    });

    // ---------------------------------------------------------- time frame
    const now = Date.now();
    const endMs = Math.floor(now / 3_600_000) * 3_600_000; // events up to the start of this hour
    const start = new Date(endMs);
    start.setUTCMonth(start.getUTCMonth() - params.months);
    const startMs = Math.floor(start.getTime() / 3_600_000) * 3_600_000;
    const spanMs = endMs - startMs;

    // ---------------------------------------------------------- workspace + roster (real upserts)
    const createdAt = toDbTime(new Date(startMs - 30 * 86_400_000));
    const [wsIdRaw] = await db('workspaces').insert({
      slug: BENCH_WS_SLUG,
      name: 'Bench Corp',
      time_zone: TIME_ZONE,
      purchased_inference_tokens: 40_000_000_000,
      purchased_embedding_tokens: 8_000_000_000,
      billing_mode: 'credits',
      payg_enabled: true,
      payg_monthly_cap: 2_000_000,
      included_credits_per_period: 200_000,
      created_at: createdAt,
    });
    const wsId = Number(wsIdRaw);
    const adminHash = await hashPassword(BENCH_ADMIN.password);
    // One transaction for the whole roster (the product's upserts, one commit): 20,000 users
    // commit by commit would spend minutes in log flushes.
    const rosterTrx = await db.transaction();
    const users: GenUser[] = [];
    const firstNames = ['Ada', 'Ben', 'Cara', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kai', 'Lea', 'Mo', 'Nia', 'Oli', 'Pia', 'Quin', 'Ravi', 'Sol', 'Tess'];
    const lastNames = ['Ng', 'Okafor', 'Schmidt', 'Garcia', 'Kowalski', 'Tanaka', 'Smith', 'Dubois', 'Rossi', 'Silva', 'Haddad', 'Olsen', 'Park', 'Nguyen'];
    for (let i = 0; i < params.users; i++) {
      const isAdmin = i === 0;
      const r = rnd();
      const status = isAdmin ? 'active' : r < 0.08 ? 'invited' : r < 0.15 ? 'revoked' : 'active';
      // Adoption grows: most people join in the first months; power users (low i) join early.
      const joinFrac = isAdmin ? 0 : Math.min(0.92, Math.pow(rnd(), 1.8) * (i < 100 ? 0.3 : 1));
      const joinedMs = startMs + joinFrac * spanMs - 20 * 86_400_000;
      const revokedMs = status === 'revoked' ? joinedMs + (0.3 + 0.7 * rnd()) * (endMs - joinedMs) : Infinity;
      const email = isAdmin ? BENCH_ADMIN.email : `user${String(i).padStart(5, '0')}@bench.test`;
      const name = isAdmin ? 'Bench Admin' : `${firstNames[i % firstNames.length]} ${lastNames[(i * 7) % lastNames.length]} ${i}`;
      const maySpend = rnd() < 0.9;
      const { id } = await upsertUser(rosterTrx, wsId, {
        email,
        name,
        role: isAdmin || i % 97 === 1 ? 'admin' : 'member',
        department: DEPTS[Math.floor(rnd() * DEPTS.length)],
        status: status as 'active' | 'invited' | 'revoked',
        invitedAt: new Date(joinedMs - 2 * 86_400_000),
        joinedAt: status === 'invited' ? null : new Date(joinedMs),
        revokedAt: status === 'revoked' ? new Date(revokedMs) : null,
        maxInferenceTokens: [0, 1_000_000, 5_000_000, 20_000_000][i % 4],
        maxEmbeddingTokens: [0, 500_000, 2_000_000][i % 3],
        maySpendCredits: maySpend,
        passwordHash: isAdmin ? adminHash : null,
      });
      users.push({
        id,
        email,
        status,
        joinedMs,
        revokedMs,
        maySpend,
        ip: `10.${(i >> 8) & 255}.${i & 255}.${1 + (i % 200)}`,
        loginP: 0.25 + 0.7 * Math.pow(1 - i / params.users, 2),
      });
    }
    const agentIds: number[] = [];
    const nAgents = params.agents ?? Math.max(6, Math.min(60, Math.round(params.users / 35)));
    for (let i = 0; i < nAgents; i++) {
      const custom = i >= 12;
      const { id } = await upsertAgent(rosterTrx, wsId, {
        externalId: custom ? `custom-${i}` : `public-${i}`,
        name: custom ? `Custom agent ${i}` : `${AGENT_TYPES[i % AGENT_TYPES.length]} assistant ${i}`,
        kind: custom ? 'custom' : 'public',
        type: AGENT_TYPES[i % AGENT_TYPES.length],
        visibility: custom ? ['private', 'shared', 'workspace'][i % 3] : 'workspace',
        creatorEmail: custom ? users[1 + ((i * 13) % (users.length - 1))].email : null,
        createdAt: new Date(startMs + (i / nAgents) * spanMs * 0.8),
      });
      agentIds.push(id);
    }
    const nGroups = params.groups ?? Math.max(3, Math.min(40, Math.round(params.users / 60)));
    for (let g = 0; g < nGroups; g++) {
      const members: string[] = [];
      const size = 5 + Math.floor(rnd() * 80);
      for (let k = 0; k < size; k++) members.push(users[Math.floor(rnd() * users.length)].email);
      await upsertGroup(rosterTrx, wsId, {
        externalId: `group-${g}`,
        name: `${DEPTS[g % DEPTS.length]} team ${g}`,
        knowledgeApplied: g % 2 === 0,
        brandVoiceApplied: g % 3 === 0,
        members,
      });
    }
    await rosterTrx.commit();
    lap('roster', tStep);

    // ---------------------------------------------------------- hours: reporting day + weight
    tStep = Date.now();
    const nHours = spanMs / 3_600_000;
    const hourDay: string[] = new Array(nHours);
    const hourPrefix: string[] = new Array(nHours);
    const hourW = new Float64Array(nHours);
    let totalW = 0;
    for (let h = 0; h < nHours; h++) {
      const ms = startMs + h * 3_600_000;
      const d = new Date(ms);
      hourDay[h] = dayOf(d, TIME_ZONE);
      hourPrefix[h] = toDbTime(d).slice(0, 14); // 'YYYY-MM-DD HH:'
      const local = new Date(ms + zoneOffsetMinutes(d, TIME_ZONE) * 60_000);
      const lh = local.getUTCHours();
      const dow = local.getUTCDay();
      const weekday = dow >= 1 && dow <= 5;
      const hourCurve = lh >= 8 && lh < 18 ? (lh === 12 ? 0.75 : 1) : lh >= 6 && lh < 22 ? 0.18 : 0.03;
      const growth = 0.35 + 0.65 * (h / nHours); // adoption grows over the year
      hourW[h] = (weekday ? 1 : 0.12) * hourCurve * growth;
      totalW += hourW[h];
    }

    // ---------------------------------------------------------- interactions (+ credit consumption)
    const surfacePick = picker(
      SURFACE_W.map((s) => s[1]),
      rnd,
    );
    const textModelPick = picker(TEXT_MODEL_W, rnd);
    const userPick = picker(
      users.map((u, i) => (u.status === 'invited' ? 0 : 1 / Math.pow(i + 6, 1.0))),
      rnd,
    );
    const agentPick = picker(
      agentIds.map((_, i) => 1 / (i + 2)),
      rnd,
    );
    const interactionCols = [
      'workspace_id', 'user_id', 'client_event_id', 'occurred_at', 'day', 'surface', 'output', 'agent_id', 'iq_layers', 'model',
      'prompt_tokens', 'completion_tokens', 'total_tokens', 'token_kind', 'training', 'ip', 'prompt_excerpt', 'credits_charged',
      'credit_category', 'overage',
    ];
    // Newer schemas keep the billable units reported with each event (credit rebuilds use them).
    const [unitCols] = (await db.raw("SHOW COLUMNS FROM interactions WHERE Field IN ('billable_units', 'billable_free_units')")) as [{ Field: string }[]];
    const withUnits = unitCols.length === 2;
    if (withUnits) interactionCols.push('billable_units', 'billable_free_units');
    const ledgerLines: string[] = [];
    let ledgerCount = 0;
    let seq = 0;
    let hour = 0;
    let cumW = 0;
    let emitted = 0;
    const perUser = new Map<number, number>();
    const iqCombos = [['knowledge'], ['brand_voice'], ['brand_voice', 'knowledge'], ['audience', 'style_guide'], ['brand_voice', 'knowledge', 'style_guide'], ['visual_guidelines'], [...IQ_LAYERS]].map((c) => c.join(','));
    const genInteractions = (out: string[]): boolean => {
      if (hour >= nHours) return false;
      cumW += hourW[hour];
      const target = Math.round((cumW / totalW) * params.interactions);
      const n = target - emitted;
      const hourMs = startMs + hour * 3_600_000;
      const offs: number[] = new Array(n);
      for (let k = 0; k < n; k++) offs[k] = Math.floor(rnd() * 3_600_000);
      offs.sort((a, b) => a - b);
      const day = hourDay[hour];
      const prefix = hourPrefix[hour];
      for (let k = 0; k < n; k++) {
        let u = users[userPick()];
        for (let tries = 0; tries < 8 && (hourMs < u.joinedMs || hourMs > u.revokedMs); tries++) u = users[userPick()];
        const off = offs[k];
        const at = `${prefix}${pad2(Math.floor(off / 60_000))}:${pad2(Math.floor(off / 1000) % 60)}.${pad3(off % 1000)}`;
        seq++;
        const clientId = `ev-${seq}`;
        const embedding = rnd() < 0.05;
        let surface: string;
        let output = 'text';
        let agent = '\\N';
        let model: string;
        let prompt = 0;
        let completion = 0;
        let training = 0;
        let iq = '';
        if (embedding) {
          surface = rnd() < 0.6 ? 'api' : 'other';
          model = EMBED_MODELS[rnd() < 0.7 ? 0 : 1];
          prompt = 500 + Math.floor(rnd() * rnd() * 20000);
          training = rnd() < 0.4 ? 1 : 0;
        } else {
          surface = SURFACE_W[surfacePick()][0];
          if (surface === 'agent' || (surface === 'chat' && rnd() < 0.1)) agent = String(agentIds[agentPick()]);
          output = rnd() < 0.06 ? 'image' : 'text';
          model = output === 'image' ? IMAGE_MODELS[rnd() < 0.6 ? 0 : 1] : TEXT_MODELS[textModelPick()];
          prompt = 30 + Math.floor(rnd() * rnd() * 3000);
          completion = output === 'image' ? 0 : 20 + Math.floor(rnd() * 1500);
          if (rnd() < 0.38) iq = iqCombos[Math.floor(rnd() * iqCombos.length)];
        }
        const total = prompt + completion;
        let credits = 0;
        let category = '\\N';
        let overage = 0;
        let unitsCol = '\\N';
        if (surface === 'grid' || surface === 'api' || surface === 'agent') {
          category = surface === 'agent' ? 'agents' : surface;
          const units = category === 'grid' ? 1 + Math.floor(rnd() * 20) : category === 'api' ? Math.max(1, Math.ceil(total / 1000)) : 1;
          credits = units * PRICES[category];
          unitsCol = String(units);
          overage = u.maySpend ? 0 : 1;
          ledgerLines.push(`${wsId}\t${at}\t${day}\tconsumption\t${-credits}\t${category}\t${u.id}\t${clientId}\t${overage}\n`);
          ledgerCount++;
        }
        perUser.set(u.id, (perUser.get(u.id) ?? 0) + 1);
        const text = esc(PROMPTS[Math.floor(rnd() * PROMPTS.length)]);
        out.push(
          `${wsId}\t${u.id}\t${clientId}\t${at}\t${day}\t${surface}\t${output}\t${agent}\t${iq}\t${model}\t${prompt}\t${completion}\t${total}\t${embedding ? 'embedding' : 'inference'}\t${training}\t${u.ip}\t${text}\t${credits}\t${category}\t${overage}${withUnits ? `\t${unitsCol}\t${unitsCol === '\\N' ? '\\N' : '0'}` : ''}\n`,
        );
      }
      emitted = target;
      hour++;
      return hour < nHours;
    };

    // ---------------------------------------------------------- logins
    const loginCols = ['workspace_id', 'user_id', 'occurred_at', 'day', 'ip'];
    let loginDayIdx = 0;
    const loginDays: number[] = []; // first hour index of each local day
    for (let h = 0; h < nHours; h++) if (h === 0 || hourDay[h] !== hourDay[h - 1]) loginDays.push(h);
    let loginCount = 0;
    const lrnd = mulberry32(params.seed + 1);
    const genLogins = (out: string[]): boolean => {
      if (loginDayIdx >= loginDays.length) return false;
      const h0 = loginDays[loginDayIdx];
      const h1 = loginDayIdx + 1 < loginDays.length ? loginDays[loginDayIdx + 1] : nHours;
      const dayMs = startMs + h0 * 3_600_000;
      const local = new Date(dayMs + zoneOffsetMinutes(new Date(dayMs), TIME_ZONE) * 60_000);
      const dow = local.getUTCDay();
      const weekday = dow >= 1 && dow <= 5;
      for (const u of users) {
        if (u.status === 'invited' || dayMs < u.joinedMs || dayMs > u.revokedMs) continue;
        if (lrnd() >= u.loginP * (weekday ? 1 : 0.08)) continue;
        const n = 1 + (lrnd() < 0.3 ? 1 : 0);
        const used = new Set<number>();
        for (let k = 0; k < n; k++) {
          // working hours: 8 .. 18 local = hours h0+8 .. h0+18 of the local day
          const hh = Math.min(h1 - 1, h0 + 8 + Math.floor(lrnd() * 10));
          const off = Math.floor(lrnd() * 3_600_000);
          const key = hh * 3_600_000 + off;
          if (used.has(key)) continue;
          used.add(key);
          out.push(`${wsId}\t${u.id}\t${hourPrefix[hh]}${pad2(Math.floor(off / 60_000))}:${pad2(Math.floor(off / 1000) % 60)}.${pad3(off % 1000)}\t${hourDay[hh]}\t${u.ip}\n`);
          loginCount++;
        }
      }
      loginDayIdx++;
      return loginDayIdx < loginDays.length;
    };

    // ---------------------------------------------------------- credit grants / purchases / expiries
    const ledgerCols = ['workspace_id', 'occurred_at', 'day', 'entry_type', 'amount', 'category', 'user_id', 'interaction_client_id', 'is_overage'];
    const grants: Record<string, unknown>[] = [];
    // about 4 credits per interaction are consumed: monthly packs of 100k credits cover ~110% of it
    const packs = Math.max(1, Math.ceil(((params.interactions / params.months) * 4.1 * 1.1) / 100_000));
    for (let m = 0; m <= params.months; m++) {
      const d = new Date(startMs);
      d.setUTCMonth(d.getUTCMonth() + m);
      if (d.getTime() >= endMs) break;
      const atDate = new Date(d.getTime() + 15 * 3_600_000);
      const base = { workspace_id: wsId, occurred_at: toDbTime(atDate), day: dayOf(atDate, TIME_ZONE), expires_at: toDbTime(new Date(atDate.getTime() + 400 * 86_400_000)) };
      grants.push({ ...base, entry_type: 'included', amount: 200_000, note: 'Monthly included credits' });
      grants.push({ ...base, entry_type: 'purchase', amount: packs * 100_000, price_cents: packs * 90_000, note: `Credit pack x${packs}` });
      if (m % 4 === 3) grants.push({ ...base, entry_type: 'adjustment', amount: 5000, expires_at: null, note: 'Goodwill credit' });
    }
    await db('credit_ledger').insert(grants);

    // ---------------------------------------------------------- bulk load
    const conns = await Promise.all([0, 1, 2].map(() => mysql.createConnection(mysqlOpts(url))));
    const saved: Record<string, { name: string; unique: boolean; cols: string[] }[]> = {};
    for (const t of ['interactions', 'logins', 'credit_ledger']) {
      saved[t] = await secondaryIndexes(conns[0], t);
      if (saved[t].length) await conns[0].query(`ALTER TABLE \`${t}\` ${saved[t].map((ix) => `DROP INDEX \`${ix.name}\``).join(', ')}`);
    }
    for (const c of conns) await c.query('SET SESSION unique_checks = 0, foreign_key_checks = 0');
    tStep = Date.now();
    const chunkRows = 250_000;
    const loadInteractions = async () => {
      // several LOAD statements so progress is visible and a failure is cheap to diagnose
      while (hour < nHours) {
        const before = emitted;
        let stop = false;
        const stream = tsvStream((out) => {
          if (stop) return false;
          const more = genInteractions(out);
          if (emitted - before >= chunkRows) stop = true;
          return more && !stop;
        });
        await loadTsv(conns[0], 'interactions', interactionCols, stream);
        log(`  interactions: ${emitted.toLocaleString('en-US')} / ${params.interactions.toLocaleString('en-US')}`);
      }
    };
    const loadLogins = () => loadTsv(conns[1], 'logins', loginCols, tsvStream(genLogins));
    await Promise.all([loadInteractions(), loadLogins()]);
    lap('load_interactions_logins', tStep);
    tStep = Date.now();
    let li = 0;
    await loadTsv(
      conns[2],
      'credit_ledger',
      ledgerCols,
      tsvStream((out) => {
        const end = Math.min(ledgerLines.length, li + 4000);
        for (; li < end; li++) out.push(ledgerLines[li]);
        return li < ledgerLines.length;
      }),
    );
    ledgerLines.length = 0;
    lap('load_credit_ledger', tStep);

    tStep = Date.now();
    await Promise.all(
      ['interactions', 'logins', 'credit_ledger'].map((t, i) =>
        saved[t].length
          ? conns[i].query(
              `ALTER TABLE \`${t}\` ${saved[t].map((ix) => `ADD ${ix.unique ? 'UNIQUE ' : ''}INDEX \`${ix.name}\` (${ix.cols.map((c) => `\`${c}\``).join(', ')})`).join(', ')}`,
            )
          : null,
      ),
    );
    lap('add_indexes', tStep);
    for (const c of conns) await c.end();

    tStep = Date.now();
    // nothing reads the dataset yet: the tables are rebuilt on two connections (both cores)
    await rebuildRollups(db, wsId, { lanes: 2 });
    lap('rebuild_rollups', tStep);

    tStep = Date.now();
    await db.raw('ANALYZE TABLE interactions, logins, credit_ledger, users, rollup_daily, rollup_daily_user, rollup_monthly_user');
    lap('analyze', tStep);

    let top = [...perUser.entries()].sort((a, b) => b[1] - a[1])[0] ?? [users[0].id, 0];
    const days = await db('interactions').where('workspace_id', wsId).min({ a: 'day' }).max({ b: 'day' }).first();
    const info: DatasetInfo = {
      workspaceId: wsId,
      reused: false,
      params,
      builtAt: new Date().toISOString(),
      firstDay: String(days?.a),
      lastDay: String(days?.b),
      counts: {
        interactions: emitted,
        logins: loginCount,
        creditLedger: ledgerCount + grants.length,
        users: users.length,
        agents: agentIds.length,
        groups: nGroups,
      },
      timings: { ...timings, total: Math.round((Date.now() - t0) / 100) / 10 },
      topUserId: top[0],
      topUserInteractions: top[1],
    };
    top = [0, 0];
    await db('bench_meta').insert({ k: 'dataset', v: JSON.stringify(info) });
    log(`dataset built in ${info.timings.total} s`);
    return info;
  } finally {
    await db.destroy();
  }
}
