/**
 * OIDC revocation that sticks (issue 14 item 10): `oidc_revocations` holds, per user and org, the
 * instant before which no grant of that user for that org is valid (a removal, a password reset),
 * so re-adding the member does not revive a token issued before. `oidc_payloads` gains the user and
 * org of the OrgLogin rows, so every grant of a user in an org can be found and deleted; existing
 * OrgLogin rows are filled in from their JSON. Frozen: no app imports.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oidc_revocations')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('oidc_revocations_pk', ['user_id', 'org_id'])
    .execute()

  await db.schema.alterTable('oidc_payloads').addColumn('account_id', 'text').execute()
  await db.schema.alterTable('oidc_payloads').addColumn('org_id', 'text').execute()
  await db.schema.createIndex('oidc_payloads_org_login_idx').on('oidc_payloads').columns(['org_id', 'account_id']).execute()

  const rows = await db.selectFrom('oidc_payloads').select(['id', 'payload']).where('model', '=', 'OrgLogin').execute()
  for (const row of rows as { id: string; payload: string }[]) {
    const login = JSON.parse(row.payload) as { userId?: unknown; orgId?: unknown }
    if (typeof login.userId !== 'string' || typeof login.orgId !== 'string') continue
    await db
      .updateTable('oidc_payloads')
      .set({ account_id: login.userId, org_id: login.orgId })
      .where('model', '=', 'OrgLogin')
      .where('id', '=', row.id)
      .execute()
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('oidc_payloads_org_login_idx').execute()
  await db.schema.alterTable('oidc_payloads').dropColumn('org_id').execute()
  await db.schema.alterTable('oidc_payloads').dropColumn('account_id').execute()
  await db.schema.dropTable('oidc_revocations').execute()
}
