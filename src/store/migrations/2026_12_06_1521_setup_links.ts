/**
 * Set-up links (DESIGN §2 "Set-up links", issue 21):
 * - `setup_links`: one row per link an owner or the operator made, with the SHA-256 of its secret
 *   (never the secret), its scopes (comma-separated: sso, directory, policy), who made it, its expiry
 *   and its revocation;
 * - `setup_link_sessions`: the browser sessions a link started, by the SHA-256 of their cookie; they
 *   go with their link;
 * - `sso_tests`: a test may be run through a link (`setup_link_id`) instead of by an owner, so
 *   `user_id` may be null. SQLite cannot drop a NOT NULL: the table is rebuilt there.
 * Frozen: no app imports.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely'

const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('setup_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute()
  await db.schema.createIndex('setup_links_org_idx').on('setup_links').columns(['org_id', 'expires_at']).execute()

  await db.schema
    .createTable('setup_link_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('link_id', 'text', (c) => c.notNull().references('setup_links.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('setup_link_sessions_link_idx').on('setup_link_sessions').column('link_id').execute()

  if (isPostgres(db)) {
    await sql`alter table sso_tests alter column user_id drop not null`.execute(db)
    await db.schema
      .alterTable('sso_tests')
      .addColumn('setup_link_id', 'text', (c) => c.references('setup_links.id').onDelete('cascade'))
      .execute()
    return
  }
  await rebuildSsoTests(db, true)
}

/** SQLite: sso_tests again with `user_id` nullable and `setup_link_id` (`linked`), or as before. */
async function rebuildSsoTests(db: Kysely<any>, linked: boolean): Promise<void> {
  let table = db.schema
    .createTable('sso_tests_next')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => (linked ? c : c.notNull()).references('users.id').onDelete('cascade'))
    .addColumn('session_hash', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull().unique())
    .addColumn('idp_fingerprint', 'text', (c) => c.notNull())
    .addColumn('passed', 'integer')
    .addColumn('result', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
  if (linked) table = table.addColumn('setup_link_id', 'text', (c) => c.references('setup_links.id').onDelete('cascade'))
  await table.execute()
  await sql`insert into sso_tests_next (id, connection_id, user_id, session_hash, request_id, idp_fingerprint, passed, result, created_at, finished_at, expires_at)
    select id, connection_id, user_id, session_hash, request_id, idp_fingerprint, passed, result, created_at, finished_at, expires_at from sso_tests
    where user_id is not null`.execute(db)
  await db.schema.dropTable('sso_tests').execute()
  await sql`alter table sso_tests_next rename to sso_tests`.execute(db)
  await db.schema.createIndex('sso_tests_connection_idx').on('sso_tests').columns(['connection_id', 'idp_fingerprint']).execute()
  await db.schema.createIndex('sso_tests_expires_idx').on('sso_tests').column('expires_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('sso_tests').where('setup_link_id', 'is not', null).execute()
  if (isPostgres(db)) {
    await db.schema.alterTable('sso_tests').dropColumn('setup_link_id').execute()
    await sql`alter table sso_tests alter column user_id set not null`.execute(db)
  } else {
    await rebuildSsoTests(db, false)
  }
  await db.schema.dropTable('setup_link_sessions').execute()
  await db.schema.dropTable('setup_links').execute()
}
