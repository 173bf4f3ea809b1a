/**
 * Certificate lifecycle (issue 19 item 5):
 * - `sp_keys.activates_at`: when a key pair starts signing. A rotation publishes the next pair in SP
 *   metadata at once and lets it sign only from this instant (null: since `created_at`, as before).
 * - `scheduled_runs`: one row per periodic task (the daily certificate check, the metadata refresh);
 *   a process runs a task only after taking its row's lease, so it runs once per deployment.
 * - `certificate_notices`: what owners were told about an IdP certificate (an expiry threshold, its
 *   expiry, its first publication), one row each: the primary key makes every notice single.
 * Frozen: no app imports.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sp_keys').addColumn('activates_at', 'text').execute()

  await db.schema
    .createTable('scheduled_runs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('next_run_at', 'text', (c) => c.notNull())
    .addColumn('lease_token', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_started_at', 'text')
    .addColumn('last_finished_at', 'text')
    .addColumn('last_error', 'text')
    .execute()

  await db.schema
    .createTable('certificate_notices')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('sso_connections.id').onDelete('cascade'))
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('notice', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('certificate_notices_pk', ['connection_id', 'fingerprint', 'notice'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('certificate_notices').execute()
  await db.schema.dropTable('scheduled_runs').execute()
  await db.schema.alterTable('sp_keys').dropColumn('activates_at').execute()
}
