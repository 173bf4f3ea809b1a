/**
 * The event stream's commit-safe order (DESIGN §9, issue 19 item 2; docs/events.md). A UUIDv7 is made
 * before its transaction commits, so two writers can commit out of id order, and a reader that passed
 * the later id would skip the earlier one for ever. Events are read in `(tx_seq, id)` order instead:
 * - PostgreSQL: `tx_seq` is the writing transaction's id (`pg_current_xact_id()`, 64 bits, never
 *   wraps), and readers see only events whose transaction id is below the oldest still running
 *   (`pg_snapshot_xmin(pg_current_snapshot())`): whatever commits later sorts after what they read.
 * - SQLite: one writer at a time; an AFTER INSERT trigger numbers each event past the highest number
 *   under the write lock, so numbers follow commit order. (The newest event is never pruned, so the
 *   highest number never goes back.)
 * Rows written before this migration keep 0 and their id order. `org_slug` keeps the org's slug as it
 * was when the event was written (an org may be renamed or deleted later). Frozen: no app imports.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely'

const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('events')
    .addColumn('tx_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.alterTable('events').addColumn('org_slug', 'text').execute()
  await sql`update events set org_slug = (select slug from organizations where organizations.id = events.org_id)`.execute(db)
  await db.schema.createIndex('events_order_idx').on('events').columns(['tx_seq', 'id']).execute()
  if (isPostgres(db)) {
    // xid8 as bigint: 64-bit with the epoch, so it only grows.
    await sql`alter table events alter column tx_seq set default (pg_current_xact_id()::text::bigint)`.execute(db)
  } else {
    await sql`
      create trigger events_tx_seq after insert on events
      begin
        update events set tx_seq = (select coalesce(max(tx_seq), 0) + 1 from events) where rowid = new.rowid;
      end
    `.execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) await sql`drop trigger if exists events_tx_seq`.execute(db)
  await db.schema.dropIndex('events_order_idx').execute()
  await db.schema.alterTable('events').dropColumn('org_slug').execute()
  await db.schema.alterTable('events').dropColumn('tx_seq').execute()
}
