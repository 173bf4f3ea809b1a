/** Members whose roles the IdP manages (role mapping): their roles cannot be edited in Gatehouse. Frozen. */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('members')
    .addColumn('managed_by_idp', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('members').dropColumn('managed_by_idp').execute()
}
