/**
 * The SCIM 2.0 endpoint of each directory (DESIGN §8): `/scim/v2/{directoryId}/…`. Thin: read the
 * request, call core (which uses the scim/ protocol module), answer `application/scim+json`. Every
 * route is behind the directory's bearer token (401 SCIM error otherwise, never 200), errors are
 * RFC 7644 error bodies, and every request to a known directory is written to its request log with
 * the body's secrets removed.
 */
import { isUtf8 } from 'node:buffer'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CoreDeps } from '../core/deps.js'
import { DIRECTORY_REQUEST_LOG_SIZE, directoryBaseUrl } from '../core/directory.js'
import { authenticateDirectory, findDirectoryById, type DirectoryCaller } from '../core/directory-auth.js'
import type { Directory } from '../core/directory-ports.js'
import { createScimGroup, deleteScimGroup, getScimGroup, listScimGroups, patchScimGroup, replaceScimGroup } from '../core/directory-groups.js'
import { createScimUser, deleteScimUser, getScimUser, listScimUsers, patchScimUser, replaceScimUser } from '../core/directory-users.js'
import { rateWindow } from '../core/rate-limit.js'
import { newSortableId } from '../core/secret-token.js'
import { findResourceType, findSchema, resourceTypesList, schemasList, serviceProviderConfig } from '../scim/discovery.js'
import { ScimError, scimErrorBody, type ScimErrorBody, type ScimResult } from '../scim/error.js'
import { parseGroupFilter, parseUserFilter } from '../scim/filter.js'
import { groupToScim, parseGroupBody, type ScimGroup } from '../scim/group.js'
import { listResponse, parsePaging } from '../scim/list.js'
import { isAttributeReturned, parseProjection, projectResource, type ScimProjection } from '../scim/projection.js'
import { parseUserBody, userToScim, type ScimUser } from '../scim/user.js'
import { readBearer } from './authenticate.js'
import { statusOf, toKnownError } from './error-handler.js'

/** Requests without a live token kept in a directory's request log, per minute (the rest are only counted). */
export const UNAUTHENTICATED_LOGGED_PER_MINUTE = 20

const SCIM_JSON = 'application/scim+json; charset=utf-8'
/** SCIM bodies: generous for a group of many members, far below what could hurt. */
export const SCIM_BODY_LIMIT = 512 * 1024
/** Request bodies are kept in the log up to this many characters. */
const LOGGED_BODY_CHARS = 4096
const SECRET_KEY = /pass(word)?|secret|token|credential/i

declare module 'fastify' {
  interface FastifyRequest {
    scimDirectory?: Directory | undefined
    scimCaller?: DirectoryCaller | undefined
    scimErrorDetail?: string | undefined
  }
}

function unwrap<T>(result: ScimResult<T>): T {
  if (!result.ok) throw result.error
  return result.value
}

/** One query parameter as text; repeated or structured parameters are refused. */
function queryText(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown>)[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new ScimError('invalidValue', `${name} is given more than once`)
  return value
}

/**
 * The body as the log keeps it: JSON with secret-named values removed, cut to size. A PATCH operation
 * names its attribute in `path` (`{"op":"replace","path":"password","value":"…"}`): its `value` goes too.
 */
export function loggedBody(body: unknown): string | null {
  if (body === undefined || body === null) return null
  const text = JSON.stringify(body, function (this: Record<string, unknown>, key, value: unknown) {
    if (key === '') return value
    if (SECRET_KEY.test(key)) return '[removed]'
    const path = this.path
    return key === 'value' && typeof path === 'string' && SECRET_KEY.test(path) ? '[removed]' : value
  })
  return text.length > LOGGED_BODY_CHARS ? `${text.slice(0, LOGGED_BODY_CHARS)}…` : text
}

function errorAnswer(error: unknown): { status: number; body: ScimErrorBody } {
  if (error instanceof ScimError) return { status: error.status, body: scimErrorBody(error) }
  const known = toKnownError(error)
  const status = statusOf(known)
  const body: ScimErrorBody = { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail: known.message }
  if (known.code === 'validation_failed') body.scimType = 'invalidSyntax'
  return { status, body }
}

/** A SCIM error answer (RFC 7644 §3.12) for anything thrown; also the router's own refusals under /scim/ (app.tsx). */
export function replyWithScimError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const { status, body } = errorAnswer(error)
  if (status >= 500) request.log.error({ err: error }, 'SCIM request failed')
  request.scimErrorDetail = body.detail
  return reply.code(status).type(SCIM_JSON).send(body)
}

