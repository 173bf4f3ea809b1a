/** Member API: password sign-in for API clients (DESIGN §5) and the current user. */
import { currentMembership } from '../../core/current-member.js'
import type { CoreDeps } from '../../core/deps.js'
import { sessionEndsAt } from '../../core/sessions.js'
import { signInWithPassword } from '../../core/sign-in.js'
import type { CookieSettings } from '../authenticate.js'
import { actingMembership, identifyCaller } from './member-caller.js'
import { route, type ApiRoute } from './route.js'
import { Me, PasswordSignInInput, PasswordSignInResult } from './schemas.js'

export function authRoutes(deps: CoreDeps, cookie: CookieSettings): ApiRoute[] {
  return [
    route({
      method: 'POST',
      path: '/auth/password',
      tag: 'Member API',
      security: 'none',
      summary: 'Sign in with email and password for an org; returns a bearer token for member APIs',
      body: PasswordSignInInput,
      response: PasswordSignInResult,
      errors: [403, 429],
      handle: async ({ body }, request) => {
        const signedIn = await signInWithPassword(deps, { email: body.email, password: body.password, orgSlug: body.org, ip: request.ip, kind: 'api' })
        return { token: signedIn.id, expiresAt: sessionEndsAt(signedIn.session) }
      },
    }),
    route({
      method: 'GET',
      path: '/me',
      tag: 'Member API',
      security: 'member',
      summary: 'The signed-in user, the org the session or token acts for and their roles there',
      response: Me,
      errors: [403],
      handle: async (_input, request) => {
        const caller = await identifyCaller(deps, cookie, request)
        // A browser session may act for no org yet (a user in several): `org` is then null.
        const membership =
          caller.via === 'session' && caller.session.kind === 'browser' ? await currentMembership(deps, caller.session) : await actingMembership(deps, caller)
        return {
          email: caller.user.email,
          firstName: caller.user.firstName,
          lastName: caller.user.lastName,
          org: membership?.org.slug ?? null,
          orgRole: membership?.member.role ?? null,
          workspaceRoles: { ...(membership?.member.workspaceRoles ?? {}) },
          // A personal token is not single sign-on: it reports `password`, the non-SSO method.
          authMethod: caller.via === 'token' ? 'password' : caller.session.authMethod,
          sessionExpiresAt: caller.via === 'token' ? caller.token.expiresAt : sessionEndsAt(caller.session),
        }
      },
    }),
  ]
}
