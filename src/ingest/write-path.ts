// The one write path for usage: validates against the workspace, stores raw rows, upkeeps the
// rollups and charges credits in one transaction, and ignores repeated client event ids.
// The demo seed and the ingestion API both write through here.
import type { Knex } from 'knex';
import { dayMemo, monthOfDay, toDbTime } from '../db/time';
import { insertChunked, maxInList, rowsPerStatement, uniqueTextKey } from '../db/dialect';
import { transactionWithRetry } from '../db/retry';
import {
  type BatchResult,
  type InteractionInput,
  type LoginInput,
  type Rejection,
  normalizeIqLayers,
  normalizeSurface,
  truncatePrompt,
} from '../domain/model';
import { LOGIN_ROLLUPS, SHARED_INTERACTION_ROLLUPS, type InteractionFacts } from '../rollups/spec';
import { UserRollupParts, applyPendingPart, partOfUser } from '../rollups/deferred';
import { RollupBatch, runCompiled } from '../rollups/upkeep';
import { writeQueue } from './write-queue';
import { bumpUsageVersion } from '../reports/usage-version';
import { chargeBatch, type ChargeRequest } from '../credits/charge';
import { ensureCreditState } from '../credits/pool';
import { costOf, priceItemFor, readPrices } from '../credits/prices';
import { loadWorkspace } from '../workspaces/queries';
import type { Workspace } from '../workspaces/workspace';

export type WorkspaceRow = Workspace;

export interface WriteOptions {
  /** Reject events older than this instant (the 12-month window); undefined = no lower bound. */
  notBefore?: Date;
  /** Reject events later than this instant (now + skew); undefined = no upper bound. */
  notAfter?: Date;
  /**
   * Told when the per-user rollups of a committed batch could not be applied (the database went away
   * between the two steps): the batch is stored and acknowledged, the user-rollups job applies them.
   */
  onDeferredFailure?: (err: unknown) => void;
}

/** The accepted time window of a call (the API's 12-month window and clock skew). */
export type TimeWindow = Required<Pick<WriteOptions, 'notBefore' | 'notAfter'>>;

interface UserRef {
  id: number;
  email: string;
  status: string;
  may_spend_credits: number | boolean;
}

async function usersByEmail(db: Knex, workspaceId: number, emails: string[]): Promise<Map<string, UserRef>> {
  const out = new Map<string, UserRef>();
  const unique = [...new Set(emails)];
  for (let i = 0; i < unique.length; i += maxInList(db)) {
    const rows: UserRef[] = await db('users')
      .select('id', 'email', 'status', 'may_spend_credits')
      .where('workspace_id', workspaceId)
      .whereIn('email', unique.slice(i, i + maxInList(db)));
    for (const r of rows) out.set(r.email.toLowerCase(), r);
  }
  return out;
}

async function inviteUnknownUsers(db: Knex, workspaceId: number, emails: string[]): Promise<void> {
  const now = toDbTime(new Date());
  for (const email of new Set(emails)) {
    await db('users')
      .insert({
        workspace_id: workspaceId,
        email,
        name: email.split('@')[0],
        role: 'member',
        status: 'invited',
        invited_at: now,
        created_at: now,
        updated_at: now,
      })
      .onConflict(['workspace_id', 'email'])
      .ignore();
  }
}

function timeWindowError(at: Date, opts: WriteOptions): string | null {
  if (opts.notAfter && at > opts.notAfter) return 'occurred_at: is in the future';
  if (opts.notBefore && at < opts.notBefore) return 'occurred_at: is older than the 12-month reporting window';
  return null;
}

/**
 * Writes the charged credits and overage flag onto a batch's just-inserted interaction rows: one
 * UPDATE ... WHERE client_event_id IN (...) per distinct (credits, overage) pair, which is a handful
 * per batch (actions cost a few distinct amounts); a CASE statement when the amounts are very mixed.
 */
interface Charged {
  id: string;
  credits: number;
  overage: boolean;
  freeUnits: number;
}

