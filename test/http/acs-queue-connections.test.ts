/**
 * The ACS queue (http/acs-queue.ts) hear of every connection the server accepts: without that, a burst
 * of new connections would be accepted one per post again, and the arrival slices would never start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestContext, type TestContext } from '../helpers/test-app.js'

let ctx: TestContext
beforeAll(async () => {
  ctx = await createTestContext()
  await ctx.app.ready()
})
afterAll(() => ctx.close())

describe('ACS queue', () => {
  it("listen to the server's connection events", () => {
    const listeners = ctx.app.server.listeners('connection') as Array<(...args: unknown[]) => unknown>
    expect(listeners.map((l) => l.name)).toContain('connectionArrived')
  })
})
