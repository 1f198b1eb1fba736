// Credit alerts come only from alert rules. The credit pool no longer keeps its own alert state
// (credit_state.armed_thresholds and cap_alert_key are dropped); each rule keeps its own in
// alert_rule_state. Notifications may be e-mail only (in_app = false: a rule that e-mails but does
// not notify in the console). alert_rule_defaults records which default rules a workspace has been
// given, so a default rule an admin deleted is not created again (only "Restore default rules" does).
//
// Existing data: the default credit rules used to drive only webhook and Slack, while in-app and
// e-mail alerts at those levels came from the pool; they now tell in-app and e-mail all admins too,
// so nothing a workspace received before is lost. A PAYG-cap alert already sent this month is
// carried over to the cap rules that fired with it (their state is keyed by month and cap now).
import type { Knex } from 'knex';

function parse(s: unknown): Record<string, unknown> {
  try {
    const v = JSON.parse(String(s ?? ''));
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => {
    t.boolean('in_app').notNullable().defaultTo(true); // false: sent by e-mail only, never listed in the console
  });

  await knex.schema.createTable('alert_rule_defaults', (t) => {
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('builtin', 32).notNullable(); // the default rule's key, as alert_rules.builtin
    t.dateTime('installed_at', { precision: 3 }).notNullable();
    t.primary(['workspace_id', 'builtin']);
  });

  const now = new Date().toISOString().slice(0, 23).replace('T', ' ');
  const builtins = await knex('alert_rules').select('id', 'workspace_id', 'builtin', 'condition', 'channels').whereNotNull('builtin');
  for (const r of builtins as { id: number; workspace_id: number; builtin: string; condition: string; channels: string }[]) {
    await knex('alert_rule_defaults').insert({ workspace_id: r.workspace_id, builtin: r.builtin, installed_at: now }).onConflict(['workspace_id', 'builtin']).ignore();
    if (r.condition === 'pool_below' || r.condition === 'cap_reached') {
      const ch = parse(r.channels);
      await knex('alert_rules').where({ id: r.id }).update({ channels: JSON.stringify({ ...ch, inapp: true, email: 'all' }) });
    }
  }

  // Cap rules: state 'month:YYYY-MM' becomes 'month:YYYY-MM:cap:N' for the cap the pool last alerted.
  const states = await knex('credit_state').select('workspace_id', 'cap_alert_key').whereNotNull('cap_alert_key');
  for (const s of states as { workspace_id: number; cap_alert_key: string }[]) {
    const m = /^(\d{4}-\d{2}):(.+)$/.exec(s.cap_alert_key);
    if (!m) continue;
    const rules = await knex('alert_rules').select('id').where({ workspace_id: s.workspace_id, condition: 'cap_reached' });
    for (const r of rules as { id: number }[]) {
      const old = await knex('alert_rule_state').where({ rule_id: r.id, subject: `month:${m[1]}`, fired: true }).first();
      if (!old) continue;
      await knex('alert_rule_state').insert({ rule_id: r.id, subject: `month:${m[1]}:cap:${Number(m[2])}`, fired: true, updated_at: now }).onConflict(['rule_id', 'subject']).ignore();
    }
  }
  await knex('alert_rule_state')
    .whereIn('rule_id', knex('alert_rules').select('id').where({ condition: 'cap_reached' }))
    .where('subject', 'like', 'month:%')
    .whereNot('subject', 'like', 'month:%:cap:%')
    .delete();

  await knex.schema.alterTable('credit_state', (t) => {
    t.dropColumn('armed_thresholds');
    t.dropColumn('cap_alert_key');
  });
}

export async function down(knex: Knex): Promise<void> {
  // The pool's own alert state comes back empty: it re-arms from the balance on its next charge.
  await knex.schema.alterTable('credit_state', (t) => {
    t.string('armed_thresholds', 64).nullable();
    t.string('cap_alert_key', 40).nullable();
  });
  await knex.schema.dropTable('alert_rule_defaults');
  await knex.schema.alterTable('notifications', (t) => {
    t.dropColumn('in_app');
  });
}
