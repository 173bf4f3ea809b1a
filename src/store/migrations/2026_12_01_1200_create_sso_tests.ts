/**
 * Test SSO (DESIGN §2 step 5): one row per test an owner starts, bound to the owner's session, with
 * its result once the IdP answers. Enabling SSO needs a passing test of the current IdP configuration
 * (matched by fingerprint). Frozen.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sso_tests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('session_hash', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull().unique())
    .addColumn('idp_fingerprint', 'text', (c) => c.notNull())
    .addColumn('passed', 'integer')
    .addColumn('result', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sso_tests_connection_idx').on('sso_tests').columns(['connection_id', 'idp_fingerprint']).execute()
  await db.schema.createIndex('sso_tests_expires_idx').on('sso_tests').column('expires_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sso_tests').execute()
}
