/** Member API: personal API tokens of the caller in the org they act for (DESIGN §5; rules in core/api-tokens.ts). */
import { createApiToken, listApiTokens, revokeApiToken } from '../../core/api-tokens.js'
import type { CoreDeps } from '../../core/deps.js'
import type { ApiToken as Token } from '../../core/types.js'
import type { CookieSettings } from '../authenticate.js'
import { actingMembership, identifyCaller, requireSession } from './member-caller.js'
import { route, type ApiRoute } from './route.js'
import { ApiTokenInput, ApiTokenList, ApiTokenParams, CreatedApiToken } from './schemas.js'

const view = (t: Token) => ({ id: t.id, name: t.name, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, expiresAt: t.expiresAt })

export function tokenRoutes(deps: CoreDeps, cookie: CookieSettings): ApiRoute[] {
  return [
    route({
      method: 'POST',
      path: '/me/tokens',
      tag: 'Member API',
      security: 'member',
      summary: 'Create a personal API token for the org the session acts for; the secret is in this answer only',
      body: ApiTokenInput,
      response: CreatedApiToken,
      status: 201,
      errors: [403, 409, 422],
      handle: async ({ body }, request) => {
        const caller = await identifyCaller(deps, cookie, request)
        requireSession(caller)
        const { token, secret } = await createApiToken(deps, await actingMembership(deps, caller), body)
        return { ...view(token), token: secret }
      },
    }),
    route({
      method: 'GET',
      path: '/me/tokens',
      tag: 'Member API',
      security: 'member',
      summary: 'Your personal API tokens for the org you act for (never their secrets)',
      response: ApiTokenList,
      errors: [403, 409],
      handle: async (_input, request) => {
        const membership = await actingMembership(deps, await identifyCaller(deps, cookie, request))
        return { data: (await listApiTokens(deps, membership)).map(view) }
      },
    }),
    route({
      method: 'DELETE',
      path: '/me/tokens/:id',
      tag: 'Member API',
      security: 'member',
      summary: 'Revoke one of your personal API tokens; it stops working at once',
      params: ApiTokenParams,
      errors: [403, 404, 409],
      handle: async ({ params }, request) => {
        const caller = await identifyCaller(deps, cookie, request)
        requireSession(caller)
        await revokeApiToken(deps, await actingMembership(deps, caller), params.id)
      },
    }),
  ]
}
