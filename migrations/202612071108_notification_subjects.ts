// What a notification is about, and whether it has been dealt with: an access-request notification
// names its request (subject_type 'credit_access_request', subject_id), so deciding the request
// marks the notification handled for every admin at once (handled_at, handled_by_user_id, the
// outcome). Notifications written before this migration have no subject and are never "handled".
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => {
    t.string('subject_type', 48).nullable();
    t.bigInteger('subject_id').nullable();
    t.dateTime('handled_at', { precision: 3 }).nullable();
    t.integer('handled_by_user_id').unsigned().nullable();
    t.string('handled_outcome', 32).nullable();
    t.index(['workspace_id', 'subject_type', 'subject_id'], 'notifications_subject');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => {
    t.dropIndex(['workspace_id', 'subject_type', 'subject_id'], 'notifications_subject');
    t.dropColumn('subject_type');
    t.dropColumn('subject_id');
    t.dropColumn('handled_at');
    t.dropColumn('handled_by_user_id');
    t.dropColumn('handled_outcome');
  });
}
