// Enterprise identity: OpenID Connect single sign-on per workspace (settings, e-mail domains,
// group -> role mapping), SCIM provisioning fields on users, and TOTP second factor with
// single-use recovery codes.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    // SCIM: the IdP's userName (lowercased; e-mail stays the console identity), externalId, name parts.
    t.string('scim_user_name', 255).nullable();
    t.string('scim_external_id', 255).nullable();
    t.string('given_name', 100).nullable();
    t.string('family_name', 100).nullable();
    // SCIM DELETE: the user is revoked and hidden from SCIM; history stays (a new POST revives the row).
    t.dateTime('deprovisioned_at', { precision: 3 }).nullable();
    // OIDC: the IdP subject of the last single sign-on; break-glass accounts keep passwords under "Require SSO".
    t.string('sso_subject', 255).nullable();
    t.boolean('sso_break_glass').notNullable().defaultTo(false);
    // TOTP: the secret encrypted (AES-256-GCM), when enrolment was confirmed, the last accepted time step (no replay).
    t.text('totp_secret_enc').nullable();
    t.dateTime('totp_enabled_at', { precision: 3 }).nullable();
    t.bigInteger('totp_last_step').nullable();
    t.index(['workspace_id', 'scim_user_name'], 'users_scim_user_name');
    t.index(['workspace_id', 'scim_external_id'], 'users_scim_external_id');
  });

  await knex.schema.createTable('sso_settings', (t) => {
    t.integer('workspace_id').unsigned().primary().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('issuer', 500).nullable();
    t.string('client_id', 255).nullable();
    t.text('client_secret_enc').nullable();
    t.string('groups_claim', 100).notNullable().defaultTo('groups');
    t.boolean('jit_create').notNullable().defaultTo(true);
    t.boolean('require_sso').notNullable().defaultTo(false);
    t.boolean('require_totp_admins').notNullable().defaultTo(false);
    t.dateTime('updated_at', { precision: 3 }).notNullable();
  });

  // A domain belongs to one workspace at most: the sign-in page finds the workspace by it.
  await knex.schema.createTable('sso_domains', (t) => {
    t.string('domain', 255).primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.index(['workspace_id']);
  });

  await knex.schema.createTable('sso_group_roles', (t) => {
    t.increments('id').primary();
    t.integer('workspace_id').unsigned().notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.string('group_name', 255).notNullable();
    t.string('role', 16).notNullable(); // admin | member
    t.unique(['workspace_id', 'group_name']);
  });

  await knex.schema.createTable('totp_recovery_codes', (t) => {
    t.increments('id').primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable(); // sha256 hex of the normalised code
    t.dateTime('used_at', { precision: 3 }).nullable();
    t.index(['user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('totp_recovery_codes');
  await knex.schema.dropTableIfExists('sso_group_roles');
  await knex.schema.dropTableIfExists('sso_domains');
  await knex.schema.dropTableIfExists('sso_settings');
  await knex.schema.alterTable('users', (t) => {
    t.dropIndex(['workspace_id', 'scim_user_name'], 'users_scim_user_name');
    t.dropIndex(['workspace_id', 'scim_external_id'], 'users_scim_external_id');
  });
  await knex.schema.alterTable('users', (t) => {
    for (const c of ['deprovisioned_at', 'scim_user_name', 'scim_external_id', 'given_name', 'family_name', 'sso_subject', 'sso_break_glass', 'totp_secret_enc', 'totp_enabled_at', 'totp_last_step']) t.dropColumn(c);
  });
}
