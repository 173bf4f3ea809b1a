/** The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with. */
import { z, type ZodType } from 'zod'
import type { ApiRoute } from './route.js'
import { ErrorResponse } from './schemas.js'

function jsonSchema(schema: ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}

const ERROR_TEXT: Record<number, string> = {
  400: 'The request is malformed (validation_failed)',
  401: 'Missing or wrong credentials',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflicts with an existing resource or state',
  410: 'Gone: used or expired',
  422: 'A value breaks a rule',
  429: 'Rate limited; see Retry-After',
  502: 'An upstream lookup failed (DNS); try again later',
}

export function buildOpenApi(routes: readonly ApiRoute[], serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of routes) {
    const path = r.path.replace(/:([a-zA-Z]+)/g, '{$1}')
    const parameters = [
      ...Object.entries(r.params?.shape ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema: jsonSchema(schema as ZodType, 'input') })),
      ...Object.entries(r.query?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: !(schema as ZodType).safeParse(undefined).success,
        schema: jsonSchema(schema as ZodType, 'input'),
      })),
    ]
    const responses: Record<string, unknown> = {}
    responses[String(r.status)] =
      r.response === undefined
        ? { description: 'No content' }
        : { description: 'OK', content: { [r.produces ?? 'application/json']: { schema: jsonSchema(r.response, 'output') } } }
    const errorStatuses = new Set([400, ...(r.security === 'none' ? [] : [401]), ...(r.errors ?? [])])
    if (r.security === 'none' && r.path === '/auth/password') errorStatuses.add(401)
    for (const status of [...errorStatuses].sort()) {
      responses[String(status)] = {
        description: ERROR_TEXT[status] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      }
    }
    ;(paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      security: r.security === 'operator' ? [{ operatorToken: [] }] : r.security === 'member' ? [{ memberToken: [] }, { sessionCookie: [] }] : [],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } }),
      responses,
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse API',
      version: '1',
      description: 'Operator API (bearer GATEHOUSE_ADMIN_TOKEN) and member API. Errors are {"error":{"code","message"}}; codes are listed in docs/errors.md.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorResponse, 'output') },
      securitySchemes: {
        operatorToken: { type: 'http', scheme: 'bearer', description: 'GATEHOUSE_ADMIN_TOKEN' },
        memberToken: { type: 'http', scheme: 'bearer', description: 'token from POST /auth/password (gha_…), or a personal API token (ghpt_…)' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'gh_session' },
      },
    },
  }
}
