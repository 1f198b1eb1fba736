// Child process of the webhooks test: commits an outbox event, then dies before any worker runs.
import { createDb } from '../../src/db/knex';
import { enqueueEvent } from '../../src/webhooks/outbox';

async function main() {
  const [url, ws] = process.argv.slice(2);
  const db = createDb(url, { poolMax: 1 });
  await db.transaction((trx) => enqueueEvent(trx, Number(ws), 'user.revoked', { workspace: { id: Number(ws), slug: 'killed' }, user: { id: 1, email: 'x@y' }, revoked_by: 'crash-child' }));
  process.kill(process.pid, 'SIGKILL');
}
main();
