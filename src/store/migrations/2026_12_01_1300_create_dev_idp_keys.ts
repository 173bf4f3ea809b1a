/**
 * The development IdP's own key pair (issue 6): one row per deployment, made on first use, the
 * private key sealed under GATEHOUSE_SECRET_KEY like the SP keys. The fixed primary key makes two
 * processes generating at once safe: the second insert does nothing and both read the first. Frozen.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dev_idp_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('private_key_encrypted', 'text', (c) => c.notNull())
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dev_idp_keys').execute()
}
