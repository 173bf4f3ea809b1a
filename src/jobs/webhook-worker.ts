/**
 * The webhook worker (DESIGN §9; `gatehouse start` runs it beside the job worker). Each pass looks
 * at the webhooks whose next attempt is due and whom no process holds, peeks whether the stream has
 * anything after their cursor (a read: an idle deployment writes nothing), leases up to
 * WEBHOOK_CONCURRENCY of those that do (store/webhook-repository.ts claim) and delivers them at once, each
 * in its own order (core/webhook-delivery.ts). A webhook is in one process's hands at a time, so two
 * processes deliver each event once; a process that dies leaves its lease to run out (20 s), and
 * whichever process takes the webhook next sends again what was not saved as done.
 *
 * Logs name the webhook by id and the event by id: never the URL (some carry a token), the secret or a body.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import { addMs } from '../core/clock.js'
import { deliverWebhook, WEBHOOK_LEASE_MS, type DeliveryRunOptions } from '../core/webhook-delivery.js'
import type { ClaimedWebhook } from '../core/webhook-ports.js'
import type { JobDeps } from './job-kind.js'

/** What the worker needs of the HTTP server's request tracking (http/graceful-stop.ts trackRequests). */
export interface ForegroundRequests {
  readonly inFlight: number
  /** performance.now() when the last request started; -Infinity before the first. */
  readonly lastStartedAt: number
  drainedWithin(maxMs: number): Promise<void>
}

/** How often an idle worker looks for new events. */
export const WEBHOOK_POLL_MS = 250
export const WEBHOOK_CONCURRENCY = 16
export const STOP_WAIT_MS = 10_000
const AFTER_FAILURE_MS = 5_000
/** Due webhooks read per pass (a deployment has tens). */
const MAX_WEBHOOKS_LOOKED_AT = 1000
/**
 * The longest a delivery waits for the process's requests in flight to finish. Bounded so that a
 * process never idle (or one slow request, an upload trickling in) slows deliveries only so much.
 */
export const GIVE_WAY_MAX_MS = 5
/** A request started this recently means the process is serving: deliveries then pace themselves. */
export const SERVING_WINDOW_MS = 1_000
/**
 * The pause before each delivery while the process is serving. Measured (bench/events, docs/PERFORMANCE.md):
 * flat out, a backlog took 82 % of the core and the API's p99 rose from 6 to 9–11 ms; pausing 1 ms
 * per delivery, 36 % and ~555 deliveries/s, and the p99 stayed as it was idle.
 */
export const PAUSE_WHILE_SERVING_MS = 1

/**
 * Requests first. While the process is serving requests (one started within SERVING_WINDOW_MS), each
 * delivery waits PAUSE_WHILE_SERVING_MS, leaving most of the core to them; otherwise a turn of the
 * event loop (requests that arrived meanwhile are read and started). Then, while any are in flight,
 * up to GIVE_WAY_MAX_MS for them to finish: on SQLite a save or a read of events runs synchronously,
 * and between a request's steps it is what the request would wait for.
 */
export function giveWayToRequests(requests: ForegroundRequests, pause: (ms: number) => Promise<unknown> = sleep): () => Promise<void> {
  return async () => {
    if (performance.now() - requests.lastStartedAt < SERVING_WINDOW_MS) await pause(PAUSE_WHILE_SERVING_MS)
    else await nextTurn()
    if (requests.inFlight > 0) await requests.drainedWithin(GIVE_WAY_MAX_MS)
  }
}

export interface WebhookPassSummary {
  /** Webhooks leased and worked on in this pass. */
  readonly claimed: number
  readonly delivered: number
  readonly retrying: number
  readonly gaveUp: number
}

