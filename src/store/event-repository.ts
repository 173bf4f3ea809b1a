/**
 * The event stream over Kysely (DESIGN §9; the order is docs/events.md's). Events are read in
 * `(tx_seq, id)` order, a position the database assigns (migration 2026_12_06_1410_event_order):
 * - PostgreSQL: `tx_seq` is the writer's transaction id, and a reader sees only events whose
 *   transaction id is below the oldest one still running, so no event can commit later with a
 *   position before one already read;
 * - SQLite: one writer at a time numbers its events under the write lock, so positions follow commits.
 */
import { PostgresAdapter, sql } from 'kysely'
import { EventCursorNotFoundError, type EventStore } from '../core/ports.js'
import type { Db } from './database.js'

export function eventRepository(db: Db): EventStore {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const visible = sql<boolean>`tx_seq < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`
  return {
    insert: async (e) => {
      await db
        .insertInto('events')
        .values((eb) => ({
          id: e.id,
          type: e.type,
          org_id: e.orgId,
          org_slug: e.orgId === null ? null : eb.selectFrom('organizations').select('slug').where('id', '=', e.orgId),
          data: JSON.stringify(e.data),
          created_at: e.createdAt,
        }))
        .execute()
    },
    list: async (after, limit) => {
      let query = db.selectFrom('events').select(['id', 'type', 'org_id', 'org_slug', 'data', 'created_at']).orderBy('tx_seq').orderBy('id').limit(limit)
      if (postgres) query = query.where(visible)
      if (after !== undefined) {
        const cursor = await db.selectFrom('events').select(['tx_seq', 'id']).where('id', '=', after).executeTakeFirst()
        if (cursor === undefined) throw new EventCursorNotFoundError(`no event ${after}`)
        query = query.where((eb) => eb(eb.refTuple('tx_seq', 'id'), '>', eb.tuple(cursor.tx_seq, cursor.id)))
      }
      const rows = await query.execute()
      return rows.map((r) => ({
        id: r.id,
        type: r.type as never,
        orgId: r.org_id,
        orgSlug: r.org_slug,
        data: JSON.parse(r.data) as Record<string, unknown>,
        createdAt: r.created_at,
      }))
    },
    deleteOlderThan: async (before, limit) => {
      // The newest event stays whatever its age: a reader's cursor on it stays good, and on SQLite the
      // highest position never goes back.
      const newest = await db.selectFrom('events').select('id').orderBy('tx_seq', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst()
      if (newest === undefined) return 0
      const result = await db
        .deleteFrom('events')
        .where(
          'id',
          'in',
          db.selectFrom('events').select('id').where('created_at', '<', before).where('id', '<>', newest.id).orderBy('created_at').limit(limit),
        )
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}
