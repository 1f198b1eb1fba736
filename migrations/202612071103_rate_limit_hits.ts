// Rate-limit counters shared by every app process and host (login guessing limits, API requests
// per key): one row per limiter key, its hits and when its window ends (the window starts at the
// key's first hit, as in express-rate-limit's own store). Used unless REDIS_URL names a Redis server.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limit_hits', (t) => {
    t.string('rl_key', 191).notNullable().primary();
    t.integer('hits').notNullable().defaultTo(0);
    // end of the key's current window, epoch milliseconds
    t.bigInteger('expires_at').notNullable();
    t.index(['expires_at'], 'rate_limit_hits_expires');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('rate_limit_hits');
}
