// Rate-limit counters shared by every app process and every host: express-rate-limit's own memory
// store counts per process, so with WEB_CONCURRENCY=2 (or two hosts) each limit would double.
//
// - Default: the database (table rate_limit_hits, both engines): one row per key, its window
//   starting at the key's first hit; one upsert per hit, read back, or per block of hits for the
//   API limiter (DbRateLimitStore's blocks).
// - REDIS_URL set: Redis through rate-limit-redis (the express-rate-limit team's store). When Redis
//   is unreachable or slow (over REDIS_TIMEOUT_MS), the limiter FALLS BACK to the database counters
//   and logs one line (at most one a minute); requests are neither refused nor held up. When the
//   database itself fails, the request is let through (fail open, logged): the request then meets the
//   same database failure in its own handler and gets 503 there.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { rateLimit, type ClientRateLimitInfo, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import type { Request, RequestHandler, Response } from 'express';
import { RedisStore } from 'rate-limit-redis';
import { createClient } from 'redis';
import { hitWindowedCounter } from '../db/counters';
import type { AppContext } from './context';

const TABLE = 'rate_limit_hits';
/** How long a Redis command may take before the database counters are used instead. */
const REDIS_TIMEOUT_MS = 500;

function storedKey(prefix: string, key: string): string {
  const full = `${prefix}${key}`;
  return full.length <= 160 ? full : `${prefix}sha256:${crypto.createHash('sha256').update(key).digest('hex')}`;
}

/**
 * A block of hit numbers a process claimed for one key in one window (DbRateLimitStore's blocks):
 * `next`..`last` are still to hand out.
 */
interface Block {
  next: number;
  last: number;
  expiresAt: number;
  size: number;
  claimedAt: number;
  claiming?: Promise<void>;
}

/** A block is sized to about this much of the key's traffic in this process. */
const BLOCK_TARGET_MS = 100;

/**
 * Counters in the database: each key's window starts at its first hit (like the memory store).
 *
 * `blocks` (the API limiter: large limits, a hit on every call): instead of a statement per request,
 * a process claims a block of hit numbers in the same one statement (hits + n) and hands them out
 * itself. A request gets through only with a number within the limit, so all processes together
 * never let more through than the limit. Numbers a process claimed but did not hand out before the
 * window ended are lost, so a key may be refused a little early: at most a block per process and
 * window. Blocks grow while a block lasts less than BLOCK_TARGET_MS and shrink when one lasts over
 * ten times that, between 1 and a hundredth of the limit; a limit under 200 is counted exactly, one
 * number per request.
 */
export class DbRateLimitStore implements Store {
  localKeys = false;
  windowMs = 60_000;
  private lastSweep = 0;
  private maxBlock = 1;
  private readonly blocksByKey = new Map<string, Block>();

  constructor(
    private readonly db: Knex,
    readonly prefix: string,
    private readonly opts: { blocks?: boolean } = {},
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
    if (this.opts.blocks && typeof options.limit === 'number') this.maxBlock = Math.max(1, Math.floor(options.limit / 100));
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = await this.db(TABLE).where({ rl_key: storedKey(this.prefix, key) }).first('hits', 'expires_at');
    if (!row || Number(row.expires_at) <= Date.now()) return undefined;
    return { totalHits: Number(row.hits), resetTime: new Date(Number(row.expires_at)) };
  }

  async increment(key: string): Promise<IncrementResponse> {
    if (this.maxBlock > 1) return this.fromBlock(key);
    const now = Date.now();
    const r = await hitWindowedCounter(this.db, TABLE, storedKey(this.prefix, key), now, now + this.windowMs);
    this.sweep(now);
    return { totalHits: Math.max(1, r.hits), resetTime: new Date(r.expiresAt) };
  }

  /** The next number of this process's block for `key`, claiming a block when it has none left. */
  private async fromBlock(key: string): Promise<IncrementResponse> {
    for (;;) {
      const b = this.blocksByKey.get(key);
      if (b?.claiming) {
        await b.claiming;
        continue;
      }
      const now = Date.now();
      if (b && b.next <= b.last && now < b.expiresAt) return { totalHits: b.next++, resetTime: new Date(b.expiresAt) };
      await this.claim(key, b, now);
    }
  }

  /** One statement: the key's counter + n, this process's numbers the n below the new total. */
  private claim(key: string, prev: Block | undefined, now: number): Promise<void> {
    let size = 1;
    if (prev) {
      const lasted = now - prev.claimedAt;
      size = lasted < BLOCK_TARGET_MS ? prev.size * 2 : lasted > 10 * BLOCK_TARGET_MS ? Math.floor(prev.size / 2) : prev.size;
      size = Math.min(this.maxBlock, Math.max(1, size));
    }
    const b: Block = prev ?? { next: 1, last: 0, expiresAt: 0, size, claimedAt: now };
    b.claiming = hitWindowedCounter(this.db, TABLE, storedKey(this.prefix, key), now, now + this.windowMs, size)
      .then((r) => Object.assign(b, { next: r.hits - size + 1, last: r.hits, expiresAt: r.expiresAt, size, claimedAt: now }))
      .then(
        () => {
          b.claiming = undefined;
        },
        (err) => {
          b.claiming = undefined;
          throw err;
        },
      );
    this.blocksByKey.set(key, b);
    this.sweep(now);
    return b.claiming;
  }

  async decrement(key: string): Promise<void> {
    await this.db(TABLE).where({ rl_key: storedKey(this.prefix, key) }).andWhere('hits', '>', 0).andWhere('expires_at', '>', Date.now()).decrement('hits', 1);
  }

  async resetKey(key: string): Promise<void> {
    this.blocksByKey.delete(key);
    await this.db(TABLE).where({ rl_key: storedKey(this.prefix, key) }).del();
  }

