/**
 * The ACS queue (http/acs-queue.ts): first come first served, never synchronous, back to back only within
 * the budget, and a request that waits for I/O does not hold up the queue.
 */
import { describe, expect, it } from 'vitest'
import { ACCEPT_DEFERRALS_MAX, ARRIVAL_WINDOW_MS, createAcsQueue } from '../../src/http/acs-queue.js'

/** A scheduler the test steps by hand, and a clock it sets. */
function harness(budgetMs = 4, arrivalBudgetMs?: number) {
  const pending: Array<() => void> = []
  let clock = 0
  const queue = createAcsQueue({
    schedule: (callback) => pending.push(callback),
    now: () => clock,
    budgetMs,
    ...(arrivalBudgetMs === undefined ? {} : { arrivalBudgetMs }),
  })
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve))
  return {
    queue,
    /** Runs the callbacks scheduled so far (one event-loop iteration), then lets promises settle. */
    iteration: async () => {
      const now = pending.splice(0)
      for (const callback of now) callback()
      await flush()
    },
    scheduled: () => pending.length,
    advance: (ms: number) => {
      clock += ms
    },
    settle: flush,
  }
}

/** Queues `count` requests that note their index when granted, each taking `eachMs` of the clock. */
function enqueue(h: ReturnType<typeof harness>, count: number, eachMs = 0): number[] {
  const order: number[] = []
  for (let i = 0; i < count; i++) {
    void h.queue.take().then((done) => {
      order.push(i)
      h.advance(eachMs)
      done()
    })
  }
  return order
}

