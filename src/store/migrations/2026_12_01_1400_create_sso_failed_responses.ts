/**
 * The decoded response of a failed SSO sign-in, for the org owner's SAML tracer (the audit entry
 * names it by its reference). Kept 7 days and at most 100 per connection, each cut at 64 KiB. Frozen.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sso_failed_responses')
    .addColumn('reference', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id').onDelete('cascade'))
    .addColumn('failure', 'text', (c) => c.notNull())
    .addColumn('xml', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sso_failed_responses_connection_idx').on('sso_failed_responses').columns(['connection_id', 'seq']).execute()
  await db.schema.createIndex('sso_failed_responses_expires_idx').on('sso_failed_responses').column('expires_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sso_failed_responses').execute()
}
