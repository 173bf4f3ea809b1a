/**
 * /api/v1: the operator API behind GATEHOUSE_ADMIN_TOKEN (one encapsulated scope with the check, so a
 * new route cannot forget it), the member API, and the OpenAPI document. JSON only: no form or
 * text/plain parser here, so a cross-site form cannot reach these routes without a CORS preflight.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CoreDeps } from '../../core/deps.js'
import { safeEqual } from '../../core/secret-token.js'
import { readBearer, type CookieSettings } from '../authenticate.js'
import { replyWithApiError } from '../error-handler.js'
import { HttpError } from '../http-error.js'
import { authRoutes } from './auth-routes.js'
import { memberRoutes } from './member-routes.js'
import { directoryRoutes } from './directory-routes.js'
import { domainRoutes } from './domain-routes.js'
import { eventRoutes } from './event-routes.js'
import { buildOpenApi } from './openapi.js'
import { oidcClientRoutes } from './oidc-client-routes.js'
import { organizationRoutes } from './organization-routes.js'
import { registerRoutes } from './route.js'
import { setupLinkRoutes } from './setup-link-routes.js'
import { spKeyRoutes } from './sp-key-routes.js'
import { ssoRoutes } from './sso-routes.js'
import { tokenRoutes } from './token-routes.js'
import { webhookRoutes } from './webhook-routes.js'

export interface ApiOptions {
  readonly deps: CoreDeps
  readonly adminToken: string | undefined
  readonly cookie: CookieSettings
  readonly baseUrl: string
}

export async function apiPlugin(app: FastifyInstance, options: ApiOptions): Promise<void> {
  const { deps, adminToken, cookie } = options
  app.removeContentTypeParser('text/plain')
  app.setErrorHandler((error, request, reply) => replyWithApiError(request, reply, error))
  app.setNotFoundHandler((request, reply) => replyWithApiError(request, reply, new HttpError('not_found', 'There is no API route with this method and path.')))
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })

  const operatorApi = [
    ...organizationRoutes(deps),
    ...memberRoutes(deps),
    ...ssoRoutes(deps),
    ...domainRoutes(deps),
    ...oidcClientRoutes(deps),
    ...spKeyRoutes(deps),
    ...directoryRoutes(deps),
    ...setupLinkRoutes(deps),
    ...webhookRoutes(deps),
    ...eventRoutes(deps),
  ]
  const memberApi = [...authRoutes(deps, cookie), ...tokenRoutes(deps, cookie)]
  const document = buildOpenApi([...operatorApi, ...memberApi], `${options.baseUrl}/api/v1`)
  app.get('/openapi.json', async () => document)

  await app.register(async (operator) => {
    operator.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
      if (adminToken === undefined) throw new HttpError('api_disabled', 'The operator API is disabled: set GATEHOUSE_ADMIN_TOKEN to enable it.')
      const presented = readBearer(request)
      if (presented === undefined || !safeEqual(presented, adminToken)) {
        throw new HttpError('unauthorized', 'Send the operator token as "Authorization: Bearer <GATEHOUSE_ADMIN_TOKEN>".')
      }
    })
    registerRoutes(operator, operatorApi)
  })
  await app.register(async (member) => registerRoutes(member, memberApi))
}
