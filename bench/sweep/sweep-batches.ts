/**
 * The expiry sweep at 100k expired sessions (issue 15 item 4): the longest single batch (one DELETE
 * of SWEEP_BATCH rows, which holds the event loop on SQLite's synchronous driver) and the event
 * loop's worst delay meanwhile. SQLite file in a temp dir by default; GATEHOUSE_TEST_DATABASE_URL for
 * PostgreSQL. Run: npx tsx bench/sweep/sweep-batches.ts
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { sql } from 'kysely'
import { sweepExpired, SWEEP_BATCH } from '../../src/jobs/sweep.js'
import { freshDatabase } from '../../test/helpers/database.js'
import { createTestContext } from '../../test/helpers/test-app.js'

const COUNT = 100_000
const database = await freshDatabase({ shared: true })
const ctx = await createTestContext({ database, now: '2026-11-23T12:00:00.000Z' })
try {
  await ctx.deps.store.users.insert({
    id: 'u-bench',
    email: 'bench@example.com',
    firstName: 'B',
    lastName: 'B',
    passwordHash: null,
    createdAt: '2026-11-01T00:00:00.000Z',
  })
  await sql`
    with recursive n(i) as (select 1 union all select i + 1 from n where i < ${COUNT})
    insert into sessions (id_hash, user_id, org_id, kind, auth_method, created_at, last_seen_at, idle_expires_at, expires_at)
    select 'bench-' || cast(i as text), 'u-bench', null, 'web', 'password', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', '2026-11-20T00:00:00.000Z', '2026-12-31T00:00:00.000Z' from n`.execute(
    ctx.runtime.db,
  )
  // Live sessions beside them, as in production.
  await sql`
    with recursive n(i) as (select 1 union all select i + 1 from n where i < 20000)
    insert into sessions (id_hash, user_id, org_id, kind, auth_method, created_at, last_seen_at, idle_expires_at, expires_at)
    select 'live-' || cast(i as text), 'u-bench', null, 'web', 'password', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', '2026-11-24T00:00:00.000Z', '2026-12-31T00:00:00.000Z' from n`.execute(
    ctx.runtime.db,
  )
  // BENCH_CHECKPOINT_FIRST=1: start with an empty WAL (the inserts above leave ~30 MB of it).
  if (process.env.BENCH_CHECKPOINT_FIRST === '1' && database.config.dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(ctx.runtime.db)
  const store = ctx.deps.store
  const batchMs: number[] = []
  const timed = {
    ...ctx.deps,
    store: {
      ...store,
      sessions: {
        ...store.sessions,
        deleteExpired: async (now: string, limit: number) => {
          const t = performance.now()
          const n = await store.sessions.deleteExpired(now, limit)
          batchMs.push(performance.now() - t)
          return n
        },
      },
    },
  }
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  const started = performance.now()
  const summary = await sweepExpired(timed, { batchSize: Number(process.env.SWEEP_BATCH ?? SWEEP_BATCH) })
  const totalMs = performance.now() - started
  loop.disable()
  const sorted = [...batchMs].sort((a, b) => a - b)
  console.log(
    JSON.stringify({
      dialect: database.config.dialect,
      expired: COUNT,
      batchSize: Number(process.env.SWEEP_BATCH ?? SWEEP_BATCH),
      ...summary,
      totalMs: Math.round(totalMs),
      batchP50Ms: +sorted[Math.floor(sorted.length / 2)]!.toFixed(2),
      batchMaxMs: +sorted.at(-1)!.toFixed(2),
      eventLoopMaxDelayMs: +(loop.max / 1e6).toFixed(2),
      slowest: batchMs
        .map((ms, i) => [i, +ms.toFixed(1)])
        .sort((a, b) => b[1]! - a[1]!)
        .slice(0, 5),
    }),
  )
} finally {
  await ctx.close()
  await database.drop()
}
