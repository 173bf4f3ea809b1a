/**
 * The expiry sweep (every 10 minutes from `gatehouse start`): expired sessions in batches of
 * SWEEP_BATCH rows, yielding to the event loop between batches so that a backlog of 100k expired
 * sessions never holds the loop for one long statement; then the other short-lived state. Every
 * SETTLE_EVERY batches it waits for the database to catch up (store.settleWrites): on SQLite a
 * backlog's deletes would otherwise outrun the WAL checkpointer and grow the WAL to its backstop,
 * where one delete's commit copies the whole WAL inside the event loop (bench/sweep measures both).
 * Events older than EVENT_RETENTION go the same way, the same batches (DESIGN §9 keeps them at least
 * 30 days; the stream's newest event stays whatever its age, docs/events.md), and rate-limit counters
 * whose window is long over.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { CoreDeps } from '../core/deps.js'
import { days, hours } from '../core/clock.js'
import { secondsSince } from '../core/metrics.js'

export const SWEEP_BATCH = 250
/** Batches between two waits for the database to catch up (~36 WAL pages a batch on SQLite). */
export const SETTLE_EVERY = 16
/** Events are pruned once older than this (never sooner: a host app may be away that long). */
export const EVENT_RETENTION = days(30)
/** Rate-limit counters are dropped once their window started this long ago (windows are minutes long). */
export const RATE_LIMIT_RETENTION = hours(1)

export interface SweepSummary {
  readonly sessionsDeleted: number
  /** Session delete statements run (the last one finds fewer than a batch). */
  readonly sessionBatches: number
  readonly eventsDeleted: number
}

/** Runs `deleteBatch` until it deletes less than a batch; the rows deleted and the statements run. */
async function deleteInBatches(
  store: CoreDeps['store'],
  batchSize: number,
  deleteBatch: (limit: number) => Promise<number>,
): Promise<{ deleted: number; batches: number }> {
  let deleted = 0
  let batches = 0
  for (;;) {
    const n = await deleteBatch(batchSize)
    batches++
    deleted += n
    if (n < batchSize) return { deleted, batches }
    if (batches % SETTLE_EVERY === 0) await store.settleWrites()
    else await yieldToEventLoop()
  }
}

export async function sweepExpired(deps: Pick<CoreDeps, 'store' | 'clock' | 'metrics'>, options: { batchSize?: number } = {}): Promise<SweepSummary> {
  const batchSize = options.batchSize ?? SWEEP_BATCH
  const started = performance.now()
  const at = deps.clock.now()
  const now = at.toISOString()
  const sessions = await deleteInBatches(deps.store, batchSize, (limit) => deps.store.sessions.deleteExpired(now, limit))
  await deps.store.saml.deleteExpired(now)
  await deps.store.samlLogout.deleteExpired(now)
  await deps.store.ssoTests.deleteExpired(now)
  await deps.store.setupLinks.deleteExpiredSessions(now)
  await deps.store.ssoFailedResponses.deleteExpired(now)
  await deps.store.oidcPayloads.deleteExpired(now)
  await deps.store.oidcSessionGrants.deleteExpired(now)
  // One counter per client IP and account ever seen would otherwise stay for good.
  const windowsBefore = new Date(at.getTime() - RATE_LIMIT_RETENTION).toISOString()
  await deleteInBatches(deps.store, batchSize, (limit) => deps.store.rateLimits.deleteWindowsBefore(windowsBefore, limit))
  const eventsBefore = new Date(at.getTime() - EVENT_RETENTION).toISOString()
  const events = await deleteInBatches(deps.store, batchSize, (limit) => deps.store.events.deleteOlderThan(eventsBefore, limit))
  // The backlog is the expired sessions it found; the other tables are small and uncounted.
  deps.metrics.periodicJob('expiry_sweep', secondsSince(started), sessions.deleted)
  return { sessionsDeleted: sessions.deleted, sessionBatches: sessions.batches, eventsDeleted: events.deleted }
}
