/**
 * Headers on every response: a strict CSP (no inline script or style), no framing, no referrer to
 * other sites. `same-origin`, not `no-referrer`: under `no-referrer` browsers send `Origin: null` on
 * every form post (Fetch spec), which the CSRF origin check rightly refuses.
 */
import type { FastifyInstance } from 'fastify'

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/** The policy with more origins a form may lead to (through redirects: Chromium checks each hop). */
export function withFormTargets(policy: string, origins: readonly string[]): string {
  return origins.length === 0 ? policy : policy.replace("form-action 'self'", `form-action 'self' ${origins.join(' ')}`)
}

/** The headers every response carries besides the CSP (also set by the OIDC provider's own responses). */
export function fixedSecurityHeaders(https: boolean): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // One-time links carry their token in the URL: never leak it to another site through Referer.
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    ...(https ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  }
}

export interface SecurityHeaderOptions {
  readonly https: boolean
  /** Origins of registered OpenID Connect clients: a sign-in form's redirects end there. */
  readonly formTargets?: () => Promise<readonly string[]>
}

/**
 * Without the database (an outage) the policy keeps `form-action 'self'` only: stricter, never
 * looser, and the error page still gets its headers. A sign-in form that would redirect to an OIDC
 * client cannot work without the database anyway.
 */
async function formTargetsOrNone(formTargets: () => Promise<readonly string[]>): Promise<readonly string[]> {
  try {
    return await formTargets()
  } catch {
    return []
  }
}

export function installSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  const fixed = fixedSecurityHeaders(options.https)
  app.addHook('onSend', async (request, reply) => {
    if (!reply.hasHeader('content-security-policy')) {
      const html = String(reply.getHeader('content-type') ?? '').startsWith('text/html')
      const targets = html && options.formTargets !== undefined ? await formTargetsOrNone(options.formTargets) : []
      reply.header('content-security-policy', withFormTargets(CONTENT_SECURITY_POLICY, targets))
    }
    // A page that carries a secret in its own URL (a set-up link's) may ask for no Referer at all.
    const noReferrer = reply.getHeader('referrer-policy') === 'no-referrer'
    reply.headers(fixed)
    if (noReferrer) reply.header('referrer-policy', 'no-referrer')
    reply.header('x-request-id', request.id)
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
  })
}
