/**
 * The ACS queue: CPU-heavy requests (the ACS parses, canonicalizes and verifies a signed XML document,
 * milliseconds of one core each) start first come, first served, and the event loop polls for I/O
 * between them at least every `budgetMs`.
 *
 * Why: a listening socket accepts one connection per event-loop iteration (libuv ≥ 1.45, Node 20+),
 * and one iteration runs the handler of every request whose bytes arrived in its poll phase. Under
 * load an iteration is long, so new connections are accepted one per long iteration while the
 * connections already open are served again and again: a person signing in usually arrives on a new
 * connection, and waited many times the median. With the queue, an iteration runs queued requests
 * back to back until the budget is spent (at least one), then the loop polls (accepting a connection,
 * reading every ready socket) before the next. Small requests still run many per iteration.
 *
 * How long a slice: each iteration has a cost of its own, so a longer slice is cheaper per request,
 * but one iteration accepts one connection. While connections are arriving (one accepted within
 * ARRIVAL_WINDOW_MS) a slice is one request (ARRIVAL_BUDGET_MS = 0); otherwise requests run back to
 * back for TURN_BUDGET_MS.
 *
 * Accepting first: when a connection was accepted since the last slice, the next one is put off by
 * one iteration (at most ACCEPT_DEFERRALS_MAX times in a row, so a flood of connections cannot stall
 * the queue), because more may be waiting in the backlog: a burst of new connections is accepted
 * within a few idle iterations, and their posts then run in arrival order.
 *
 * The queue decides when a request *starts*. One that then waits for I/O (PostgreSQL) does not hold
 * it up: the next iteration starts the next request whether or not `done` was called.
 *
 * Measured with and without (directly and behind nginx): docs/PERFORMANCE.md.
 */

export interface AcsQueue {
  /** Resolves when it is this caller's turn (never synchronously); call the function it gives when done. */
  take(): Promise<() => void>
  /** Requests waiting for their turn now. */
  readonly waiting: number
  /** Tells it a connection was just accepted: the next turn waits one iteration, and slices stay short for a while (ARRIVAL_WINDOW_MS). */
  readonly connectionArrived: () => void
}

export interface AcsQueueOptions {
  /** Runs a callback on a later event-loop iteration (default setImmediate). */
  readonly schedule?: (callback: () => void) => void
  /** Milliseconds, monotonic (default performance.now). */
  readonly now?: () => number
  /** Back-to-back turns in one iteration stop once this much time has passed (default TURN_BUDGET_MS). */
  readonly budgetMs?: number
  /** The same while connections are arriving (default ARRIVAL_BUDGET_MS; never more than budgetMs). */
  readonly arrivalBudgetMs?: number
}

export const TURN_BUDGET_MS = 3
export const ARRIVAL_BUDGET_MS = 0
export const ARRIVAL_WINDOW_MS = 10
export const ACCEPT_DEFERRALS_MAX = 16

export function createAcsQueue(options: AcsQueueOptions = {}): AcsQueue {
  const schedule = options.schedule ?? setImmediate
  const now = options.now ?? (() => performance.now())
  const steadyBudgetMs = options.budgetMs ?? TURN_BUDGET_MS
  const arrivalBudgetMs = Math.min(options.arrivalBudgetMs ?? ARRIVAL_BUDGET_MS, steadyBudgetMs)
  let lastArrival = Number.NEGATIVE_INFINITY
  let budgetMs = steadyBudgetMs
  // A FIFO as an array with a moving head (shift() is O(n)); compacted when the head passes half.
  let queue: Array<(done: () => void) => void> = []
  let head = 0
  let scheduled = false
  let sliceStart = Number.NEGATIVE_INFINITY
  // A connection was accepted since the last tick, and how many ticks in a row were put off for one.
  let acceptedSinceTick = false
  let deferrals = 0

  const waiting = () => queue.length - head

  const grant = () => {
    const resolve = queue[head]!
    queue[head++] = undefined as never
    if (head * 2 >= queue.length) {
      queue = queue.slice(head)
      head = 0
    }
    let finished = false
    resolve(() => {
      if (finished) return
      finished = true
      // Finished within this iteration's budget: the next request starts now, without a poll.
      if (waiting() > 0 && now() - sliceStart < budgetMs) grant()
    })
    // Whatever that request does (finish at once, or wait for I/O), the queue moves on next iteration.
    if (waiting() > 0 && !scheduled) {
      scheduled = true
      schedule(tick)
    }
  }

  const tick = () => {
    if (acceptedSinceTick && deferrals < ACCEPT_DEFERRALS_MAX && waiting() > 0) {
      // More connections may be waiting to be accepted: let the loop come round once more first.
      acceptedSinceTick = false
      deferrals++
      schedule(tick)
      return
    }
    acceptedSinceTick = false
    deferrals = 0
    scheduled = false
    sliceStart = now()
    budgetMs = sliceStart - lastArrival < ARRIVAL_WINDOW_MS ? arrivalBudgetMs : steadyBudgetMs
    if (waiting() > 0) grant()
  }

  return {
    take: () =>
      new Promise<() => void>((resolve) => {
        queue.push(resolve)
        if (!scheduled) {
          scheduled = true
          schedule(tick)
        }
      }),
    get waiting() {
      return waiting()
    },
    connectionArrived: () => {
      lastArrival = now()
      acceptedSinceTick = true
    },
  }
}
