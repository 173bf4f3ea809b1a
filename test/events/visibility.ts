/**
 * On PostgreSQL an event is listed only once every transaction older than it has ended, in the whole
 * cluster (docs/events.md): parallel test files hold the horizon back for a moment. A test that reads
 * what it just wrote waits for that first, as a polling client would see it on its next poll.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { PostgresAdapter, sql } from 'kysely'
import type { Db } from '../../src/store/database.js'

export async function eventsVisible(db: Db): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  // A transaction id of our own, committed at once: every write of ours committed before it.
  const mark = BigInt((await sql<{ x: string }>`select pg_current_xact_id()::text as x`.execute(db)).rows[0]!.x)
  for (let i = 0; i < 2000; i++) {
    const xmin = BigInt((await sql<{ x: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as x`.execute(db)).rows[0]!.x)
    if (xmin > mark) return
    await sleep(10)
  }
  throw new Error('events stayed invisible for 20 s: a transaction in the cluster stays open')
}