async function setCharges(trx: Knex, workspaceId: number, charged: Charged[]): Promise<void> {
  const groups = new Map<string, string[]>();
  for (const c of charged) {
    const k = `${c.credits}|${c.overage ? 1 : 0}|${c.freeUnits}`;
    const ids = groups.get(k);
    if (ids) ids.push(c.id);
    else groups.set(k, [c.id]);
  }
  if (groups.size <= 16) {
    // Sorted, so concurrent batches touch their (distinct) rows in a stable order.
    for (const [k, ids] of [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const [credits, overage, freeUnits] = k.split('|');
      const set: Record<string, unknown> = { credits_charged: Number(credits), overage: overage === '1' };
      if (Number(freeUnits) !== 0) set.billable_free_units = Number(freeUnits);
      for (let i = 0; i < ids.length; i += maxInList(trx)) {
        await trx('interactions')
          .where('workspace_id', workspaceId)
          .whereIn('client_event_id', ids.slice(i, i + maxInList(trx)))
          .update(set);
      }
    }
    return;
  }
  // Each row binds its id and value in two CASEs of two parameters, and its id in the IN list.
  const chunk = rowsPerStatement(trx, 6);
  for (let i = 0; i < charged.length; i += chunk) {
    const part = charged.slice(i, i + chunk);
    const credits = part.map(() => 'WHEN ? THEN ?').join(' ');
    const overage = part.map(() => 'WHEN ? THEN ?').join(' ');
    await trx('interactions')
      .where('workspace_id', workspaceId)
      .whereIn('client_event_id', part.map((c) => c.id))
      .update({
        credits_charged: trx.raw(`CASE client_event_id ${credits} ELSE credits_charged END`, part.flatMap((c) => [c.id, c.credits])),
        overage: trx.raw(`CASE client_event_id ${overage} ELSE overage END`, part.flatMap((c) => [c.id, c.overage])),
        billable_free_units: trx.raw(`CASE client_event_id ${overage} ELSE billable_free_units END`, part.flatMap((c) => [c.id, c.freeUnits])),
      });
  }
}

/**
 * Stores a batch of interactions. Valid events are stored even when others are rejected; a
 * repeated client id (in this batch or ever before) is a duplicate and changes nothing.
 */
export async function recordInteractions(
  db: Knex,
  workspaceId: number,
  events: InteractionInput[],
  opts: WriteOptions = {},
): Promise<BatchResult> {
  const ws = await loadWorkspace(db, workspaceId);
  const rejected: Rejection[] = [];
  const emails = events.map((e) => e.user.trim().toLowerCase());
  const billing = ws.billing_mode === 'credits' && events.some((e) => e.billable);
  // The lookups are independent: run them at once (less time per batch outside the shared locks).
  const lookupUsers = async () => {
    let users = await usersByEmail(db, workspaceId, emails);
    if (ws.auto_invite_unknown_users) {
      const unknown = emails.filter((e) => !users.has(e));
      if (unknown.length) {
        await inviteUnknownUsers(db, workspaceId, unknown);
        users = await usersByEmail(db, workspaceId, emails);
      }
    }
    return users;
  };
  const agentIds = [...new Set(events.map((e) => e.agent).filter((a): a is string => !!a))];
  const agents = new Map<string, number>();
  const agentTypes = new Map<number, string | null>();
  const lookupAgents = async () => {
    for (let i = 0; i < agentIds.length; i += maxInList(db)) {
      const rows = await db('agents').select('id', 'external_id', 'type').where('workspace_id', workspaceId).whereIn('external_id', agentIds.slice(i, i + maxInList(db)));
      for (const r of rows) {
        agents.set(r.external_id, r.id);
        agentTypes.set(r.id, r.type ?? null);
      }
    }
  };
  // Billable rows are inserted with their expected charge (price x units; overage when the user may
  // not spend credits), so that in the usual case (no free Grid rows left, paid from the pool) the
  // charge needs no UPDATE of the rows afterwards. The price table is read here, outside the
  // transaction; the charge itself prices with the table read under the credit lock.
  // The credit lock row is made to exist before the transaction (see ensureCreditState).
  const [users, , prices] = await Promise.all([
    lookupUsers(),
    lookupAgents(),
    billing ? readPrices(db, workspaceId) : Promise.resolve(null),
    billing ? ensureCreditState(db, workspaceId) : Promise.resolve(),
  ]);
  const dayIn = dayMemo(ws.time_zone);

  const none = { credits: 0, overage: false };
  const prepared: Prepared[] = [];
  const seenInBatch = new Set<string>();
  // Ids compare the way the engine's unique key on client_event_id compares them (src/db/dialect.ts).
  const idKey = uniqueTextKey(db);
  let duplicates = 0;
  events.forEach((e, index) => {
    const user = users.get(emails[index]);
    if (!user) return rejected.push({ index, id: e.id, error: `user: no user with email ${emails[index]} in this workspace` });
    if (e.agent && !agents.has(e.agent)) return rejected.push({ index, id: e.id, error: `agent: no agent with id ${e.agent} in this workspace` });
    const windowError = timeWindowError(e.occurredAt, opts);
    if (windowError) return rejected.push({ index, id: e.id, error: windowError });
    if (seenInBatch.has(idKey(e.id))) {
      duplicates++;
      return;
    }
    seenInBatch.add(idKey(e.id));
    prepared.push({
      index,
      input: e,
      user,
      agentId: e.agent ? agents.get(e.agent)! : null,
      agentType: e.agent ? agentTypes.get(agents.get(e.agent)!) ?? null : null,
      day: dayIn(e.occurredAt),
      at: toDbTime(e.occurredAt),
      expected:
        prices && e.billable
          ? { credits: costOf(prices, priceItemFor(e.billable.category, e.agent ? agentTypes.get(agents.get(e.agent)!) : null), e.billable.units), overage: !user.may_spend_credits }
          : none,
    });
  });

  const stored = prepared.length ? await enqueueWrite(db, ws.id, { ws, prepared, onDeferredFailure: opts.onDeferredFailure }) : { accepted: 0, duplicates: 0 };
  return { accepted: stored.accepted, duplicates: duplicates + stored.duplicates, rejected };
}

interface Prepared {
  /** position in its caller's batch, then (in a write group) unique across the group */
  index: number;
  input: InteractionInput;
  user: UserRef;
  agentId: number | null;
  agentType: string | null;
  day: string;
  at: string;
  /** the charge expected from the price table (the row is inserted with it; see recordInteractions) */
  expected: { credits: number; overage: boolean };
}

interface PendingWrite {
  ws: WorkspaceRow;
  prepared: Prepared[];
  onDeferredFailure?: (err: unknown) => void;
}

/**
 * Batches of a workspace go through the write queue (src/ingest/write-queue.ts): waiting batches are
 * written together in one transaction, with the outcome of writing them one after another in arrival
 * order (an id repeated in a later batch of the group is that batch's duplicate).
 */
const enqueueWrite = writeQueue<PendingWrite, { accepted: number; duplicates: number }>(
  (db, group) => writeGroup(db, group),
  (batch) => batch.prepared.length,
);

/** Writes a group of batches in one transaction: raw rows, rollups, credit charges. */
async function writeGroup(db: Knex, group: PendingWrite[]): Promise<{ accepted: number; duplicates: number }[]> {
  // The newest workspace row (settings that matter to charging are re-read under the credit lock).
  const ws = group[group.length - 1].ws;
  const workspaceId = ws.id;
  const idKey = uniqueTextKey(db);
  // Concatenate in arrival order; an id already taken by an earlier batch of the group is a duplicate.
  const prepared: Prepared[] = [];
  const owner = new Map<Prepared, number>();
  const inGroupDuplicates = group.map(() => 0);
  const seen = new Set<string>();
  group.forEach((g, gi) => {
    for (const p of g.prepared) {
      const k = idKey(p.input.id);
      if (seen.has(k)) {
        inGroupDuplicates[gi]++;
        continue;
      }
      seen.add(k);
      const q = { ...p, index: prepared.length };
      owner.set(q, gi);
      prepared.push(q);
    }
  });
  const { results: stored, parts } = await transactionWithRetry(db, async (trx) => {
    const existing = new Set<string>();
    const ids = prepared.map((p) => p.input.id);
    for (let i = 0; i < ids.length; i += maxInList(trx)) {
      const rows = await trx('interactions').select('client_event_id').where('workspace_id', workspaceId).whereIn('client_event_id', ids.slice(i, i + maxInList(trx)));
      for (const r of rows) existing.add(idKey(r.client_event_id));
    }
    const fresh = prepared.filter((p) => !existing.has(idKey(p.input.id)));
    // A repeated batch (a retry after a failure between the two transactions) also applies what
    // its stored events left pending, so its answer means counted, as the first answer would have.
    const repeatedParts = prepared.filter((p) => existing.has(idKey(p.input.id))).map((p) => partOfUser(p.user.id));
    const results = group.map(() => ({ accepted: 0, duplicates: 0 }));
    for (const p of prepared) {
      if (existing.has(idKey(p.input.id))) results[owner.get(p)!].duplicates++;
      else results[owner.get(p)!].accepted++;
    }

    // Workspace-wide rollups in this transaction; per-user ones staged and applied after the commit.
    const rollups = new RollupBatch(SHARED_INTERACTION_ROLLUPS);
    const perUser = new UserRollupParts();

    const rows = fresh.map((p) => {
      const e = p.input;
      const iq = normalizeIqLayers(e.iqLayers);
      const surface = normalizeSurface(e.surface);
      const output = e.output ?? 'text';
      const total = e.promptTokens + e.completionTokens;
      const training = !!e.training;
      const facts: InteractionFacts = {
        workspace_id: workspaceId,
        day: p.day,
        month: monthOfDay(p.day),
        user_id: p.user.id,
        agent_id: p.agentId,
        token_kind: e.kind,
        surface,
        output,
        model: e.model,
        training,
        iq: iq.length > 0,
        prompt_tokens: e.promptTokens,
        completion_tokens: e.completionTokens,
        total_tokens: total,
        at: p.at,
      };
      rollups.addInteraction(facts);
      perUser.addInteraction(facts);
      return {
        workspace_id: workspaceId,
        user_id: p.user.id,
        client_event_id: e.id,
        occurred_at: p.at,
        day: p.day,
        surface,
        output,
        agent_id: p.agentId,
        iq_layers: iq.join(','),
        model: e.model,
        prompt_tokens: e.promptTokens,
        completion_tokens: e.completionTokens,
        total_tokens: total,
        token_kind: e.kind,
        training,
        ip: e.ip ?? null,
        prompt_excerpt: truncatePrompt(e.prompt),
        // The expected charge (price x units); corrected below, for the rows whose actual charge
        // differs (free Grid rows, overage), once the batch is charged inside this transaction.
        credits_charged: p.expected.credits,
        credit_category: e.billable?.category ?? null,
        overage: p.expected.overage,
        // Stored so a rebuild can recompute the Grid row counters exactly; free units set below.
        billable_units: e.billable ? e.billable.units : null,
        billable_free_units: e.billable ? 0 : null,
      };
    });
    // Raw rows first: they touch no shared rows, so concurrent batches insert them in parallel.
    // Only then the workspace's credit lock and the shared rollup rows, which serialise batches.
    await insertChunked(trx, 'interactions', rows);
    // New rows of their own: no batch waits on another here.
    const staged = await perUser.stage(trx, workspaceId);
    // the rollup upserts' SQL, built now rather than while the credit lock is held
    const rollupStatements = rollups.compile(trx);

    const chargeRequests: ChargeRequest[] = fresh
      .filter((p) => p.input.billable)
      .map((p) => ({
        index: p.index,
        clientId: p.input.id,
        userId: p.user.id,
        maySpendCredits: !!p.user.may_spend_credits,
        category: p.input.billable!.category,
        units: p.input.billable!.units,
        occurredAt: p.input.occurredAt,
        day: p.day,
        agentId: p.agentId,
        agentType: p.agentType,
      }));
    // Charging batches of a workspace queue on its credit_state row (lockPool's SELECT ... FOR UPDATE;
    // the row was created before the transaction, so no batch inserts it under contention).
    // Taken before the rollup upserts on purpose: those upserts lock the same shared rows (today's
    // rollup rows) until commit anyway, so taking the credit lock last would not shorten the serialised
    // part, while the lock first keeps concurrent upserts of a workspace from deadlocking. Measured on
    // MariaDB (16 x 1000-event batches at once, 8 rounds): lock last was within the run-to-run noise.
    const charges = await chargeBatch(trx, ws, chargeRequests);
    const charged: Charged[] = [];
    for (const p of fresh) {
      const charge = charges.get(p.index);
      if (!p.input.billable || !charge) continue;
      const exp = p.expected;
      if (charge.credits !== exp.credits || charge.overage !== exp.overage || charge.freeUnits !== 0) charged.push({ id: p.input.id, credits: charge.credits, overage: charge.overage, freeUnits: charge.freeUnits });
    }
    await setCharges(trx, workspaceId, charged);

    // The credit rollups were upkept by the charge; the workspace-wide usage rollups now, and
    // last the workspace's usage version (src/reports/usage-version.ts), held only until the commit.
    await runCompiled(trx, rollupStatements);
    if (fresh.length) await bumpUsageVersion(trx, workspaceId);
    return { results, parts: [...new Set([...staged, ...repeatedParts])] };
  });
  // The per-user rollups of this group (and of any batch committed meanwhile), before answering.
  // The group's events are stored once the transaction committed, so a failure here still answers
  // them as accepted (a 503 would tell the sender nothing was stored): their rows wait in
  // rollup_pending for the user-rollups job, or for a repeat of the batch.
  try {
    await Promise.all(parts.map((part) => applyPendingPart(db, workspaceId, part)));
  } catch (err) {
    for (const g of group) g.onDeferredFailure?.(err);
  }
  return stored.map((r, i) => ({ accepted: r.accepted, duplicates: r.duplicates + inGroupDuplicates[i] }));
}

/** Stores platform web-app logins; a repeated (user, occurred_at) is a duplicate. */
export async function recordLogins(db: Knex, workspaceId: number, logins: LoginInput[], opts: WriteOptions = {}): Promise<BatchResult> {
  const ws = await loadWorkspace(db, workspaceId);
  const emails = logins.map((l) => l.user.trim().toLowerCase());
  const users = await usersByEmail(db, workspaceId, emails);
  const dayIn = dayMemo(ws.time_zone);
  const rejected: Rejection[] = [];
  const prepared: { userId: number; at: string; day: string; ip: string | null; key: string }[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  logins.forEach((l, index) => {
    const user = users.get(emails[index]);
    if (!user) return rejected.push({ index, id: null, error: `user: no user with email ${emails[index]} in this workspace` });
    const windowError = timeWindowError(l.occurredAt, opts);
    if (windowError) return rejected.push({ index, id: null, error: windowError });
    const at = toDbTime(l.occurredAt);
    const key = `${user.id}|${at}`;
    if (seen.has(key)) {
      duplicates++;
      return;
    }
    seen.add(key);
    prepared.push({ userId: user.id, at, day: dayIn(l.occurredAt), ip: l.ip ?? null, key });
  });

  const stored = await transactionWithRetry(db, async (trx) => {
    const existing = new Set<string>();
    const ats = [...new Set(prepared.map((p) => p.at))];
    for (let i = 0; i < ats.length; i += maxInList(trx)) {
      const rows = await trx('logins')
        .select('user_id', 'occurred_at')
        .where('workspace_id', workspaceId)
        .whereIn('occurred_at', ats.slice(i, i + maxInList(trx)));
      for (const r of rows) existing.add(`${r.user_id}|${String(r.occurred_at).slice(0, 23)}`);
    }
    const fresh = prepared.filter((p) => !existing.has(p.key));
    const rollups = new RollupBatch(LOGIN_ROLLUPS);
    for (const p of fresh) rollups.addLogin({ workspace_id: workspaceId, day: p.day, user_id: p.userId, at: p.at });
    await insertChunked(
      trx,
      'logins',
      fresh.map((p) => ({ workspace_id: workspaceId, user_id: p.userId, occurred_at: p.at, day: p.day, ip: p.ip })),
    );
    await rollups.flush(trx);
    if (fresh.length) await bumpUsageVersion(trx, workspaceId);
    return { accepted: fresh.length, duplicates: prepared.length - fresh.length };
  });
  return { accepted: stored.accepted, duplicates: duplicates + stored.duplicates, rejected };
}