export async function scimRoutes(app: FastifyInstance, options: { deps: CoreDeps }): Promise<void> {
  const { deps } = options
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(['application/json', 'application/scim+json'], { parseAs: 'buffer', bodyLimit: SCIM_BODY_LIMIT }, (request, body, done) => {
    // A DELETE has no body, even when the client names a JSON Content-Type anyway (Okta's SPEC test sets one
    // on every request); every other empty body is still refused by the JSON parser below.
    if (request.method === 'DELETE' && (body as Buffer).length === 0) {
      done(null, undefined)
      return
    }
    if (!isUtf8(body as Buffer)) {
      done(new ScimError('invalidSyntax', 'The body is not UTF-8 text.'), undefined)
      return
    }
    // eslint-disable-next-line @typescript-eslint/no-floating-promises -- Fastify's default JSON parser is the callback form
    parseJson(request, (body as Buffer).toString('utf8'), done)
  })

  // An IdP's sync is thousands of requests: each is logged once, at completion (http/logging.ts), not twice.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, oneLogLine: true }
  })
  app.setErrorHandler((error, request, reply) => replyWithScimError(request, reply, error))
  app.setNotFoundHandler((request, reply) => {
    request.scimErrorDetail = 'There is no SCIM resource at this path.'
    return reply
      .code(404)
      .type(SCIM_JSON)
      .send(scimErrorBody(new ScimError('notFound', request.scimErrorDetail)))
  })

  // Before the body is read: a request without a live token learns nothing, not even a parse error.
  app.addHook('onRequest', async (request) => {
    const directoryId = (request.params as { directoryId?: string }).directoryId ?? /^\/scim\/v2\/([^/?]+)/.exec(request.url)?.[1]
    request.scimDirectory = directoryId === undefined ? undefined : await findDirectoryById(deps, directoryId)
    request.scimCaller = await authenticateDirectory(deps, request.scimDirectory, readBearer(request))
    if (request.scimCaller === undefined) throw new ScimError('unauthorized', 'Send a live token of this directory as "Authorization: Bearer <token>".')
  })
  /**
   * Requests without a live token are logged (the IdP's admin needs to see them), but at most
   * UNAUTHENTICATED_LOGGED_PER_MINUTE a minute per directory: anyone who knows a directory's id could
   * otherwise push the IdP's own entries out of the capped log.
   */
  const stillLogged = async (directoryId: string): Promise<boolean> =>
    (await deps.store.rateLimits.hit(`scim-unauthenticated:${directoryId}`, rateWindow(deps.clock.now(), 1).start)) <= UNAUTHENTICATED_LOGGED_PER_MINUTE
  app.addHook('onSend', async (request, reply) => {
    reply.header('cache-control', 'no-store')
    const directory = request.scimDirectory
    if (directory === undefined) return
    if (request.scimCaller === undefined && !(await stillLogged(directory.id))) return
    const path = request.url.slice(request.url.indexOf(directory.id) + directory.id.length) || '/'
    await deps.store.directories.insertRequest(
      {
        id: newSortableId(),
        directoryId: directory.id,
        method: request.method,
        path: path.slice(0, 2000),
        status: reply.statusCode,
        errorDetail: request.scimErrorDetail ?? null,
        body: loggedBody(request.body),
        createdAt: deps.clock.now().toISOString(),
      },
      DIRECTORY_REQUEST_LOG_SIZE,
    )
  })

  const caller = (request: FastifyRequest) => request.scimCaller!
  const baseUrl = (request: FastifyRequest) => directoryBaseUrl(deps, caller(request).directory.id)
  const send = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).type(SCIM_JSON).send(body)
  const projection = (request: FastifyRequest): ScimProjection =>
    unwrap(parseProjection({ attributes: queryText(request, 'attributes'), excludedAttributes: queryText(request, 'excludedAttributes') }))
  const userAnswer = (request: FastifyRequest, user: ScimUser, shape: ScimProjection = {}) => projectResource(userToScim(user, baseUrl(request)), shape)
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id

  // Discovery is read-only: any other method is 405 with `Allow: GET`, answered before a body is read
  // (Okta's SPEC test POSTs an empty or non-JSON body there and expects 405).
  for (const path of ['ServiceProviderConfig', 'ResourceTypes', 'ResourceTypes/:id', 'Schemas', 'Schemas/:id']) {
    app.route({
      method: ['POST', 'PUT', 'PATCH', 'DELETE'],
      url: `/:directoryId/${path}`,
      preParsing: async (request, reply) => {
        reply.header('allow', 'GET')
        return replyWithScimError(request, reply, new ScimError('methodNotAllowed', 'This discovery endpoint is read-only: use GET.'))
      },
      handler: async () => undefined,
    })
  }
  app.get('/:directoryId/ServiceProviderConfig', async (request, reply) => send(reply, 200, serviceProviderConfig(baseUrl(request))))
  app.get('/:directoryId/ResourceTypes', async (request, reply) => send(reply, 200, resourceTypesList(baseUrl(request))))
  app.get('/:directoryId/ResourceTypes/:id', async (request, reply) => {
    const found = findResourceType(baseUrl(request), idOf(request))
    if (found === undefined) throw new ScimError('notFound', 'No resource type has this name.')
    return send(reply, 200, found)
  })
  app.get('/:directoryId/Schemas', async (request, reply) => send(reply, 200, schemasList(baseUrl(request))))
  app.get('/:directoryId/Schemas/:id', async (request, reply) => {
    const found = findSchema(baseUrl(request), idOf(request))
    if (found === undefined) throw new ScimError('notFound', 'No schema has this id.')
    return send(reply, 200, found)
  })

  app.get('/:directoryId/Users', async (request, reply) => {
    const query = unwrap(parseUserFilter(queryText(request, 'filter')))
    const page = unwrap(parsePaging({ startIndex: queryText(request, 'startIndex'), count: queryText(request, 'count') }))
    const shape = projection(request)
    const { users, total } = await listScimUsers(deps, caller(request), query, page)
    return send(
      reply,
      200,
      listResponse(
        users.map((u) => userAnswer(request, u, shape)),
        total,
        page.startIndex,
      ),
    )
  })
  app.get('/:directoryId/Users/:id', async (request, reply) => {
    const shape = projection(request)
    return send(reply, 200, userAnswer(request, await getScimUser(deps, caller(request), idOf(request)), shape))
  })
  app.post('/:directoryId/Users', async (request, reply) => {
    const user = await createScimUser(deps, caller(request), unwrap(parseUserBody(request.body)))
    reply.header('location', `${baseUrl(request)}/Users/${encodeURIComponent(user.id)}`)
    return send(reply, 201, userAnswer(request, user))
  })
  app.put('/:directoryId/Users/:id', async (request, reply) =>
    send(reply, 200, userAnswer(request, await replaceScimUser(deps, caller(request), idOf(request), unwrap(parseUserBody(request.body))))),
  )
  app.patch('/:directoryId/Users/:id', async (request, reply) =>
    send(reply, 200, userAnswer(request, await patchScimUser(deps, caller(request), idOf(request), request.body))),
  )
  app.delete('/:directoryId/Users/:id', async (request, reply) => {
    await deleteScimUser(deps, caller(request), idOf(request))
    return reply.code(204).send()
  })

  // Groups (DESIGN §8: displayNames drive roles). A group's members are read only when the answer holds
  // them: `excludedAttributes=members` (Entra) spares reading a large group. PATCH answers 200 with
  // the group, shaped by `attributes`/`excludedAttributes` as RFC 7644 §3.5.2 allows.
  const groupAnswer = (request: FastifyRequest, group: ScimGroup, shape: ScimProjection) => projectResource(groupToScim(group, baseUrl(request)), shape)
  const withMembers = (shape: ScimProjection) => isAttributeReturned(shape, 'members')

  app.get('/:directoryId/Groups', async (request, reply) => {
    const query = unwrap(parseGroupFilter(queryText(request, 'filter')))
    const page = unwrap(parsePaging({ startIndex: queryText(request, 'startIndex'), count: queryText(request, 'count') }))
    const shape = projection(request)
    const { groups, total } = await listScimGroups(deps, caller(request), query, page, withMembers(shape))
    return send(
      reply,
      200,
      listResponse(
        groups.map((g) => groupAnswer(request, g, shape)),
        total,
        page.startIndex,
      ),
    )
  })
  app.get('/:directoryId/Groups/:id', async (request, reply) => {
    const shape = projection(request)
    return send(reply, 200, groupAnswer(request, await getScimGroup(deps, caller(request), idOf(request), withMembers(shape)), shape))
  })
  app.post('/:directoryId/Groups', async (request, reply) => {
    const shape = projection(request)
    const group = await createScimGroup(deps, caller(request), unwrap(parseGroupBody(request.body)), withMembers(shape))
    reply.header('location', `${baseUrl(request)}/Groups/${encodeURIComponent(group.id)}`)
    return send(reply, 201, groupAnswer(request, group, shape))
  })
  app.put('/:directoryId/Groups/:id', async (request, reply) => {
    const shape = projection(request)
    const data = unwrap(parseGroupBody(request.body))
    return send(reply, 200, groupAnswer(request, await replaceScimGroup(deps, caller(request), idOf(request), data, withMembers(shape)), shape))
  })
  app.patch('/:directoryId/Groups/:id', async (request, reply) => {
    const shape = projection(request)
    return send(reply, 200, groupAnswer(request, await patchScimGroup(deps, caller(request), idOf(request), request.body, withMembers(shape)), shape))
  })
  app.delete('/:directoryId/Groups/:id', async (request, reply) => {
    await deleteScimGroup(deps, caller(request), idOf(request))
    return reply.code(204).send()
  })
}
