/**
 * Email domains of an org (pending until verified by DNS or by the operator). A verified domain
 * belongs to at most one org: a partial unique index over verified rows, which SQLite (3.8+) and
 * PostgreSQL both enforce. Frozen: no app imports.
 */
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('email_domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('verification_token', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'text')
    .addColumn('verified_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('email_domains_org_domain_unique', ['org_id', 'domain'])
    .execute()
  await db.schema
    .createIndex('email_domains_verified_domain_unique')
    .on('email_domains')
    .column('domain')
    .unique()
    .where(sql<boolean>`verified_at is not null`)
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('email_domains').execute()
}
