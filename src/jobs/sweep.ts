/**
 * The expiry sweep (every 10 minutes from `gatehouse start`): expired sessions in batches of
 * SWEEP_BATCH rows, yielding to the event loop between batches so that a backlog of 100k expired
 * sessions never holds the loop for one long statement; then the other short-lived state. Every
 * SETTLE_EVERY batches it waits for the database to catch up (store.settleWrites): on SQLite a
 * backlog's deletes would otherwise outrun the WAL checkpointer and grow the WAL to its backstop,
 * where one delete's commit copies the whole WAL inside the event loop (bench/sweep measures both).
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { CoreDeps } from '../core/deps.js'
import { secondsSince } from '../core/metrics.js'

export const SWEEP_BATCH = 250
/** Batches between two waits for the database to catch up (~36 WAL pages a batch on SQLite). */
export const SETTLE_EVERY = 16

export interface SweepSummary {
  readonly sessionsDeleted: number
  /** Session delete statements run (the last one finds fewer than a batch). */
  readonly sessionBatches: number
}

export async function sweepExpired(deps: Pick<CoreDeps, 'store' | 'clock' | 'metrics'>, options: { batchSize?: number } = {}): Promise<SweepSummary> {
  const batchSize = options.batchSize ?? SWEEP_BATCH
  const started = performance.now()
  const now = deps.clock.now().toISOString()
  let sessionsDeleted = 0
  let sessionBatches = 0
  for (;;) {
    const deleted = await deps.store.sessions.deleteExpired(now, batchSize)
    sessionBatches++
    sessionsDeleted += deleted
    if (deleted < batchSize) break
    if (sessionBatches % SETTLE_EVERY === 0) await deps.store.settleWrites()
    else await yieldToEventLoop()
  }
  await deps.store.saml.deleteExpired(now)
  await deps.store.samlLogout.deleteExpired(now)
  await deps.store.ssoTests.deleteExpired(now)
  await deps.store.ssoFailedResponses.deleteExpired(now)
  await deps.store.oidcPayloads.deleteExpired(now)
  // The backlog is the expired sessions it found; the other tables are small and uncounted.
  deps.metrics.periodicJob('expiry_sweep', secondsSince(started), sessionsDeleted)
  return { sessionsDeleted, sessionBatches }
}