describe('the ACS queue', () => {
  it('grants nothing synchronously, and grants in arrival order', async () => {
    const h = harness()
    const order: string[] = []
    const dones: Record<string, () => void> = {}
    for (const name of ['a', 'b', 'c']) {
      void h.queue.take().then((done) => {
        order.push(name)
        dones[name] = done
      })
    }
    await h.settle()
    expect(order).toEqual([])
    expect(h.queue.waiting).toBe(3)
    expect(h.scheduled()).toBe(1)
    await h.iteration()
    expect(order).toEqual(['a'])
    dones.a!()
    await h.settle()
    // Finished within the budget: the next one starts at once, in the same iteration.
    expect(order).toEqual(['a', 'b'])
    dones.b!()
    await h.settle()
    expect(order).toEqual(['a', 'b', 'c'])
    expect(h.queue.waiting).toBe(0)
  })

  it('stops running back to back once the budget is spent, and the next waits for a poll', async () => {
    const h = harness(4)
    const order: string[] = []
    for (const name of ['a', 'b', 'c']) {
      void h.queue.take().then((done) => {
        order.push(name)
        h.advance(5) // each takes longer than the whole budget
        done()
      })
    }
    await h.iteration()
    expect(order).toEqual(['a'])
    expect(h.scheduled()).toBe(1)
    await h.iteration()
    expect(order).toEqual(['a', 'b'])
    await h.iteration()
    expect(order).toEqual(['a', 'b', 'c'])
    expect(h.scheduled()).toBe(0)
  })

  it('moves on without a request that is waiting for I/O (done not yet called)', async () => {
    const h = harness()
    const order: string[] = []
    let finishA: (() => void) | undefined
    void h.queue.take().then((done) => {
      order.push('a')
      finishA = done
    })
    void h.queue.take().then((done) => {
      order.push('b')
      done()
    })
    await h.iteration()
    expect(order).toEqual(['a'])
    await h.iteration()
    expect(order).toEqual(['a', 'b'])
    finishA!()
    finishA!()
    await h.settle()
    expect(h.queue.waiting).toBe(0)
  })

  it('calling done twice grants one turn, not two', async () => {
    const h = harness()
    const order: string[] = []
    let doneA: (() => void) | undefined
    void h.queue.take().then((done) => {
      order.push('a')
      doneA = done
    })
    for (const name of ['b', 'c']) void h.queue.take().then(() => order.push(name))
    await h.iteration()
    doneA!()
    doneA!()
    await h.settle()
    expect(order).toEqual(['a', 'b'])
  })

  it('keeps its order over many requests (the queue compacts as it goes)', async () => {
    const queue = createAcsQueue()
    const order: number[] = []
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        queue.take().then((done) => {
          order.push(i)
          done()
        }),
      ),
    )
    expect(order).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(queue.waiting).toBe(0)
  })

  it('lets the event loop poll between turns once the budget is spent (real setImmediate)', async () => {
    const queue = createAcsQueue({ budgetMs: 0 })
    const events: string[] = []
    const spin = (ms: number) => {
      const end = performance.now() + ms
      while (performance.now() < end);
    }
    const requests = [0, 1, 2].map((i) =>
      queue.take().then((done) => {
        events.push(`turn ${i}`)
        // I/O that completes while this turn runs: its callback must come before the next turn.
        if (i === 0) setImmediate(() => events.push('other work'))
        spin(2)
        done()
      }),
    )
    await Promise.all(requests)
    expect(events.indexOf('other work')).toBeGreaterThan(events.indexOf('turn 0'))
    expect(events.indexOf('other work')).toBeLessThan(events.indexOf('turn 2'))
  })

  it('keeps slices short while connections arrive, long again once they stop', async () => {
    const h = harness(4, 1)
    const order: number[] = []
    const take = (n: number) => {
      for (let i = 0; i < n; i++) {
        void h.queue.take().then((done) => {
          order.push(order.length)
          h.advance(2) // 2 ms each: two fit in the steady 4 ms budget, one in the arrival budget
          done()
        })
      }
    }
    take(12)
    await h.iteration()
    expect(order).toHaveLength(2) // steady: back to back until 4 ms
    h.queue.connectionArrived()
    await h.iteration()
    expect(order).toHaveLength(2) // a connection was just accepted: one more iteration to accept others first
    await h.iteration()
    expect(order).toHaveLength(3) // a connection arrived: one per iteration
    await h.iteration()
    expect(order).toHaveLength(4)
    h.advance(ARRIVAL_WINDOW_MS) // none since
    await h.iteration()
    expect(order).toHaveLength(6)
  })

  it('never makes the arrival budget longer than the steady one', async () => {
    const h = harness(1, 5)
    const order: number[] = []
    for (let i = 0; i < 4; i++) {
      void h.queue.take().then((done) => {
        order.push(i)
        h.advance(2)
        done()
      })
    }
    h.queue.connectionArrived()
    await h.iteration()
    expect(order).toEqual([])
    await h.iteration()
    expect(order).toEqual([0])
  })

  it('by default runs one request per iteration while connections arrive, however quick', async () => {
    const h = harness(4)
    const order = enqueue(h, 6) // each takes no time at all
    h.queue.connectionArrived()
    await h.iteration()
    expect(order).toEqual([])
    await h.iteration()
    expect(order).toEqual([0])
    await h.iteration()
    expect(order).toEqual([0, 1])
    h.advance(ARRIVAL_WINDOW_MS)
    await h.iteration()
    expect(order).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('puts the next turn off while connections are being accepted, one iteration per accept', async () => {
    const h = harness(4)
    const order = enqueue(h, 3, 1)
    // A burst: one connection accepted in each of three iterations (libuv accepts one per iteration).
    for (let accepted = 0; accepted < 3; accepted++) {
      h.queue.connectionArrived()
      await h.iteration()
      expect(order).toEqual([])
      expect(h.scheduled()).toBe(1)
    }
    // An iteration without a new connection: the queue moves (one per iteration while they arrive).
    await h.iteration()
    expect(order).toEqual([0])
  })

  it(`puts it off at most ${ACCEPT_DEFERRALS_MAX} iterations in a row, however fast connections come`, async () => {
    const h = harness(4)
    const order = enqueue(h, 3)
    for (let i = 0; i < ACCEPT_DEFERRALS_MAX; i++) {
      h.queue.connectionArrived()
      await h.iteration()
    }
    expect(order).toEqual([])
    h.queue.connectionArrived()
    await h.iteration()
    expect(order).toEqual([0])
    // The count starts again after a turn: the next accept puts the next turn off again.
    h.queue.connectionArrived()
    await h.iteration()
    expect(order).toEqual([0])
    await h.iteration()
    expect(order).toEqual([0, 1])
  })

  it('an accept before anything was queued puts the first turn off once; a turn clears it', async () => {
    const h = harness(4)
    const order: number[] = []
    h.queue.connectionArrived()
    h.advance(ARRIVAL_WINDOW_MS)
    void h.queue.take().then((done) => {
      order.push(0)
      done()
    })
    // The accept came before anything was queued, and no turn has run since: one deferral, then it runs.
    await h.iteration()
    expect(order).toEqual([])
    await h.iteration()
    expect(order).toEqual([0])
    void h.queue.take().then((done) => {
      order.push(1)
      done()
    })
    await h.iteration()
    expect(order).toEqual([0, 1])
  })
})
