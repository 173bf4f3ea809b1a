/**
 * Operator API: the deployment's SAML SP key pairs (issue 15). Never a private key. A change takes
 * effect in every process within KEY_REFRESH_MS (core/key-refresh.ts).
 */
import type { CoreDeps } from '../../core/deps.js'
import { listSpKeys, retireSpKey, rotateSpKeys } from '../../core/sp-keys.js'
import { route, type ApiRoute } from './route.js'
import { NoOptions, SpKey, SpKeyList, SpKeyParams } from './schemas.js'

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
      summary: 'Rotate: add a key pair that signs from now on; older pairs stay published and decrypting until retired',
      body: NoOptions,
      response: SpKey,
      handle: async () => rotateSpKeys(deps, operator),
    }),
    route({
      method: 'POST',
      path: '/sp-keys/:id/retire',
      tag,
      security: 'operator',
      summary: 'Retire a key pair: no longer published or decrypting; the signing (newest) pair cannot be retired',
      params: SpKeyParams,
      body: NoOptions,
      response: SpKey,
      errors: [404, 409],
      handle: async ({ params }) => retireSpKey(deps, params.id, operator),
    }),
  ]
}
