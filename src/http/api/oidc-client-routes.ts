/** Operator API: OpenID Connect clients (issue 7). The secret of a confidential client is in the creation answer only. */
import type { CoreDeps } from '../../core/deps.js'
import { deleteOidcClient, getOidcClient, listOidcClients, registerOidcClient, updateOidcClient } from '../../core/oidc-clients.js'
import { route, type ApiRoute } from './route.js'
import { CreatedOidcClient, OidcClient, OidcClientInput, OidcClientList, OidcClientParams, OidcClientUpdate } from './schemas.js'

const operator = { kind: 'operator' } as const

export function oidcClientRoutes(deps: CoreDeps): ApiRoute[] {
  const tag = 'OpenID Connect clients'
  return [
    route({
      method: 'POST',
      path: '/oidc-clients',
      tag,
      security: 'operator',
      status: 201,
      summary: "Register a host app as an OpenID Connect client; a confidential client's secret is in this answer only",
      body: OidcClientInput,
      response: CreatedOidcClient,
      errors: [422],
      handle: async ({ body }) => {
        const { client, secret } = await registerOidcClient(deps, body, operator)
        return { ...client, clientSecret: secret ?? null }
      },
    }),
    route({
      method: 'GET',
      path: '/oidc-clients',
      tag,
      security: 'operator',
      summary: 'Every registered client (never their secrets)',
      response: OidcClientList,
      handle: async () => ({ data: await listOidcClients(deps) }),
    }),
    route({
      method: 'GET',
      path: '/oidc-clients/:id',
      tag,
      security: 'operator',
      summary: 'One client (never its secret)',
      params: OidcClientParams,
      response: OidcClient,
      errors: [404],
      handle: async ({ params }) => getOidcClient(deps, params.id),
    }),
    route({
      method: 'PATCH',
      path: '/oidc-clients/:id',
      tag,
      security: 'operator',
      summary: 'Change a client: any of its name, redirect URIs, back-channel logout URI (null removes it) and whether logout tokens carry sid',
      params: OidcClientParams,
      body: OidcClientUpdate,
      response: OidcClient,
      errors: [404, 422],
      handle: async ({ params, body }) => updateOidcClient(deps, params.id, body, operator),
    }),
    route({
      method: 'DELETE',
      path: '/oidc-clients/:id',
      tag,
      security: 'operator',
      summary: 'Delete a client: its sign-ins and token refreshes stop at once',
      params: OidcClientParams,
      errors: [404],
      handle: async ({ params }) => {
        await deleteOidcClient(deps, params.id, operator)
      },
    }),
  ]
}