  /** Ended windows are deleted now and then (at most once a window per process and limiter). */
  private sweep(now: number) {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [key, b] of this.blocksByKey) if (!b.claiming && b.expiresAt <= now) this.blocksByKey.delete(key);
    this.db(TABLE)
      .where('expires_at', '<', now - 1000)
      .del()
      .catch(() => undefined);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

type RedisClient = ReturnType<typeof createClient>;
const redisClients = new Map<string, RedisClient>();

/** One Redis connection per process and URL; connection errors are logged, never thrown. */
function redisClient(url: string, logger: Logger): RedisClient {
  let client = redisClients.get(url);
  if (client) return client;
  client = createClient({
    url,
    // Commands fail at once while disconnected (instead of queueing until Redis is back).
    disableOfflineQueue: true,
    socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(250 * (retries + 1), 5000) },
  });
  let lastLog = 0;
  client.on('error', (err: Error) => {
    if (Date.now() - lastLog > 60_000) {
      lastLog = Date.now();
      logger.warn({ err: err.message }, 'Redis (REDIS_URL) unreachable: rate limits use the database counters until it is back');
    }
  });
  client.setMaxListeners(0); // one 'ready' listener per limiter
  client.connect().catch(() => undefined);
  redisClients.set(url, client);
  return client;
}

/** Closes the Redis connections of this process (shutdown, tests). */
export async function closeRateLimitRedis(): Promise<void> {
  const clients = [...redisClients.values()];
  redisClients.clear();
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
}

/** Redis first; the database counters when Redis fails or is slow. */
export class RedisWithFallbackStore implements Store {
  localKeys = false;
  private readonly redis: RedisStore;
  private options: Options | null = null;
  private redisReady = false;
  private lastInit = 0;
  private lastLog = 0;

  constructor(
    private readonly client: RedisClient,
    private readonly fallback: DbRateLimitStore,
    readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.redis = new RedisStore({ prefix: `uc:rl:${prefix}`, sendCommand: (...args: string[]) => client.sendCommand(args) as Promise<never> });
    // (Re)load the scripts as soon as the connection is (back) up, not only on the 5 s retry.
    client.on('ready', () => {
      this.lastInit = 0;
      this.tryInitRedis();
    });
  }

  init(options: Options): void {
    this.options = options;
    this.fallback.init(options);
    this.tryInitRedis();
  }

  /** Loads the store's scripts into Redis (again after an outage; at most every 5 s). */
  private tryInitRedis() {
    if (!this.options || Date.now() - this.lastInit < 5000) return;
    this.lastInit = Date.now();
    withTimeout(this.redis.init(this.options), REDIS_TIMEOUT_MS * 4).then(
      () => (this.redisReady = true),
      (err) => this.fellBack(err),
    );
  }

  private fellBack(err: unknown) {
    this.redisReady = false;
    if (Date.now() - this.lastLog > 60_000) {
      this.lastLog = Date.now();
      this.logger.warn({ err: (err as Error)?.message }, 'Redis rate-limit store failed: using the database counters (fallback)');
    }
  }

  private async attempt<T>(viaRedis: () => Promise<T>, viaDb: () => Promise<T>): Promise<T> {
    if (!this.redisReady || !this.client.isReady) {
      this.tryInitRedis();
      return viaDb();
    }
    try {
      return await withTimeout(viaRedis(), REDIS_TIMEOUT_MS);
    } catch (err) {
      this.fellBack(err);
      return viaDb();
    }
  }

  increment(key: string): Promise<IncrementResponse> {
    return this.attempt(
      () => this.redis.increment(key),
      () => this.fallback.increment(key),
    );
  }

  decrement(key: string): Promise<void> {
    return this.attempt(
      () => this.redis.decrement(key),
      () => this.fallback.decrement(key),
    );
  }

  resetKey(key: string): Promise<void> {
    return this.attempt(
      () => this.redis.resetKey(key),
      () => this.fallback.resetKey(key),
    );
  }

  get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.attempt(
      () => this.redis.get(key),
      () => this.fallback.get(key),
    );
  }
}

/**
 * The shared store for one limiter (`prefix` names it: 'login-ip:', 'api:'). One per limiter.
 * `blocks`: the database counters claim blocks of hits (DbRateLimitStore); not for limiters that
 * take hits back (decrement), such as failed-attempt limiters.
 */
export function sharedRateLimitStore(ctx: AppContext, prefix: string, opts: { blocks?: boolean } = {}): Store {
  const db = new DbRateLimitStore(ctx.db, prefix, opts);
  if (!ctx.config.REDIS_URL) return db;
  return new RedisWithFallbackStore(redisClient(ctx.config.REDIS_URL, ctx.logger), db, prefix, ctx.logger);
}

/**
 * A limiter of failed attempts (sign-in passwords, second-factor codes): a 15-minute window,
 * successful requests not counted, counted in the shared store so the limit holds across processes
 * and hosts. `prefix` names the counter; `key`/`skip` pick whose attempts count.
 */
export function failedAttemptsLimiter(
  ctx: AppContext,
  opts: { prefix: string; limit: number; handler: (req: Request, res: Response) => void; key?: (req: Request) => string; skip?: (req: Request) => boolean; headers?: boolean },
): RequestHandler {
  return rateLimit({
    windowMs: 15 * 60_000,
    limit: opts.limit,
    skipSuccessfulRequests: true,
    standardHeaders: opts.headers ? 'draft-8' : false,
    legacyHeaders: false,
    ...(opts.key ? { keyGenerator: opts.key } : {}),
    ...(opts.skip ? { skip: opts.skip } : {}),
    handler: opts.handler,
    store: sharedRateLimitStore(ctx, opts.prefix),
    passOnStoreError: true,
  });
}
