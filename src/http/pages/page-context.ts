/**
 * Every page request: the session (if any), the CSRF token for its forms, and the CSRF check of
 * every POST. Registered once on the pages scope, so a new form route cannot forget it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AuthError } from '../../core/auth-error.js'
import type { CoreDeps } from '../../core/deps.js'
import type { ResolvedSession } from '../../core/sessions.js'
import { resolveSetupLinkSession, type ResolvedSetupLinkSession } from '../../core/setup-link-sessions.js'
import { sessionFromCookie, type CookieSettings } from '../authenticate.js'
import { csrfTokenFor, isCsrfTokenValid, isForeignOrigin, newPreSessionId } from '../csrf.js'
import type { Viewer } from '../../ui/layout.js'

export interface PageContext {
  readonly signedIn: ResolvedSession | undefined
  /**
   * A set-up link's browser session with its live link (checked on every request). Never a member:
   * only routes allow-listed in setup-link-access.ts look at it.
   */
  readonly setupLink: ResolvedSetupLinkSession | undefined
  readonly csrf: string
}

declare module 'fastify' {
  interface FastifyRequest {
    page: PageContext
  }
}

export interface PageContextOptions {
  readonly deps: CoreDeps
  readonly cookie: CookieSettings
  readonly setupCookie: CookieSettings
  readonly secretKey: Buffer
  readonly baseUrl: string
}

export function preSessionCookieName(cookie: CookieSettings): string {
  return cookie.secure ? '__Host-gh_csrf' : 'gh_csrf'
}

export function installPageContext(app: FastifyInstance, options: PageContextOptions): void {
  const { deps, cookie, setupCookie, secretKey, baseUrl } = options
  const preName = preSessionCookieName(cookie)
  app.decorateRequest('page', null as unknown as PageContext)
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const signedIn = await sessionFromCookie(deps, cookie, request)
    const setupId = request.cookies[setupCookie.name]
    const setupLink = setupId === undefined ? undefined : await resolveSetupLinkSession(deps, setupId)
    let binding = signedIn?.session.idHash ?? setupLink?.session.idHash
    if (binding === undefined) {
      binding = request.cookies[preName]
      if (binding === undefined || !/^[A-Za-z0-9_-]{24}$/.test(binding)) {
        binding = newPreSessionId()
        reply.setCookie(preName, binding, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookie.secure })
      }
    }
    request.page = { signedIn, setupLink, csrf: csrfTokenFor(secretKey, binding) }
    if (request.method === 'POST') {
      const body = request.body as Record<string, unknown> | undefined
      if (isForeignOrigin(request.headers.origin, baseUrl) || !isCsrfTokenValid(secretKey, binding, body?._csrf)) {
        throw new AuthError('csrf_invalid', 'This form has expired or did not come from Gatehouse. Go back, reload the page and try again.')
      }
    }
  })
}

export function viewerOf(page: PageContext): Viewer | undefined {
  const user = page.signedIn?.user
  if (user === undefined) return undefined
  const name = `${user.firstName} ${user.lastName}`.trim()
  return { email: user.email, name: name === '' ? user.email : name }
}

/** The signed-in user, or an `unauthenticated` error the page error handler turns into a sign-in redirect. */
export function requireSignedIn(request: FastifyRequest): ResolvedSession & { viewer: Viewer } {
  const signedIn = request.page.signedIn
  if (signedIn === undefined) throw new AuthError('unauthenticated', 'Sign in to continue.')
  return { ...signedIn, viewer: viewerOf(request.page)! }
}

/** A path on this deployment only: never another host, never a scheme, never `//` or `/\`. */
export function safeLocalPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2000) return undefined
  // Printable ASCII only: a browser's own URLs arrive percent-encoded, and anything else cannot go in a
  // Location header (Node throws on it, which turned a sign-in into a 500).
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[^\x20-\x7e]|\\/.test(value)) return undefined
  return value
}

/** Form fields arrive as strings (or arrays when repeated); take the first string. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name]
  if (typeof value === 'string') return value
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0]
  return ''
}
