/**
 * The expiry sweep keeps a SQLite file's WAL bounded while it deletes a backlog (issue 15 item 4).
 * Between batches it only yields, so the deletes outrun the checkpointer and, unsettled, the WAL
 * grows to the backstop, where one delete's commit copies all of it inside the event loop. Every
 * SETTLE_EVERY batches it waits for the checkpointer instead. Measured in WAL pages, not time (the
 * time is bench/sweep/sweep-batches.ts). The checkpointer's own timer is set far beyond the test, so
 * only the sweep's waits can checkpoint here.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixedClock } from '../../src/core/clock.js'
import { noMetrics } from '../../src/core/metrics.js'
import type { Store } from '../../src/core/ports.js'
import { sweepExpired, SETTLE_EVERY } from '../../src/jobs/sweep.js'
import { migrateToLatest, openDatabase, type Db } from '../../src/store/database.js'
import { createStore } from '../../src/store/index.js'
import { BACKSTOP_PAGES } from '../../src/store/sqlite-checkpointer.js'
import { DIALECT } from '../helpers/database.js'

const EXPIRED = 20_000
const BATCH = 250
const WAL_FRAME_BYTES = 4096 + 24

let dir: string
let db: Db
let path: string
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-sweep-wal-'))
  path = join(dir, 'gatehouse.db')
  db = openDatabase({ dialect: 'sqlite', path }, { checkpointIntervalMs: 600_000 })
  await migrateToLatest(db)
  await createStore(db).users.insert({
    id: 'u-sweep',
    email: 'sweep@example.com',
    firstName: 'S',
    lastName: 'W',
    passwordHash: null,
    createdAt: '2026-11-01T00:00:00.000Z',
  })
  await sql`
    with recursive n(i) as (select 1 union all select i + 1 from n where i < ${EXPIRED})
    insert into sessions (id_hash, user_id, org_id, kind, auth_method, created_at, last_seen_at, idle_expires_at, expires_at)
    select 'expired-' || cast(i as text), 'u-sweep', null, 'web', 'password', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', '2026-11-20T00:00:00.000Z', '2026-12-31T00:00:00.000Z' from n`.execute(
    db,
  )
  // Start from an empty WAL, as after any quiet spell.
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db)
})
afterEach(async () => {
  await db.destroy()
  rmSync(dir, { recursive: true, force: true })
})

/** WAL pages on disk now (the file keeps its largest size until truncated: its high-water mark). */
const walPages = () => Math.round(statSync(`${path}-wal`).size / WAL_FRAME_BYTES)

describe.skipIf(DIALECT !== 'sqlite')('expiry sweep on a SQLite file', () => {
  it(`waits for the checkpointer every ${SETTLE_EVERY} batches, so the WAL never grows past a few batches' pages`, async () => {
    const store = createStore(db)
    let highWater = 0
    let settles = 0
    const watched: Store = {
      ...store,
      sessions: {
        ...store.sessions,
        deleteExpired: async (now, limit) => {
          const deleted = await store.sessions.deleteExpired(now, limit)
          highWater = Math.max(highWater, walPages())
          return deleted
        },
      },
      settleWrites: async () => {
        settles++
        await store.settleWrites()
      },
    }
    const summary = await sweepExpired({ store: watched, clock: fixedClock('2026-11-23T12:00:00.000Z'), metrics: noMetrics }, { batchSize: BATCH })
    expect(summary.sessionsDeleted).toBe(EXPIRED)
    expect(settles).toBe(Math.floor(EXPIRED / BATCH / SETTLE_EVERY))
    // One batch rewrites some tens of pages (the table, three indexes, their parents).
    const perBatch = highWater / (SETTLE_EVERY + 1)
    expect(highWater).toBeLessThan((SETTLE_EVERY + 1) * 60)
    expect(perBatch).toBeGreaterThan(5)
    expect(highWater).toBeLessThan(BACKSTOP_PAGES / 10)
  }, 60_000)

  it('without the waits the same sweep grows the WAL with every batch (what the waits prevent)', async () => {
    const store = createStore(db)
    let highWater = 0
    const unsettled: Store = {
      ...store,
      sessions: {
        ...store.sessions,
        deleteExpired: async (now, limit) => {
          const deleted = await store.sessions.deleteExpired(now, limit)
          highWater = Math.max(highWater, walPages())
          return deleted
        },
      },
      settleWrites: async () => {},
    }
    await sweepExpired({ store: unsettled, clock: fixedClock('2026-11-23T12:00:00.000Z'), metrics: noMetrics }, { batchSize: BATCH })
    expect(highWater).toBeGreaterThan((SETTLE_EVERY + 1) * 60 * 2)
  }, 60_000)
})
