/**
 * Operating it (issue 15 items 3, 4): `readiness_probe` is the one-row table /readyz writes to prove
 * the database takes writes; `sessions_idle_expires_idx` lets the expiry sweep find idle-expired
 * sessions by index (expires_at has one since the first migration) and delete them in batches.
 * Frozen: no app imports.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('readiness_probe')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sessions_idle_expires_idx').on('sessions').column('idle_expires_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('sessions_idle_expires_idx').execute()
  await db.schema.dropTable('readiness_probe').execute()
}
