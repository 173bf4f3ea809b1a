/**
 * Fixed-window limits on password attempts, per account and per client IP, kept in the database so
 * every process counts together. Every attempt counts (hit first, then check), so parallel guesses
 * cannot slip past; a success clears the account's window.
 */
import { AuthError } from './auth-error.js'
import type { CoreDeps } from './deps.js'

export interface AttemptKeys {
  readonly account: string
  readonly ip: string
}

export async function countAttempt(deps: CoreDeps, keys: AttemptKeys): Promise<void> {
  const { windowMinutes, perAccount, perIp } = deps.settings.rateLimit
  const now = deps.clock.now().getTime()
  const windowMs = windowMinutes * 60_000
  const start = Math.floor(now / windowMs) * windowMs
  const windowStart = new Date(start).toISOString()
  const retryAfterSeconds = Math.max(1, Math.ceil((start + windowMs - now) / 1000))
  const [account, ip] = await Promise.all([
    deps.store.rateLimits.hit(`password:account:${keys.account}`, windowStart),
    deps.store.rateLimits.hit(`password:ip:${keys.ip}`, windowStart),
  ])
  if (account > perAccount || ip > perIp) {
    const minutes = Math.ceil(retryAfterSeconds / 60)
    throw new AuthError(
      'rate_limited',
      `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or reset your password.`,
      account > perAccount ? 'per-account limit' : 'per-IP limit',
      retryAfterSeconds,
    )
  }
}

export async function clearAccountAttempts(deps: CoreDeps, account: string): Promise<void> {
  await deps.store.rateLimits.reset(`password:account:${account}`)
}
