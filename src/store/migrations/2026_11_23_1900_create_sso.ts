/**
 * SAML: the deployment's SP keys, one SSO connection per org, outstanding AuthnRequests, the
 * assertion replay cache, and remembered (connection, NameID) → user links. Frozen: no app imports.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sp_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('private_key_encrypted', 'text', (c) => c.notNull())
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .execute()

  await db.schema
    .createTable('sso_connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().unique().references('organizations.id').onDelete('cascade'))
    .addColumn('sso_name', 'text', (c) => c.notNull().unique())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('idp', 'text')
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('metadata_url', 'text')
    .addColumn('metadata_refreshed_at', 'text')
    .addColumn('metadata_refresh_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('saml_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('relay_token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id').onDelete('cascade'))
    .addColumn('return_to', 'text')
    .addColumn('test_by_user_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('saml_requests_expires_idx').on('saml_requests').column('expires_at').execute()

  await db.schema
    .createTable('saml_assertion_ids')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id').onDelete('cascade'))
    .addColumn('assertion_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('saml_assertion_ids_pk', ['connection_id', 'assertion_id'])
    .execute()
  await db.schema.createIndex('saml_assertion_ids_expires_idx').on('saml_assertion_ids').column('expires_at').execute()

  await db.schema
    .createTable('saml_identities')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id').onDelete('cascade'))
    .addColumn('name_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('saml_identities_pk', ['connection_id', 'name_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['saml_identities', 'saml_assertion_ids', 'saml_requests', 'sso_connections', 'sp_keys']) {
    await db.schema.dropTable(table).execute()
  }
}
