// Read state per reader: a notification for every admin of a workspace (recipient_user_id NULL) is
// read or unread for each admin on their own, so one admin marking it read no longer hides it from
// the others' bell. One row per (notification, user) that has read it. Existing read marks are
// carried over: a notification addressed to one user keeps its read mark for that user; a shared
// one that was marked read is taken as read by every admin the workspace has now (what they saw).
// notifications.read_at stays (unused by the app from here on) so this migration can be rolled back.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notification_reads', (t) => {
    t.bigInteger('notification_id').unsigned().notNullable().references('id').inTable('notifications').onDelete('CASCADE');
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.dateTime('read_at', { precision: 3 }).notNullable();
    t.primary(['notification_id', 'user_id']);
    t.index(['user_id', 'notification_id'], 'notification_reads_user');
  });
  // Carry over read marks (INSERT ... SELECT, portable across both engines).
  await knex.raw(
    `INSERT INTO notification_reads (notification_id, user_id, read_at)
     SELECT n.id, n.recipient_user_id, n.read_at FROM notifications n
     WHERE n.read_at IS NOT NULL AND n.recipient_user_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM users u WHERE u.id = n.recipient_user_id)`,
  );
  await knex.raw(
    `INSERT INTO notification_reads (notification_id, user_id, read_at)
     SELECT n.id, u.id, n.read_at FROM notifications n
     JOIN users u ON u.workspace_id = n.workspace_id AND u.role = 'admin'
     WHERE n.read_at IS NOT NULL AND n.recipient_user_id IS NULL`,
  );
}

export async function down(knex: Knex): Promise<void> {
  // Back to one read mark per notification: read when its recipient (or any admin) has read it.
  const reads = await knex('notification_reads').select('notification_id').max({ at: 'read_at' }).groupBy('notification_id');
  for (const r of reads as { notification_id: number; at: string }[]) {
    await knex('notifications').where({ id: r.notification_id }).whereNull('read_at').update({ read_at: r.at });
  }
  await knex.schema.dropTableIfExists('notification_reads');
}
