/**
 * SAML single logout (DESIGN §10, issue 20): an SSO session remembers the subject of its sign-in —
 * the NameID with its Format and qualifiers, and the SessionIndex — for the LogoutRequest we send and
 * to find the sessions an IdP's LogoutRequest ends (`sessions_saml_subject_idx`).
 * `saml_logout_requests`: our outstanding LogoutRequests (InResponseTo must name one, once).
 * `saml_logout_request_ids`: the IdP's LogoutRequest IDs seen, until they expire (replay).
 * Frozen: no app imports.
 */
import type { Kysely } from 'kysely'

const SUBJECT_COLUMNS = ['saml_connection_id', 'saml_name_id', 'saml_name_id_format', 'saml_name_qualifier', 'saml_sp_name_qualifier', 'saml_session_index']

export async function up(db: Kysely<any>): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  for (const column of SUBJECT_COLUMNS) await db.schema.alterTable('sessions').addColumn(column, 'text').execute()
  await db.schema.createIndex('sessions_saml_subject_idx').on('sessions').columns(['saml_connection_id', 'saml_name_id']).execute()

  await db.schema
    .createTable('saml_logout_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('saml_logout_requests_expires_idx').on('saml_logout_requests').column('expires_at').execute()

  await db.schema
    .createTable('saml_logout_request_ids')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id').onDelete('cascade'))
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('saml_logout_request_ids_pk', ['connection_id', 'request_id'])
    .execute()
  await db.schema.createIndex('saml_logout_request_ids_expires_idx').on('saml_logout_request_ids').column('expires_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('saml_logout_request_ids').execute()
  await db.schema.dropTable('saml_logout_requests').execute()
  await db.schema.dropIndex('sessions_saml_subject_idx').execute()
  for (const column of [...SUBJECT_COLUMNS].reverse()) await db.schema.alterTable('sessions').dropColumn(column).execute()
}
