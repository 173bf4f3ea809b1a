/**
 * Who is calling: a browser session cookie, or a bearer token from member API sign-in. The cookie
 * name carries the `__Host-` prefix under https, so no subdomain can plant or read it.
 */
import type {} from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CoreDeps } from '../core/deps.js'
import { resolveSession, type ResolvedSession } from '../core/sessions.js'

export interface CookieSettings {
  readonly name: string
  readonly secure: boolean
}

export function sessionCookieSettings(baseUrl: string): CookieSettings {
  const secure = baseUrl.startsWith('https:')
  return { name: secure ? '__Host-gh_session' : 'gh_session', secure }
}

/** The cookie of a set-up link's browser session (core/setup-link-sessions.ts), apart from members' sessions. */
export function setupSessionCookieSettings(baseUrl: string): CookieSettings {
  const secure = baseUrl.startsWith('https:')
  return { name: secure ? '__Host-gh_setup' : 'gh_setup', secure }
}

export function readBearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

export async function sessionFromCookie(deps: CoreDeps, cookie: CookieSettings, request: FastifyRequest): Promise<ResolvedSession | undefined> {
  const id = request.cookies[cookie.name]
  return id === undefined ? undefined : resolveSession(deps, id, 'browser')
}

export function setSessionCookie(reply: FastifyReply, cookie: CookieSettings, id: string, expiresAt: string): void {
  reply.setCookie(cookie.name, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: cookie.secure,
    expires: new Date(expiresAt),
  })
}

export function clearSessionCookie(reply: FastifyReply, cookie: CookieSettings): void {
  reply.clearCookie(cookie.name, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookie.secure })
}