export async function deliverDueWebhooks(deps: JobDeps, options: DeliveryRunOptions = {}): Promise<WebhookPassSummary> {
  const now = deps.clock.now()
  // Every due webhook is looked at, not the first few: idle ones keep an old next_attempt_at and
  // would otherwise hide, for ever, one with work behind them.
  const due = await deps.store.webhooks.listDue(now.toISOString(), MAX_WEBHOOKS_LOOKED_AT)
  // Webhooks that are caught up share one cursor (the stream's last event): one peek answers for all.
  const hasWork = new Map<string, Promise<boolean>>()
  const claimed: ClaimedWebhook[] = []
  for (const hook of due) {
    if (options.signal?.aborted === true || claimed.length >= WEBHOOK_CONCURRENCY) break
    const cursor = hook.cursor ?? ''
    if (!hasWork.has(cursor))
      hasWork.set(
        cursor,
        deps.store.events.list(hook.cursor ?? undefined, 1).then((next) => next.length > 0),
      )
    if (!(await hasWork.get(cursor))) continue
    const mine = await deps.store.webhooks.claim(hook.id, now.toISOString(), addMs(now, WEBHOOK_LEASE_MS).toISOString())
    if (mine !== undefined) claimed.push(mine)
  }
  const summary = { claimed: claimed.length, delivered: 0, retrying: 0, gaveUp: 0 }
  await Promise.all(
    claimed.map(async (hook) => {
      try {
        const result = await deliverWebhook(deps, hook, options)
        summary.delivered += result.delivered
        if (result.retrying !== undefined) {
          summary.retrying++
          deps.logger.warn(
            {
              webhook: hook.id,
              event: result.retrying.eventId,
              attempt: result.retrying.attempt,
              retryAt: result.retrying.nextAttemptAt,
              error: result.retrying.error,
            },
            'webhook delivery failed; will retry',
          )
        }
        if (result.gaveUp !== undefined) {
          summary.gaveUp++
          deps.logger.error(
            { webhook: hook.id, event: result.gaveUp.eventId, attempts: result.gaveUp.attempts, error: result.gaveUp.error },
            'webhook delivery failed for 24 hours; marked failed, moving on to the next event',
          )
        }
        if (result.leaseLost)
          deps.logger.warn({ webhook: hook.id }, 'webhook lease lost (deleted, or taken after the lease ran out); stopped delivering it here')
      } catch (error) {
        // The database failed mid-run: the lease runs out and the unsaved deliveries are sent again.
        deps.logger.error({ webhook: hook.id, err: error }, 'webhook delivery run failed')
      }
    }),
  )
  return summary
}

export interface WebhookWorker {
  stop(): Promise<void>
}

export function startWebhookWorker(deps: JobDeps, options: { intervalMs?: number; requests?: ForegroundRequests } = {}): WebhookWorker {
  const stopping = new AbortController()
  const giveWay = options.requests === undefined ? undefined : giveWayToRequests(options.requests)
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  const tick = () => {
    running = deliverDueWebhooks(deps, { signal: stopping.signal, ...(giveWay === undefined ? {} : { giveWay }) })
      .then(
        (summary) => (summary.claimed > 0 ? 0 : (options.intervalMs ?? WEBHOOK_POLL_MS)),
        (error: unknown) => {
          deps.logger.error({ err: error }, 'webhook pass failed')
          return AFTER_FAILURE_MS
        },
      )
      .then((wait) => {
        running = undefined
        // While there is work, the next pass starts at once; an idle worker waits a poll interval, and
        // one whose pass failed (the database is down) a few seconds, not to log the outage 4 times a second.
        if (!stopping.signal.aborted) timer = setTimeout(tick, wait)
      })
  }
  timer = setTimeout(tick, 0)
  return {
    stop: async () => {
      stopping.abort()
      clearTimeout(timer)
      let waited: NodeJS.Timeout | undefined
      await Promise.race([running, new Promise<void>((resolve) => (waited = setTimeout(resolve, STOP_WAIT_MS).unref()))])
      clearTimeout(waited)
    },
  }
}
