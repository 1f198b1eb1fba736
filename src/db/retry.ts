// Transactions that retry what a concurrent writer can cause: a unique key inserted first by another
// transaction, or (InnoDB) this transaction chosen as a deadlock victim. Retries back off with
// jitter so concurrent senders stop colliding.
import type { Knex } from 'knex';
import { isDeadlockError, isDuplicateKeyError } from './dialect';

const MAX_RETRIES = 8;

export async function transactionWithRetry<T>(db: Knex, fn: (trx: Knex.Transaction) => Promise<T>, config?: Knex.TransactionConfig): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(fn, config);
    } catch (err) {
      const deadlock = isDeadlockError(err);
      if (attempt < MAX_RETRIES && (isDuplicateKeyError(err) || deadlock)) {
        if (deadlock || attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
        continue;
      }
      throw err;
    }
  }
}
