/**
 * OpenID Connect Back-Channel Logout (DESIGN §5 "logout everywhere", issue 20 item 4).
 * `oidc_clients` gains the client's `backchannel_logout_uri` (null: none) and
 * `backchannel_logout_session_required` (1 by default: the logout token carries `sid`).
 * `oidc_session_grants`: one row per OIDC grant made during a Gatehouse session — the session (its id
 * hash), the client, the `sid` its ID tokens carry (one per session, client and org), the user and
 * org — so ending the session can revoke those grants and queue a logout token per client. Kept
 * until the session's absolute expiry. Frozen: no app imports.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('oidc_clients').addColumn('backchannel_logout_uri', 'text').execute()
  await db.schema
    .alterTable('oidc_clients')
    .addColumn('backchannel_logout_session_required', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()

  await db.schema
    .createTable('oidc_session_grants')
    .addColumn('grant_id', 'text', (c) => c.primaryKey())
    .addColumn('session_hash', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('sid', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('oidc_session_grants_session_idx').on('oidc_session_grants').columns(['session_hash', 'client_id']).execute()
  await db.schema.createIndex('oidc_session_grants_user_idx').on('oidc_session_grants').columns(['user_id', 'org_id']).execute()
  await db.schema.createIndex('oidc_session_grants_expires_idx').on('oidc_session_grants').column('expires_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oidc_session_grants').execute()
  await db.schema.alterTable('oidc_clients').dropColumn('backchannel_logout_session_required').execute()
  await db.schema.alterTable('oidc_clients').dropColumn('backchannel_logout_uri').execute()
}
