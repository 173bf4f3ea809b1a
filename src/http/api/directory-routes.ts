/** Operator API: an org's SCIM directory, its tokens and request log (DESIGN §8; rules in core/directory.ts). */
import type { CoreDeps } from '../../core/deps.js'
import { createDirectory, createDirectoryToken, disableDirectory, getDirectory, listDirectoryRequests, revokeDirectoryToken } from '../../core/directory.js'
import { route, type ApiRoute } from './route.js'
import { CreatedDirectory, CreatedDirectoryToken, Directory, DirectoryRequestList, DirectoryTokenParams, NoOptions, OrgParams } from './schemas.js'

const operator = { kind: 'operator' } as const

export function directoryRoutes(deps: CoreDeps): ApiRoute[] {
  const tag = 'Directory sync'
  return [
    route({
      method: 'POST',
      path: '/organizations/:org/directory',
      tag,
      security: 'operator',
      status: 201,
      summary: "Create the org's SCIM directory (or enable a disabled one again) with a first token; the secret is in this answer only",
      params: OrgParams,
      body: NoOptions,
      response: CreatedDirectory,
      errors: [404, 409],
      handle: async ({ params }) => {
        const { baseUrl, token } = await createDirectory(deps, operator, params.org)
        return { baseUrl, enabled: true as const, token: { id: token.token.id, secret: token.secret, createdAt: token.token.createdAt } }
      },
    }),
    route({
      method: 'GET',
      path: '/organizations/:org/directory',
      tag,
      security: 'operator',
      summary: "The org's directory: base URL, live tokens (never their secrets), counts, last request",
      params: OrgParams,
      response: Directory,
      errors: [404],
      handle: async ({ params }) => {
        const view = await getDirectory(deps, params.org)
        return {
          baseUrl: view.baseUrl,
          enabled: view.directory.enabled,
          tokens: view.tokens.map((t) => ({ id: t.id, prefix: t.prefix, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt })),
          userCount: view.userCount,
          groupCount: view.groupCount,
          lastRequestAt: view.directory.lastRequestAt,
        }
      },
    }),
    route({
      method: 'DELETE',
      path: '/organizations/:org/directory',
      tag,
      security: 'operator',
      summary: 'Disable the directory: every token is revoked and SCIM answers 401; members stay as they are',
      params: OrgParams,
      errors: [404],
      handle: async ({ params }) => {
        await disableDirectory(deps, operator, params.org)
      },
    }),
    route({
      method: 'POST',
      path: '/organizations/:org/directory/tokens',
      tag,
      security: 'operator',
      status: 201,
      summary: "A new directory token (at most two live, so the IdP's token can be rotated without a gap); the secret is in this answer only",
      params: OrgParams,
      body: NoOptions,
      response: CreatedDirectoryToken,
      errors: [404, 409],
      handle: async ({ params }) => {
        const { token, secret } = await createDirectoryToken(deps, operator, params.org)
        return { id: token.id, secret, createdAt: token.createdAt }
      },
    }),
    route({
      method: 'DELETE',
      path: '/organizations/:org/directory/tokens/:id',
      tag,
      security: 'operator',
      summary: 'Revoke a directory token; the IdP using it gets 401 at once',
      params: DirectoryTokenParams,
      errors: [404],
      handle: async ({ params }) => {
        await revokeDirectoryToken(deps, operator, params.org, params.id)
      },
    }),
    route({
      method: 'GET',
      path: '/organizations/:org/directory/requests',
      tag,
      security: 'operator',
      summary: 'The last requests the IdP made (method, path, status, error detail, body without secrets), newest first',
      params: OrgParams,
      response: DirectoryRequestList,
      errors: [404],
      handle: async ({ params }) => ({
        data: (await listDirectoryRequests(deps, params.org)).map((r) => ({
          method: r.method,
          path: r.path,
          status: r.status,
          errorDetail: r.errorDetail,
          body: r.body,
          createdAt: r.createdAt,
        })),
      }),
    }),
  ]
}
