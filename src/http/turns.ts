/**
 * Taking turns: CPU-heavy requests (the ACS: parse, canonicalize and verify a signed XML document,
 * 0.4–5 ms of one core each) run first come, first served, and the event loop polls for I/O at
 * least every `budgetMs` of them.
 *
 * Why: since libuv 1.45 (Node 20), a listening socket accepts **one** connection per event-loop
 * iteration, and one iteration runs the handler of every request whose bytes arrived in its poll
 * phase. Under load an iteration is long (16 waiting ACS posts of 90 KB ≈ 70 ms), so a burst of new
 * connections is accepted one per 70 ms while the connections already open are served again and
 * again: in the ACS benchmark, the 16th new connection waited 530–770 ms for its first answer while
 * the median was 70 ms, and with 64 connections the median fell below a fair share (28 ms for 5 ms of
 * work × 64) while the slowest waited 1.5 s. A new connection is what a person signing in usually
 * arrives on.
 *
 * With turns, requests queue in arrival order; an iteration runs queued requests back to back until
 * `budgetMs` have passed (at least one), then the loop polls (accepting a connection, reading every
 * ready socket) before the next. Measured with a bare Node server burning 5 ms per request, 125 KB
 * bodies, autocannon on another core: 16 connections p99/p50 429/62 ms → 139/84 ms; 64 connections
 * 1,476/28 ms → 622/311 ms. Small requests still run many per iteration, so they pay for no extra
 * polls.
 *
 * How long a slice: each event-loop iteration has a cost of its own, so the fewer iterations per
 * request the better, but one iteration accepts one connection. While connections are arriving (one
 * was accepted within ARRIVAL_WINDOW_MS) a slice is one request (ARRIVAL_BUDGET_MS = 0), so a
 * connection that arrives while others post waits for one request at most; otherwise, while open connections post, requests run back to
 * back for TURN_BUDGET_MS. Measured in the ACS benchmark (5 KB responses, 16 kept-alive
 * connections, 4 runs each, alternating): a 1 ms budget throughout cost 0.79–0.82 ms CPU per
 * sign-in, 3 ms 0.73 ms (1,197–1,248 → 1,334–1,341 sign-ins/s); but 3 ms throughout made the 64th
 * connection of a burst wait ~200 ms for its first answer. The 16th connection of a run's opening
 * burst waited 38–42 ms with 1 ms slices while arriving, 29–38 ms with one request (before accepting
 * first, below).
 *
 * Accepting first: when a connection was accepted since the last turn, the turn is put off by one
 * iteration (at most ACCEPT_DEFERRALS_MAX times in a row), because libuv accepts only one
 * connection per iteration and more may be waiting in the backlog. An iteration that runs no request
 * costs tens of microseconds, so a burst of 16 new connections is accepted within about a
 * millisecond and their posts then run in arrival order; before, each accept waited for one post
 * (~1 ms of a 5 KB response), and the 16th connection's first answer came after ~35 ms, at a median of
 * 13. The bound keeps requests moving when connections arrive faster than they can be accepted.
 *
 * A turn decides when a request *starts*. One that then waits for I/O (PostgreSQL) does not hold up
 * the queue: the next iteration starts the next request whether or not `done` was called.
 */

export interface Turns {
  /** Resolves when it is this caller's turn (never synchronously); call the function it gives when done. */
  take(): Promise<() => void>
  /** Requests waiting for their turn now. */
  readonly waiting: number
  /** Tells it a connection was just accepted: the next turn waits one iteration, and slices stay short for a while (ARRIVAL_WINDOW_MS). */
  readonly connectionArrived: () => void
}

export interface TurnsOptions {
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

export function createTurns(options: TurnsOptions = {}): Turns {
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
