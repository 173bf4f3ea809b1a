/**
 * Deliveries give way to the process's HTTP requests (issue 19: the API answers within its usual
 * time while a backlog goes out): the worker waits, before each send and each save, for the requests
 * in flight to finish, for at most GIVE_WAY_MAX_MS each time; while the process is serving (a request
 * started within SERVING_WINDOW_MS) it pauses PAUSE_WHILE_SERVING_MS before each, and not otherwise;
 * and the request tracker's bounded wait resolves at the drain or at its bound, leaving nothing behind.
 */
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { trackRequests } from '../../src/http/graceful-stop.js'
import {
  deliverDueWebhooks,
  GIVE_WAY_MAX_MS,
  giveWayToRequests,
  PAUSE_WHILE_SERVING_MS,
  SERVING_WINDOW_MS,
  type ForegroundRequests,
} from '../../src/jobs/webhook-worker.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'
import { registerWebhook, startReceiver, writeEvents, type Receiver } from './webhook-support.js'

describe('webhook deliveries give way to requests', () => {
  let ctx: TestContext
  let receiver: Receiver
  beforeEach(async () => {
    ctx = await createTestContext()
    receiver = await startReceiver()
  })
  afterEach(async () => {
    await receiver.close()
    await ctx.close()
  })

  /** A request tracker whose requests end when the test says (release), counting the worker's waits. */
  function heldRequests() {
    let release: () => void = () => {}
    const ended = new Promise<void>((resolve) => (release = resolve))
    const requests = {
      inFlight: 1,
      lastStartedAt: -Infinity,
      waits: [] as number[],
      drainedWithin: (maxMs: number) => (requests.waits.push(maxMs), ended),
    }
    return { requests: requests as ForegroundRequests & { inFlight: number; waits: number[] }, release: () => ((requests.inFlight = 0), release()) }
  }

  it('sends nothing while a request is in flight, then everything once it ends', async () => {
    await registerWebhook(ctx, receiver.url)
    const ids = await writeEvents(ctx, 5)
    const held = heldRequests()
    const pass = deliverDueWebhooks(ctx.deps, { giveWay: giveWayToRequests(held.requests) })
    await new Promise((r) => setTimeout(r, 100))
    expect(receiver.received, 'no delivery while the request is in flight').toHaveLength(0)
    expect(held.requests.waits).toEqual([GIVE_WAY_MAX_MS])
    held.release()
    const summary = await pass
    expect(summary.delivered).toBe(5)
    expect(receiver.accepted).toEqual(ids)
  })

  it('does not wait when no request is in flight', async () => {
    await registerWebhook(ctx, receiver.url)
    const ids = await writeEvents(ctx, 3)
    const idle = { inFlight: 0, lastStartedAt: -Infinity, drainedWithin: () => Promise.reject(new Error('waited with nothing in flight')) }
    const pauses: number[] = []
    const summary = await deliverDueWebhooks(ctx.deps, { giveWay: giveWayToRequests(idle, async (ms) => pauses.push(ms)) })
    expect(summary.delivered).toBe(3)
    expect(receiver.accepted).toEqual(ids)
    expect(pauses, 'no request for a long time: full speed').toEqual([])
  })

  it('pauses before each delivery and save while requests keep coming, and not once they stop', async () => {
    await registerWebhook(ctx, receiver.url)
    const ids = await writeEvents(ctx, 4)
    const serving = { inFlight: 0, lastStartedAt: performance.now(), drainedWithin: () => Promise.resolve() }
    const pauses: number[] = []
    await deliverDueWebhooks(ctx.deps, { giveWay: giveWayToRequests(serving, async (ms) => pauses.push(ms)) })
    expect(receiver.accepted).toEqual(ids)
    // Four sends and the closing save.
    expect(pauses).toEqual(Array(5).fill(PAUSE_WHILE_SERVING_MS))

    const more = await writeEvents(ctx, 2)
    serving.lastStartedAt = performance.now() - SERVING_WINDOW_MS - 1
    pauses.length = 0
    await deliverDueWebhooks(ctx.deps, { giveWay: giveWayToRequests(serving, async (ms) => pauses.push(ms)) })
    expect(receiver.accepted).toEqual([...ids, ...more])
    expect(pauses).toEqual([])
  })
})

describe('trackRequests().drainedWithin', () => {
  let server: Server
  let answer: () => void = () => {}
  afterEach(async () => {
    answer()
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })

  async function serverWithOneRequestHeld() {
    server = createServer((_req, res) => (answer = () => res.end('ok')))
    const tracker = trackRequests(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const done = new Promise((resolve) => request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' }, resolve).end())
    while (tracker.inFlight === 0) await new Promise((r) => setTimeout(r, 5))
    return { tracker, done }
  }

  it('resolves at its bound while the request goes on, and at once when it ends first', async () => {
    const before = performance.now()
    const { tracker, done } = await serverWithOneRequestHeld()
    expect(tracker.lastStartedAt).toBeGreaterThanOrEqual(before)
    let t0 = performance.now()
    await tracker.drainedWithin(60)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55)
    expect(tracker.inFlight).toBe(1)

    t0 = performance.now()
    const waiting = tracker.drainedWithin(10_000)
    setTimeout(() => answer(), 20)
    await waiting
    await done
    expect(performance.now() - t0).toBeLessThan(5_000)
    expect(tracker.inFlight).toBe(0)
  })
})
