// API keys: generation (`uc_<prefix>_<secret>`), hashing (sha256 of the whole key), constant-time
// verification, and the throttled last-used stamp. All SQL for api_keys lives here.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { toDbTime } from '../db/time';
import { isDuplicateKeyError, rawRows } from '../db/dialect';
import type { Workspace } from '../workspaces/workspace';

/** What a key may do: `ingest` (usage, roster, authorize), `read` (read API), `scim` (provisioning). */
export const API_SCOPES = ['ingest', 'read', 'scim'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Scopes from their stored form ('ingest,read'); unknown names are dropped, order is canonical. */
export function parseScopes(stored: string | null | undefined): ApiScope[] {
  const set = new Set(String(stored ?? '').split(',').map((x) => x.trim()));
  return API_SCOPES.filter((s) => set.has(s));
}

export function formatScopes(scopes: readonly ApiScope[]): string {
  return API_SCOPES.filter((s) => scopes.includes(s)).join(',');
}

const KEY_RE = /^uc_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface ApiKeyRow {
  id: number;
  workspace_id: number;
  name: string;
  prefix: string;
  created_by_user_id: number | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  scopes: string;
}

export interface AuthenticatedKey {
  id: number;
  workspaceId: number;
  prefix: string;
  name: string;
  scopes: ApiScope[];
}

export function hashKey(key: string): string {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex');
}

function randomPrefix(): string {
  const bytes = crypto.randomBytes(12);
  let out = '';
  for (const b of bytes) out += PREFIX_ALPHABET[b % PREFIX_ALPHABET.length];
  return out;
}

/** A new key: the full secret string (shown once) and its public prefix. */
export function generateKey(): { key: string; prefix: string } {
  const prefix = randomPrefix();
  const secret = crypto.randomBytes(32).toString('base64url'); // 43 characters
  return { key: `uc_${prefix}_${secret}`, prefix };
}

/** The prefix of a well-formed key, or null (used to key the rate limiter before any lookup). */
export function prefixOf(key: string): string | null {
  return KEY_RE.exec(key)?.[1] ?? null;
}

export async function createApiKey(
  db: Knex,
  workspaceId: number,
  name: string,
  createdByUserId: number | null,
  scopes: readonly ApiScope[] = ['ingest'],
): Promise<{ key: string; row: ApiKeyRow }> {
  const stored = formatScopes(scopes);
  if (!stored) throw new Error('An API key needs at least one scope.');
  for (let attempt = 0; ; attempt++) {
    const { key, prefix } = generateKey();
    const row = {
      workspace_id: workspaceId,
      name,
      prefix,
      secret_hash: hashKey(key),
      created_by_user_id: createdByUserId,
      created_at: toDbTime(new Date()),
      last_used_at: null,
      revoked_at: null,
      scopes: stored,
    };
    try {
      const [id] = await db('api_keys').insert(row);
      const { secret_hash: _h, ...pub } = row;
      return { key, row: { id: Number(id), ...pub } };
    } catch (err) {
      // A prefix collision (48 bits of randomness) is astronomically rare; draw again.
      if (attempt < 3 && isDuplicateKeyError(err)) continue;
      throw err;
    }
  }
}

const DUMMY_HASH = Buffer.from(hashKey('uc_000000000000_' + 'x'.repeat(43)), 'hex');

/**
 * The active key matching `presented`, or null. The stored hash is compared in constant time;
 * an unknown prefix still costs one comparison so timing does not reveal which prefixes exist.
 */
export async function verifyApiKey(db: Knex, presented: string): Promise<AuthenticatedKey | null> {
  return (await verifyApiKeyWithWorkspace(db, presented))?.key ?? null;
}

interface KeyColumns {
  k_id: number;
  k_workspace_id: number;
  k_prefix: string;
  k_name: string;
  k_secret_hash: string;
  k_revoked_at: string | null;
  k_scopes: string | null;
}

const KEY_COLUMNS = { k_id: 'k.id', k_workspace_id: 'k.workspace_id', k_prefix: 'k.prefix', k_name: 'k.name', k_secret_hash: 'k.secret_hash', k_revoked_at: 'k.revoked_at', k_scopes: 'k.scopes' };

/**
 * verifyApiKey and the key's workspace row, read in one query: every API request needs both, and
 * a round trip saved on each counts for the authorize call.
 */
export async function verifyApiKeyWithWorkspace(db: Knex, presented: string): Promise<{ key: AuthenticatedKey; workspace: Workspace } | null> {
  const prefix = prefixOf(presented);
  if (!prefix) return null;
  const row: (Workspace & KeyColumns) | undefined = await db('api_keys as k').join('workspaces as w', 'w.id', 'k.workspace_id').select('w.*').select(KEY_COLUMNS).where('k.prefix', prefix).first();
  const given = Buffer.from(hashKey(presented), 'hex');
  const stored = row && /^[0-9a-f]{64}$/.test(row.k_secret_hash) ? Buffer.from(row.k_secret_hash, 'hex') : DUMMY_HASH;
  const match = crypto.timingSafeEqual(given, stored);
  if (!row || !match || row.k_revoked_at) return null;
  const { k_id, k_workspace_id, k_prefix, k_name, k_secret_hash: _hash, k_revoked_at: _revoked, k_scopes, ...workspace } = row;
  return { key: { id: k_id, workspaceId: k_workspace_id, prefix: k_prefix, name: k_name, scopes: parseScopes(k_scopes) }, workspace };
}

/**
 * Keys this process has verified, by the sha256 of the whole key (per database handle). A key found
 * here skips the lookup and the comparison, but whether it is still active is not known: a caller
 * that uses it must confirm it (keyStillActiveSql, or confirmVerifiedKey) before it answers anything,
 * so a key revoked by any process is refused by every process on its next request. Only keys that
 * passed verifyApiKeyWithWorkspace are kept, so guessed keys cannot fill it.
 */
const verifiedKeys = new WeakMap<Knex, Map<string, AuthenticatedKey>>();
const MAX_VERIFIED_KEYS = 1000;

function verifiedOf(db: Knex): Map<string, AuthenticatedKey> {
  let m = verifiedKeys.get(db);
  if (!m) verifiedKeys.set(db, (m = new Map()));
  return m;
}

/** The key with this hash (hashKey of the presented key) if this process verified it before. */
export function recallVerifiedKey(db: Knex, hash: string): AuthenticatedKey | null {
  return verifiedKeys.get(db)?.get(hash) ?? null;
}

export function rememberVerifiedKey(db: Knex, hash: string, key: AuthenticatedKey): void {
  const m = verifiedOf(db);
  m.delete(hash);
  m.set(hash, key);
  if (m.size > MAX_VERIFIED_KEYS) m.delete(m.keys().next().value as string);
}

export function forgetVerifiedKey(db: Knex, hash: string): void {
  verifiedKeys.get(db)?.delete(hash);
}

/**
 * A scalar subquery, 1 while the remembered key is still active (not revoked, not removed, same
 * secret: a removed key's id reused by a new key does not match), else 0. For a statement the
 * request makes anyway; `?` bindings in order.
 */
export function keyStillActiveSql(key: AuthenticatedKey, hash: string): { sql: string; bindings: Knex.Value[] } {
  return { sql: '(SELECT COUNT(*) FROM api_keys WHERE id = ? AND workspace_id = ? AND secret_hash = ? AND revoked_at IS NULL)', bindings: [key.id, key.workspaceId, hash] };
}

/** keyStillActiveSql as a statement of its own (error answers, which make no other statement). */
export async function confirmVerifiedKey(db: Knex, key: AuthenticatedKey, hash: string): Promise<boolean> {
  const q = keyStillActiveSql(key, hash);
  const active = Number(rawRows<{ n: unknown }>(await db.raw(`SELECT ${q.sql} AS n`, q.bindings))[0]?.n ?? 0) > 0;
  if (!active) forgetVerifiedKey(db, hash);
  return active;
}

const USE_STAMP_INTERVAL_MS = 60_000;
/** Per database handle (key ids are only unique within one database). */
const stampsByDb = new WeakMap<Knex, Map<number, number>>();

/** Records that a key was used, at most once a minute per key (per process, and guarded in SQL). */
export async function touchApiKey(db: Knex, keyId: number, now = new Date()): Promise<void> {
  let lastStamped = stampsByDb.get(db);
  if (!lastStamped) stampsByDb.set(db, (lastStamped = new Map()));
  const last = lastStamped.get(keyId) ?? 0;
  if (now.getTime() - last < USE_STAMP_INTERVAL_MS) return;
  lastStamped.set(keyId, now.getTime());
  const threshold = toDbTime(new Date(now.getTime() - USE_STAMP_INTERVAL_MS));
  await db('api_keys')
    .where({ id: keyId })
    .where((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', threshold))
    .update({ last_used_at: toDbTime(now) });
}

export interface KeyListRow extends ApiKeyRow {
  created_by_email: string | null;
  created_by_name: string | null;
}

export const KEY_PAGE_SIZE = 50;

/** Keys of a workspace, newest first; keyset on id (ids grow with creation time). */
export async function listApiKeys(db: Knex, workspaceId: number, beforeId?: number): Promise<{ rows: KeyListRow[]; nextBefore: number | null }> {
  const q = db('api_keys as k')
    .leftJoin('users as u', 'u.id', 'k.created_by_user_id')
    .select('k.id', 'k.workspace_id', 'k.name', 'k.prefix', 'k.created_by_user_id', 'k.created_at', 'k.last_used_at', 'k.revoked_at', 'k.scopes', 'u.email as created_by_email', 'u.name as created_by_name')
    .where('k.workspace_id', workspaceId)
    .orderBy('k.id', 'desc')
    .limit(KEY_PAGE_SIZE + 1);
  if (beforeId) q.where('k.id', '<', beforeId);
  const rows: KeyListRow[] = await q;
  const more = rows.length > KEY_PAGE_SIZE;
  if (more) rows.pop();
  return { rows, nextBefore: more ? rows[rows.length - 1].id : null };
}

export async function findApiKey(db: Knex, workspaceId: number, id: number): Promise<ApiKeyRow | undefined> {
  return db('api_keys')
    .select('id', 'workspace_id', 'name', 'prefix', 'created_by_user_id', 'created_at', 'last_used_at', 'revoked_at', 'scopes')
    .where({ id, workspace_id: workspaceId })
    .first();
}

/** Revokes a key (no-op when already revoked); returns the key as it was before. */
export async function revokeApiKey(db: Knex, workspaceId: number, id: number): Promise<{ before: ApiKeyRow; changed: boolean } | null> {
  const before = await findApiKey(db, workspaceId, id);
  if (!before) return null;
  if (before.revoked_at) return { before, changed: false };
  await db('api_keys').where({ id, workspace_id: workspaceId }).whereNull('revoked_at').update({ revoked_at: toDbTime(new Date()) });
  return { before, changed: true };
}

