// Rate-limit counters shared by every app process and host (login guessing limits, API requests
// per key): one row per (limiter key, fixed window). Used unless REDIS_URL names a Redis server.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limit_hits', (t) => {
    t.string('rl_key', 191).notNullable();
    // window start and end, epoch milliseconds
    t.bigInteger('window_start').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.integer('hits').notNullable().defaultTo(0);
    t.primary(['rl_key', 'window_start']);
    t.index(['expires_at'], 'rate_limit_hits_expires');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('rate_limit_hits');
}
