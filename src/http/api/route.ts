/**
 * One declaration per API route: the zod schemas validate the request and response at run time and
 * are the same objects the OpenAPI document is generated from (openapi.ts), so the two cannot drift.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z, type ZodType } from 'zod'
import { HttpError } from '../http-error.js'

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
export type Security = 'operator' | 'member' | 'none'

export interface ApiRoute {
  readonly method: Method
  /** Fastify syntax, relative to /api/v1: `/organizations/:org`. */
  readonly path: string
  readonly summary: string
  readonly tag: string
  readonly security: Security
  readonly params?: z.ZodObject | undefined
  readonly query?: z.ZodObject | undefined
  readonly body?: ZodType | undefined
  /** Undefined for 204 No Content. */
  readonly response: ZodType | undefined
  readonly status: number
  /** Extra error statuses this route documents, beyond 400/401. */
  readonly errors?: readonly number[] | undefined
  readonly produces?: string | undefined
  handle(input: RouteInput, request: FastifyRequest, reply: FastifyReply): Promise<unknown>
}

export interface RouteInput {
  readonly params: unknown
  readonly query: unknown
  readonly body: unknown
}

type Infer<T> = T extends ZodType ? z.output<T> : undefined

/** Core types are readonly; a response may be built from them as they are. */
type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T

/** Declares a route with its handler typed by its schemas. */
export function route<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends ZodType | undefined = undefined,
  R extends ZodType | undefined = undefined,
>(definition: {
  method: Method
  path: string
  summary: string
  tag: string
  security: Security
  params?: P
  query?: Q
  body?: B
  response?: R
  status?: number
  errors?: readonly number[]
  produces?: string
  handle: (
    input: { params: Infer<P>; query: Infer<Q>; body: Infer<B> },
    request: FastifyRequest,
    reply: FastifyReply,
  ) => Promise<R extends ZodType ? DeepReadonly<z.input<R>> : unknown>
}): ApiRoute {
  return {
    ...definition,
    response: definition.response,
    status: definition.status ?? (definition.response === undefined ? 204 : 200),
    handle: definition.handle,
  }
}

function parse(schema: ZodType, value: unknown, where: string): unknown {
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}))
  if (result.success) return result.data
  const fields: Record<string, string> = {}
  for (const issue of result.error.issues) {
    const key = [where, ...issue.path.map(String)].join('.')
    fields[key] ??= issue.message
  }
  const first = Object.entries(fields)[0]
  throw new HttpError('validation_failed', first === undefined ? `Invalid ${where}.` : `${first[0]}: ${first[1]}`, fields)
}

/** Registers routes on an (encapsulated) Fastify instance; authentication is that instance's hook. */
export function registerRoutes(app: FastifyInstance, routes: readonly ApiRoute[]): void {
  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.path,
      handler: async (request, reply) => {
        const input: RouteInput = {
          params: r.params === undefined ? {} : parse(r.params, request.params, 'path'),
          query: r.query === undefined ? {} : parse(r.query, request.query, 'query'),
          body: r.body === undefined ? undefined : parse(r.body, request.body, 'body'),
        }
        const result = await r.handle(input, request, reply)
        if (reply.sent) return reply
        if (r.response === undefined) return reply.code(r.status).send()
        // The response schema strips anything not declared: a field added to a core type cannot leak.
        const out = r.response.parse(result)
        if (r.produces !== undefined && typeof out === 'string') return reply.code(r.status).type(r.produces).send(out)
        return reply.code(r.status).send(out)
      },
    })
  }
}
