/** Events are kept 30 days, then the expiry sweep prunes them in batches (DESIGN §9; docs/events.md). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { days, minutes } from '../../src/core/clock.js'
import { listEvents, recordEvent } from '../../src/core/events.js'
import { EVENT_RETENTION, sweepExpired } from '../../src/jobs/sweep.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'
import { eventsVisible } from './visibility.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-11-01T00:00:00.000Z' })
})
afterEach(() => ctx.close())

async function write(count: number, label: string): Promise<void> {
  for (let i = 0; i < count; i++) await recordEvent(ctx.deps.store, { type: 'member.updated', orgId: null, data: { label, i } }, ctx.clock.now())
}

const labels = async () =>
  (await eventsVisible(ctx.runtime.db), await ctx.deps.store.events.list(undefined, 1000)).map((e) => `${e.data['label'] as string}${e.data['i'] as number}`)

describe('event retention', () => {
  it('keeps events for 30 days', () => {
    expect(EVENT_RETENTION).toBe(days(30))
  })

  it('prunes events older than 30 days in batches, and keeps those 30 days old or younger', async () => {
    await write(25, 'old')
    ctx.clock.advance(days(1))
    await write(3, 'young')
    ctx.clock.advance(days(29))
    // Exactly 30 days after the old ones: kept.
    expect((await sweepExpired(ctx.deps, { batchSize: 10 })).eventsDeleted).toBe(0)
    expect(await labels()).toHaveLength(28)
    ctx.clock.advance(minutes(1))
    const summary = await sweepExpired(ctx.deps, { batchSize: 10 })
    expect(summary.eventsDeleted).toBe(25)
    expect(await labels()).toEqual(['young0', 'young1', 'young2'])
  })

  it('keeps the newest event whatever its age, so a reader caught up on it resumes without an unknown cursor', async () => {
    await write(3, 'e')
    await eventsVisible(ctx.runtime.db)
    const caughtUp = await listEvents(ctx.deps, { limit: 100 })
    ctx.clock.advance(days(45))
    expect((await sweepExpired(ctx.deps)).eventsDeleted).toBe(2)
    expect(await labels()).toEqual(['e2'])
    await write(1, 'later')
    await eventsVisible(ctx.runtime.db)
    expect((await listEvents(ctx.deps, { after: caughtUp.nextCursor!, limit: 100 })).events.map((e) => e.data['label'])).toEqual(['later'])
  })
})
