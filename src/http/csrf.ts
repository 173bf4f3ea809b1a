/**
 * CSRF: every state-changing form carries a token that is an HMAC, under the secret key, of what
 * identifies the browser: the session (hashed id) once signed in, else a random pre-session cookie.
 * A forged cross-site post cannot know it; an Origin header naming another site is refused too.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { safeEqual } from '../core/secret-token.js'

export function csrfTokenFor(secretKey: Buffer, binding: string): string {
  return createHmac('sha256', secretKey).update(`csrf|${binding}`).digest('base64url')
}

export function isCsrfTokenValid(secretKey: Buffer, binding: string, presented: unknown): boolean {
  return typeof presented === 'string' && presented.length > 0 && safeEqual(presented, csrfTokenFor(secretKey, binding))
}

export function newPreSessionId(): string {
  return randomBytes(18).toString('base64url')
}

/** True when the browser says the form came from another origin. Absent Origin is judged by the token alone. */
export function isForeignOrigin(origin: string | undefined, baseUrl: string): boolean {
  if (origin === undefined) return false
  return origin !== new URL(baseUrl).origin
}
