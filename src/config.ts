// Reads and validates the environment once; a bad value stops start-up with a message naming it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const PORT_MESSAGE = 'must be a whole number from 0 to 65535';

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }).default('development'),
  PORT: z.coerce
    .number({ error: PORT_MESSAGE })
    .int(PORT_MESSAGE)
    .min(0, PORT_MESSAGE)
    .max(65535, PORT_MESSAGE)
    .default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^(mysql|mariadb|sqlite):/, 'must start with mysql://, mariadb:// or sqlite:')
    .default('sqlite:./data/console.sqlite'),
  SESSION_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  SMTP_FROM: z.string().default('Usage Console <no-reply@usage-console.local>'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  // Express 'trust proxy': a hop count ('1'), true/false, or addresses/subnets ('loopback, 10.0.0.0/8').
  // 0 = do not load the demo organisation into an empty database at start-up.
  SEED_DEMO: z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('1'),
  // 0 = this process runs no background jobs (they take database leases, so any process may run them).
  JOBS: z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('1'),
  TRUST_PROXY: z
    .string()
    .trim()
    .regex(/^(true|false|\d{1,2}|[A-Za-z0-9.:/_,\s-]+)$/, 'must be a hop count, true/false, or a comma-separated list of addresses/subnets')
    .transform((v): number | boolean | string => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v))
    .optional(),
  /** Ingestion API requests per minute per API key (counted across all processes and hosts). */
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1, 'must be at least 1').max(1_000_000).default(6000),
  /** POST /api/v1/authorize calls per minute per API key: a counter of its own, apart from the rest of the API. */
  API_AUTHORIZE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1, 'must be at least 1').max(10_000_000).default(60_000),
  /** Worker processes `npm start` runs on the one port: a whole number, or `auto` (one per CPU core). */
  WEB_CONCURRENCY: z
    .string()
    .trim()
    .regex(/^(auto|[1-9]\d{0,2})$/, 'must be a whole number from 1 to 999, or auto (one per CPU core)')
    .default('1'),
  /** Redis for the shared rate-limit counters (rate limits use a database table when unset). */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  /** Longest wait for a database connection from the pool, and longest statement a request may run (ms). */
  DB_ACQUIRE_TIMEOUT_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(100, 'must be at least 100').max(600_000).default(1500),
  DB_QUERY_TIMEOUT_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(100, 'must be at least 100').max(3_600_000).default(15_000),
  /** Encrypts SSO client secrets and TOTP secrets at rest (AES-256-GCM); required in production to store them. */
  SSO_ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** 1 = single sign-on may reach identity providers on loopback/private addresses (tests, labs). */
  SSO_ALLOW_PRIVATE_ISSUERS: z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('0'),
  /** Key for secrets stored encrypted (webhook signing secrets): any string of 32+ characters. */
  ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** 1 = webhooks may reach loopback/private/link-local addresses (tests, an on-premises receiver). */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('0'),
  /** Time limit of one webhook request (connect + response), in milliseconds. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
});

export type Config = z.infer<typeof envSchema> & { sessionSecret: string; encryptionKey: string; dataDir: string; workers: number };

export class ConfigError extends Error {}

/** Parses an environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  const dataDir = path.resolve(process.cwd(), 'data');
  let sessionSecret = cfg.SESSION_SECRET;
  if (!sessionSecret) {
    if (cfg.NODE_ENV === 'production') {
      throw new ConfigError('Invalid configuration:\n  SESSION_SECRET: required when NODE_ENV=production');
    }
    sessionSecret = developmentSecret(dataDir);
  }
  let encryptionKey = cfg.ENCRYPTION_KEY;
  if (!encryptionKey) {
    // Development keeps one in the data folder; tests and a production set-up that has not set one
    // derive it from the session secret (rotating that secret then makes stored secrets unreadable:
    // set ENCRYPTION_KEY in production).
    encryptionKey = cfg.NODE_ENV === 'development' ? developmentSecret(dataDir, 'encryption-key') : `derived:${sessionSecret}`;
  }
  const workers = cfg.WEB_CONCURRENCY === 'auto' ? Math.max(1, os.availableParallelism()) : Number(cfg.WEB_CONCURRENCY);
  return { ...cfg, sessionSecret, encryptionKey, dataDir, workers };
}

/** In development a secret is generated once and kept in the data folder, so sessions survive restarts. */
function developmentSecret(dataDir: string, name = 'session-secret'): string {
  const file = path.join(dataDir, name);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secret = crypto.randomBytes(32).toString('hex');
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}
