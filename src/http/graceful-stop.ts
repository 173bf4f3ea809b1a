/**
 * Stopping the HTTP server within a bound (DESIGN §6: SIGTERM stops accepting, finishes in-flight
 * requests, bounded, and exits 0). `trackRequests` is attached before listening; `stopServer`:
 *
 * 1. stops accepting connections; idle keep-alive connections close at once, and a request that
 *    arrives on a connection still open is answered 503 with `connection: close` (Fastify);
 * 2. waits for the requests in flight (headers received, answer not yet finished) to finish, for at
 *    most `drainMs`;
 * 3. closes every connection left: requests still running past the bound, and connections that
 *    never finished sending their headers (they are not requests yet, and node stops timing them
 *    out once the server is closing, so without this one half-sent header held the process for
 *    minutes).
 *
 * Each stage is logged.
 */
import type { Server, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'

export interface RequestTracker {
  /** Requests whose answer has not finished. */
  readonly inFlight: number
  /** performance.now() when the last request started; -Infinity before the first. */
  readonly lastStartedAt: number
  /** Resolves once no request is in flight. */
  drained(): Promise<void>
  /** Resolves once no request is in flight, or after `maxMs`, whichever comes first (leaves nothing behind). */
  drainedWithin(maxMs: number): Promise<void>
}

export function trackRequests(server: Server): RequestTracker {
  const open = new Set<ServerResponse>()
  let waiters = new Set<() => void>()
  let lastStartedAt = -Infinity
  server.on('request', (_request, response: ServerResponse) => {
    lastStartedAt = performance.now()
    open.add(response)
    response.once('close', () => {
      open.delete(response)
      if (open.size > 0) return
      const woken = waiters
      waiters = new Set()
      for (const resolve of woken) resolve()
    })
  })
  return {
    get inFlight() {
      return open.size
    },
    get lastStartedAt() {
      return lastStartedAt
    },
    drained: () => (open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.add(resolve))),
    drainedWithin: (maxMs) =>
      open.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer)
              waiters.delete(done)
              resolve()
            }
            const timer = setTimeout(done, maxMs)
            waiters.add(done)
          }),
  }
}

export async function stopServer(
  app: FastifyInstance,
  requests: RequestTracker,
  options: { readonly drainMs: number; readonly logger: Logger },
): Promise<void> {
  const { logger, drainMs } = options
  logger.info({ inFlight: requests.inFlight, drainSeconds: drainMs / 1000 }, 'stopping: no new connections')
  const closed = app.close()
  let timer: NodeJS.Timeout | undefined
  const drainOver = new Promise<'over'>((resolve) => (timer = setTimeout(() => resolve('over'), drainMs)))
  const outcome = await Promise.race([requests.drained().then(() => 'drained' as const), drainOver])
  clearTimeout(timer)
  if (outcome === 'drained') logger.info('stopping: in-flight requests finished')
  else logger.warn({ inFlight: requests.inFlight, drainSeconds: drainMs / 1000 }, 'stopping: drain time over, cutting off the requests left')
  app.server.closeAllConnections()
  await closed
  logger.info('stopping: connections closed')
}
