/**
 * Operator API: the deployment's SAML SP key pairs (issue 15). Never a private key. A change takes
 * effect in every process within KEY_REFRESH_MS (core/key-refresh.ts).
 */
import type { CoreDeps } from '../../core/deps.js'
import { activateSpKey, listSpKeys, retireSpKey, rotateSpKeys } from '../../core/sp-keys.js'
import { route, type ApiRoute } from './route.js'
import { NoOptions, SpKey, SpKeyList, SpKeyParams, SpKeyRotation } from './schemas.js'

const operator = { kind: 'operator' } as const

export function spKeyRoutes(deps: CoreDeps): ApiRoute[] {
  const tag = 'SAML SP keys'
  return [
    route({
      method: 'GET',
      path: '/sp-keys',
      tag,
      security: 'operator',
      summary: 'Every SP key pair, newest first, retired ones included (never a private key)',
      response: SpKeyList,
      handle: async () => ({ data: await listSpKeys(deps) }),
    }),
    route({
      method: 'POST',
      path: '/sp-keys',
      tag,
      security: 'operator',
      status: 201,
      summary:
        'Rotate: add the next key pair, published in SP metadata and decrypting at once, signing after the publication period (GATEHOUSE_SP_KEY_PUBLICATION_DAYS, default 7) or at once with {"activate": true}; 409 while another next pair waits',
      body: SpKeyRotation,
      response: SpKey,
      errors: [409],
      handle: async ({ body }) => rotateSpKeys(deps, operator, { activate: body?.activate === true }),
    }),
    route({
      method: 'POST',
      path: '/sp-keys/:id/activate',
      tag,
      security: 'operator',
      summary: 'The next key pair signs from now on, before its publication period ends',
      params: SpKeyParams,
      body: NoOptions,
      response: SpKey,
      errors: [404, 409],
      handle: async ({ params }) => activateSpKey(deps, params.id, operator),
    }),
    route({
      method: 'POST',
      path: '/sp-keys/:id/retire',
      tag,
      security: 'operator',
      summary: 'Retire a key pair (a previous one, or a next one to withdraw it): no longer published or decrypting; the signing pair cannot be retired',
      params: SpKeyParams,
      body: NoOptions,
      response: SpKey,
      errors: [404, 409],
      handle: async ({ params }) => retireSpKey(deps, params.id, operator),
    }),
  ]
}
