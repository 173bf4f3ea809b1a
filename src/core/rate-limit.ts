/**
 * Fixed-window limits, kept in the database so every process counts together: password attempts per
 * account and per client IP (here), forgot-password mails per email (password-reset.ts) and failed
 * SSO sign-ins per IP (saml-sign-in.ts), all in the windows of `rateWindow`. Every attempt counts
 * (hit first, then check), so parallel guesses cannot slip past; a success clears the account's window.
 */
import { AuthError } from './auth-error.js'
import type { CoreDeps } from './deps.js'

export interface AttemptKeys {
  readonly account: string
  readonly ip: string
}

export interface RateWindow {
  /** When the window began, ISO-8601: the counters' key. */
  readonly start: string
  /** Whole seconds until it ends, at least 1 (a Retry-After value). */
  readonly retryAfterSeconds: number
}

/** The fixed window of `windowMinutes` that `now` falls in; every limit counts in these windows. */
export function rateWindow(now: Date, windowMinutes: number): RateWindow {
  const windowMs = windowMinutes * 60_000
  const at = now.getTime()
  const start = Math.floor(at / windowMs) * windowMs
  return { start: new Date(start).toISOString(), retryAfterSeconds: Math.max(1, Math.ceil((start + windowMs - at) / 1000)) }
}

export async function countAttempt(deps: CoreDeps, keys: AttemptKeys): Promise<void> {
  const { windowMinutes, perAccount, perIp } = deps.settings.rateLimit
  const { start, retryAfterSeconds } = rateWindow(deps.clock.now(), windowMinutes)
  const [account, ip] = await Promise.all([
    deps.store.rateLimits.hit(`password:account:${keys.account}`, start),
    deps.store.rateLimits.hit(`password:ip:${keys.ip}`, start),
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
