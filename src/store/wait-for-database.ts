/**
 * Start-up against a database that is not up yet (it starts alongside Gatehouse, restarts or fails
 * over): retry with back-off for a bounded time instead of exiting at once, so no supervisor's
 * restart loop is needed. Only "not there" retries; a wrong password or database name fails at once.
 */
import { sql } from 'kysely'
import type { Db } from './database.js'
import { describeDatabaseError, isDatabaseUnavailable } from './database-unavailable.js'

export class DatabaseStartTimeout extends Error {
  override name = 'DatabaseStartTimeout'
}

export interface WaitForDatabaseOptions {
  /** 0: one try. */
  readonly timeoutMs: number
  /** Told before each wait: the try that failed (from 1), how long until the next, and why. */
  readonly onRetry?: (retry: { attempt: number; delayMs: number; error: { code?: string; message: string } }) => void
  readonly now?: () => number
  readonly sleep?: (ms: number) => Promise<void>
}

export const FIRST_DELAY_MS = 500
export const MAX_DELAY_MS = 5_000

export async function waitForDatabase(db: Db, options: WaitForDatabaseOptions): Promise<void> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const deadline = now() + options.timeoutMs
  let delayMs = FIRST_DELAY_MS
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`select 1`.execute(db)
      return
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error
      const remaining = deadline - now()
      if (remaining <= 0) {
        const seconds = Math.round(options.timeoutMs / 1000)
        throw new DatabaseStartTimeout(
          `no answer within ${seconds} s (GATEHOUSE_DATABASE_START_TIMEOUT) after ${attempt} ${attempt === 1 ? 'try' : 'tries'}: ${describeDatabaseError(error).message}`,
        )
      }
      const wait = Math.min(delayMs, remaining)
      options.onRetry?.({ attempt, delayMs: wait, error: describeDatabaseError(error) })
      await sleep(wait)
      delayMs = Math.min(delayMs * 2, MAX_DELAY_MS)
    }
  }
}
