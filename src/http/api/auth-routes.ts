/** Member API: password sign-in for API clients (DESIGN §5) and the current user. */
import type { FastifyRequest } from 'fastify'
import { AuthError } from '../../core/auth-error.js'
import { currentMembership } from '../../core/current-member.js'
import type { CoreDeps } from '../../core/deps.js'
import { resolveSession, sessionEndsAt } from '../../core/sessions.js'
import { signInWithPassword } from '../../core/sign-in.js'
import { readBearer, sessionFromCookie, type CookieSettings } from '../authenticate.js'
import { route, type ApiRoute } from './route.js'
import { Me, PasswordSignInInput, PasswordSignInResult } from './schemas.js'

export function authRoutes(deps: CoreDeps, cookie: CookieSettings): ApiRoute[] {
  async function caller(request: FastifyRequest) {
    const bearer = readBearer(request)
    // A bearer header wins; a bad one is refused rather than falling back to the cookie.
    const resolved = bearer !== undefined ? await resolveSession(deps, bearer, 'api') : await sessionFromCookie(deps, cookie, request)
    if (resolved === undefined) throw new AuthError(bearer !== undefined ? 'token_invalid' : 'unauthenticated', 'Sign in first: send a session cookie or an API bearer token.')
    return resolved
  }

  return [
    route({
      method: 'POST', path: '/auth/password', tag: 'Member API', security: 'none',
      summary: 'Sign in with email and password for an org; returns a bearer token for member APIs',
      body: PasswordSignInInput, response: PasswordSignInResult, errors: [403, 429],
      handle: async ({ body }, request) => {
        const signedIn = await signInWithPassword(deps, { email: body.email, password: body.password, orgSlug: body.org, ip: request.ip, kind: 'api' })
        return { token: signedIn.id, expiresAt: sessionEndsAt(signedIn.session) }
      },
    }),
    route({
      method: 'GET', path: '/me', tag: 'Member API', security: 'member',
      summary: 'The signed-in user, the org the session acts for and their roles there',
      response: Me,
      handle: async (_input, request) => {
        const { session, user } = await caller(request)
        const membership = await currentMembership(deps, session)
        if (membership === undefined && session.kind === 'api') {
          throw new AuthError('token_invalid', 'This token\'s organization membership has ended.')
        }
        return {
          email: user.email,
          firstName: user.firstName,
          lastName: user.lastName,
          org: membership?.org.slug ?? null,
          orgRole: membership?.member.role ?? null,
          workspaceRoles: { ...(membership?.member.workspaceRoles ?? {}) },
          authMethod: session.authMethod,
          sessionExpiresAt: sessionEndsAt(session),
        }
      },
    }),
  ]
}
