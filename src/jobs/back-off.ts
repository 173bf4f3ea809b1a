/**
 * When a failed job runs again: exponential back-off from 30 s, doubling, capped at one hour, for
 * 20 attempts (about 13 hours in all, which outlasts an SMTP outage of a night); after that the job
 * is kept as `failed` and logged, never deleted.
 */
import { minutes } from '../core/clock.js'

export const FIRST_RETRY_DELAY_MS = 30_000
export const MAX_RETRY_DELAY_MS = minutes(60)
export const MAX_ATTEMPTS = 20

/** The delay after the `attempts`-th failed attempt (1 for the first). */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS)
}
