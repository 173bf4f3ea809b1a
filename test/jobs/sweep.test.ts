/**
 * The expiry sweep deletes expired sessions (absolute or idle) in bounded batches, yielding between
 * them, and keeps live ones. 100k expired sessions: the batch count is asserted, never wall time
 * (bench/sweep.ts measures the longest batch).
 */
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { sweepExpired, SWEEP_BATCH } from '../../src/jobs/sweep.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'

/** `count` sessions of one user, ids s-1 … s-count, all with the given expiry instants. */
async function insertSessions(ctx: TestContext, count: number, prefix: string, idleExpiresAt: string, expiresAt: string): Promise<void> {
  await sql`
    with recursive n(i) as (select 1 union all select i + 1 from n where i < ${count})
    insert into sessions (id_hash, user_id, org_id, kind, auth_method, created_at, last_seen_at, idle_expires_at, expires_at)
    select ${prefix} || cast(i as text), 'u-sweep', null, 'web', 'password', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', ${idleExpiresAt}, ${expiresAt} from n`.execute(
    ctx.runtime.db,
  )
}

describe('expiry sweep', () => {
  let ctx: TestContext | undefined
  afterEach(async () => {
    await ctx?.close()
    ctx = undefined
  })

  it('deletes 100k expired sessions 250 per statement (401 statements), and keeps the live sessions', async () => {
    ctx = await createTestContext({ now: '2026-11-23T12:00:00.000Z' })
    await ctx.deps.store.users.insert({
      id: 'u-sweep',
      email: 'sweep@example.com',
      firstName: 'S',
      lastName: 'W',
      passwordHash: null,
      createdAt: '2026-11-01T00:00:00.000Z',
    })
    await insertSessions(ctx, 60_000, 'absolute-', '2026-12-31T00:00:00.000Z', '2026-11-20T00:00:00.000Z')
    await insertSessions(ctx, 40_000, 'idle-', '2026-11-23T11:59:59.999Z', '2026-12-31T00:00:00.000Z')
    await insertSessions(ctx, 5, 'live-', '2026-11-23T12:30:00.000Z', '2026-11-24T00:00:00.000Z')
    const summary = await sweepExpired(ctx.deps)
    expect(summary.sessionsDeleted).toBe(100_000)
    // 400 full batches and one that finds nothing: no statement deletes more than a batch.
    expect(SWEEP_BATCH).toBe(250)
    expect(summary.sessionBatches).toBe(401)
    const left = await ctx.runtime.db.selectFrom('sessions').select('id_hash').orderBy('id_hash').execute()
    expect(left.map((r) => r.id_hash)).toEqual(['live-1', 'live-2', 'live-3', 'live-4', 'live-5'])
  }, 60_000)

  it('lets other work run between batches (the event loop is yielded after each full batch)', async () => {
    ctx = await createTestContext({ now: '2026-11-23T12:00:00.000Z' })
    await ctx.deps.store.users.insert({
      id: 'u-sweep',
      email: 'sweep@example.com',
      firstName: 'S',
      lastName: 'W',
      passwordHash: null,
      createdAt: '2026-11-01T00:00:00.000Z',
    })
    await insertSessions(ctx, 50, 'old-', '2026-11-20T00:00:00.000Z', '2026-11-20T00:00:00.000Z')
    let immediates = 0
    let running = true
    const tick = () => {
      if (!running) return
      immediates++
      setImmediate(tick)
    }
    setImmediate(tick)
    const summary = await sweepExpired(ctx.deps, { batchSize: 10 })
    running = false
    expect(summary).toEqual({ sessionsDeleted: 50, sessionBatches: 6, eventsDeleted: 0 })
    expect(immediates).toBeGreaterThanOrEqual(5)
  })

  it('drops rate-limit counters whose window started over an hour ago, and keeps the current ones counting', async () => {
    ctx = await createTestContext({ now: '2026-11-23T12:00:00.000Z' })
    const limits = ctx.deps.store.rateLimits
    for (let i = 0; i < 600; i++) await limits.hit(`password:ip:198.51.100.${i}`, '2026-11-23T10:45:00.000Z')
    expect(await limits.hit('password:ip:203.0.113.1', '2026-11-23T11:45:00.000Z')).toBe(1)
    await sweepExpired(ctx.deps)
    const left = await ctx.runtime.db.selectFrom('rate_limits').select('key').execute()
    expect(left.map((r) => r.key)).toEqual(['password:ip:203.0.113.1'])
    expect(await limits.hit('password:ip:203.0.113.1', '2026-11-23T11:45:00.000Z')).toBe(2)
  })
})
